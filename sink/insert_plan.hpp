#pragma once
// The decisions of getting one batch's rows into ClickHouse, without the I/O:
// the plan says what to do next (send these rows, wait until then, recreate
// the schema, dead-letter that row, give up, done) and the caller — the
// pipeline's thin adapter — does it and reports back what happened, with the
// time. Like Boost.Redis' writer_fsm: scripted replies drive it in tests.
//
// The rules:
//   - ok: this part of the batch is in; on to the next part, or done.
//   - retryable (overload, network, timeout — the client reports a timeout
//     as retryable): back off (retry_policy.hpp) and send the same rows again.
//   - fatal (configuration, credentials, our statement): the rows are fine
//     and stay pending; retry at the longest backoff and tell the operator
//     on every retry.
//   - permanent (the rows themselves): split the part in halves and send
//     each (tokens token+"l", token+"r"), down to the single row ClickHouse
//     refuses, which is dead-lettered; the other rows get in.
//   - code 60 / 81 (table or database dropped under us): recreate the schema
//     before the backoff.
//   - worker.insert_delay (the lab's throttled ClickHouse): waited before
//     every send.
//   - the shutdown deadline passing during a wait: give up, rows pending.
#include <chrono>
#include <cstddef>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "sink/clickhouse_error.hpp"
#include "sink/retry_policy.hpp"

namespace tracepipe::sink {

/// What ClickHouse answered to one send; a transport error or timeout is `retryable`.
struct insert_reply {
  failure kind = failure::none;
  int code = 0;                  ///< ClickHouse exception code, 0 when none
  std::string_view message;      ///< why it failed; becomes a dead-lettered row's reason
};

/// What to tell the operator along with an action that follows a failure.
enum class insert_notice {
  none,
  will_retry,  ///< the first failure of this part: "insert of N rows failed, will retry"
  fatal,       ///< every fatal failure: "ClickHouse refuses every insert … fix the configuration"
};

/// The next thing the adapter does.
struct insert_action {
  enum class kind {
    send,             ///< INSERT `rows` with `token` (dedup token) and `query_id`; then replied()
    wait,             ///< sleep until `until` (waking early only for the shutdown deadline); then waited()
    recreate_schema,  ///< run the schema DDL again; then schema_recreated()
    dead_letter,      ///< move `row` to the dead-letter stream with `reason`; then dead_lettered()
    give_up,          ///< the shutdown deadline passed: leave what is not in yet pending
    done,             ///< every row is inserted or dead-lettered
  };
  /// Why a wait.
  enum class pause {
    backoff,       ///< after a failure: count a ClickHouse retry
    insert_delay,  ///< worker.insert_delay before a send: keep the batch claimed while it lasts
  };

  kind what = kind::done;
  std::span<const std::size_t> rows{};  ///< send, wait, recreate_schema: the rows of the part at hand
  std::string token{};                ///< send: the part's insert deduplication token
  std::string query_id{};             ///< send: "{token}-{attempt}"
  retry_clock::time_point until{};    ///< wait
  pause why = pause::backoff;         ///< wait
  insert_notice notice = insert_notice::none;  ///< the first action after a failed send
  std::size_t row = 0;                ///< dead_letter
  std::string reason{};               ///< dead_letter
};

/// One batch's way into ClickHouse. Call start() once, then after each action
/// the method that action names, until give_up or done.
class insert_plan {
 public:
  /// `rows`: the batch's row numbers, in order; `token`: the batch's dedup token.
  insert_plan(std::vector<std::size_t> rows, std::string token, const backoff_policy& backoff,
              std::chrono::milliseconds insert_delay);

  /// The first action.
  insert_action start(retry_clock::time_point now);
  /// The send came back at `now` with `reply`.
  insert_action replied(const insert_reply& reply, retry_clock::time_point now);
  /// The wait ended at `now`, at its `until` or earlier; `deadline` is the
  /// shutdown deadline (time_point::max() while running).
  insert_action waited(retry_clock::time_point now, retry_clock::time_point deadline);
  /// The schema DDL ran (whatever it answered: the retry tells).
  insert_action schema_recreated(retry_clock::time_point now);
  /// The refused row is in the dead-letter stream.
  insert_action dead_lettered(retry_clock::time_point now);

 private:
  /// A contiguous run of rows sent as one INSERT, with its own token and attempts.
  struct part {
    std::size_t begin;
    std::size_t end;
    std::string token;
    int attempt = 0;  ///< sends of this part so far; numbers the query id
  };

  /// Starts the next send of the part at hand: the injected delay, else the send.
  insert_action attempt(retry_clock::time_point now);
  insert_action send() const;
  insert_action backoff(retry_clock::time_point now);
  /// The part at hand is finished: on to the next one, or done.
  insert_action next_part(retry_clock::time_point now);
  /// Splits the part at hand in halves, the left one first.
  void bisect();
  std::span<const std::size_t> rows_of(const part& p) const;

  std::vector<std::size_t> rows_;
  std::vector<part> todo_;  ///< parts still to insert, the one at hand last
  const backoff_policy& backoff_;
  std::chrono::milliseconds insert_delay_;
  bool fatal_ = false;                 ///< the last failure of the part at hand was fatal
  insert_action::pause waiting_for_ = insert_action::pause::backoff;
  retry_clock::time_point until_{};    ///< of the wait in progress
};

}  // namespace tracepipe::sink
