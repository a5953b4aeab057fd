// The insert plan: a batch's way into ClickHouse decided without sockets.
// Scripted replies and time from a fixed origin drive it; every test asserts
// the exact sequence of actions it asks for.
// The header comes first: it must compile on its own.
#include "sink/insert_plan.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <deque>
#include <functional>
#include <random>
#include <string>
#include <vector>

#include <fmt/format.h>

namespace tracepipe::sink {
namespace {

using namespace std::chrono_literals;
using std::chrono::milliseconds;
using kind = insert_action::kind;

const retry_clock::time_point t0 = retry_clock::time_point{} + 1000h;
const retry_clock::time_point no_deadline = retry_clock::time_point::max();

const insert_reply ok{};
const insert_reply retryable{failure::retryable, 0, "Timeout exceeded"};
const insert_reply bad_row{failure::permanent, 27, "Cannot parse input"};
const insert_reply no_access{failure::fatal, 516, "Authentication failed"};
const insert_reply no_table{failure::retryable, 60, "Table tracepipe.runs doesn't exist"};
const insert_reply no_database{failure::retryable, 81, "Database tracepipe doesn't exist"};

/// Waits at their ceiling: 200 ms doubling up to 3.2 s, so every wait is exact.
const backoff_policy backoff(200ms, 3200ms, [](milliseconds, milliseconds hi) { return hi; });

/// One line per action, times since t0.
std::string describe(const insert_action& a) {
  std::string rows;
  for (auto r : a.rows) rows += (rows.empty() ? "" : " ") + std::to_string(r);
  auto at = std::chrono::duration_cast<milliseconds>(a.until - t0).count();
  std::string said = a.notice == insert_notice::fatal        ? " — say fatal"
                     : a.notice == insert_notice::will_retry ? " — say will retry"
                                                             : "";
  switch (a.what) {
    case kind::send: return fmt::format("send [{}] token {} id {}", rows, a.token, a.query_id);
    case kind::wait:
      return fmt::format("{} [{}] until {}ms", a.why == insert_action::pause::backoff ? "backoff" : "delay", rows, at) +
             said;
    case kind::recreate_schema: return fmt::format("recreate schema [{}]", rows) + said;
    case kind::dead_letter: return fmt::format("dead-letter {}: {}", a.row, a.reason);
    case kind::give_up: return "give up";
    case kind::done: return "done";
  }
  return "?";
}

/// Plays ClickHouse: the answer to one send, by the rows it carries.
using server = std::function<insert_reply(std::span<const std::size_t> rows)>;

/// Answers in this order, whatever is sent.
server replies(std::deque<insert_reply> script) {
  return [script](std::span<const std::size_t>) mutable {
    auto r = script.empty() ? ok : script.front();
    if (!script.empty()) script.pop_front();
    return r;
  };
}

/// Runs a plan to its end with no shutdown: sends answer at once, waits end at their `until`.
std::vector<std::string> play(insert_plan& plan, const server& answer) {
  std::vector<std::string> seen;
  auto now = t0;
  for (auto a = plan.start(now); seen.size() < 100;) {
    seen.push_back(describe(a));
    switch (a.what) {
      case kind::send: a = plan.replied(answer(a.rows), now); break;
      case kind::wait: a = plan.waited(now = a.until, no_deadline); break;
      case kind::recreate_schema: a = plan.schema_recreated(now); break;
      case kind::dead_letter: a = plan.dead_lettered(now); break;
      case kind::give_up:
      case kind::done: return seen;
    }
  }
  return seen;
}

using lines = std::vector<std::string>;

TEST(sink_insert_plan, ok_at_once_is_one_send) {
  insert_plan plan({0, 1, 2}, "t", backoff, 0ms);
  lines expected{"send [0 1 2] token t id t-0", "done"};
  EXPECT_EQ(play(plan, replies({})), expected);
}

TEST(sink_insert_plan, retryable_then_ok) {
  insert_plan plan({0, 1, 2}, "t", backoff, 0ms);
  lines expected{
      "send [0 1 2] token t id t-0",
      "backoff [0 1 2] until 200ms — say will retry",
      "send [0 1 2] token t id t-1",
      "done",
  };
  EXPECT_EQ(play(plan, replies({retryable})), expected);
}

TEST(sink_insert_plan, backoff_doubles_then_caps_and_is_reported_once) {
  insert_plan plan({7}, "t", backoff, 0ms);
  lines expected{
      "send [7] token t id t-0",
      "backoff [7] until 200ms — say will retry",
      "send [7] token t id t-1",
      "backoff [7] until 600ms",
      "send [7] token t id t-2",
      "backoff [7] until 1400ms",
      "send [7] token t id t-3",
      "backoff [7] until 3000ms",
      "send [7] token t id t-4",
      "backoff [7] until 6200ms",
      "send [7] token t id t-5",
      "backoff [7] until 9400ms",  // capped: 3.2 s again
      "send [7] token t id t-6",
      "done",
  };
  EXPECT_EQ(play(plan, replies({retryable, retryable, retryable, retryable, retryable, retryable})), expected);
}

TEST(sink_insert_plan, jittered_backoff_stays_within_half_the_ceiling_to_the_ceiling) {
  std::mt19937_64 engine(7);
  backoff_policy jittered(200ms, 3200ms, uniform_jitter(engine));
  insert_plan plan({0}, "t", jittered, 0ms);
  auto a = plan.start(t0);
  auto now = t0;
  for (int attempt = 0; attempt < 8; ++attempt) {
    ASSERT_EQ(a.what, kind::send);
    a = plan.replied(retryable, now);
    ASSERT_EQ(a.what, kind::wait);
    auto cap = std::min<milliseconds>(200ms * (1 << attempt), 3200ms);
    EXPECT_GE(a.until - now, cap / 2) << attempt;
    EXPECT_LE(a.until - now, cap) << attempt;
    a = plan.waited(now = a.until, no_deadline);
  }
}

TEST(sink_insert_plan, permanent_on_four_rows_bisects_down_to_the_bad_row) {
  insert_plan plan({10, 11, 12, 13}, "t", backoff, 0ms);
  std::size_t inserted = 0;
  auto row_12_is_bad = [&](std::span<const std::size_t> rows) {
    if (std::find(rows.begin(), rows.end(), 12) != rows.end()) return bad_row;
    inserted += rows.size();
    return ok;
  };
  lines expected{
      "send [10 11 12 13] token t id t-0",
      "send [10 11] token tl id tl-0",
      "send [12 13] token tr id tr-0",
      "send [12] token trl id trl-0",
      "dead-letter 12: ClickHouse refused the row: Cannot parse input",
      "send [13] token trr id trr-0",
      "done",
  };
  EXPECT_EQ(play(plan, row_12_is_bad), expected);
  EXPECT_EQ(inserted, 3u) << "the other three rows are in";
}

TEST(sink_insert_plan, bisect_halves_an_odd_batch_left_smaller) {
  // A batch refused whole whose halves pass (e.g. too large for one request) loses nothing.
  insert_plan plan({0, 1, 2}, "t", backoff, 0ms);
  lines expected{
      "send [0 1 2] token t id t-0",
      "send [0] token tl id tl-0",
      "send [1 2] token tr id tr-0",
      "done",
  };
  EXPECT_EQ(play(plan, replies({bad_row})), expected);
}

TEST(sink_insert_plan, permanent_on_one_row_dead_letters_it) {
  insert_plan plan({4}, "t", backoff, 0ms);
  lines expected{
      "send [4] token t id t-0",
      "dead-letter 4: ClickHouse refused the row: Cannot parse input",
      "done",
  };
  EXPECT_EQ(play(plan, replies({bad_row})), expected);
}

TEST(sink_insert_plan, each_half_counts_its_own_attempts) {
  insert_plan plan({0, 1}, "t", backoff, 0ms);
  lines expected{
      "send [0 1] token t id t-0",
      "backoff [0 1] until 200ms — say will retry",
      "send [0 1] token t id t-1",
      "send [0] token tl id tl-0",
      "backoff [0] until 400ms — say will retry",
      "send [0] token tl id tl-1",
      "backoff [0] until 800ms",
      "send [0] token tl id tl-2",
      "send [1] token tr id tr-0",
      "done",
  };
  EXPECT_EQ(play(plan, replies({retryable, bad_row, retryable, retryable})), expected);
}

TEST(sink_insert_plan, fatal_waits_the_longest_backoff_and_says_so_every_time) {
  insert_plan plan({0, 1}, "t", backoff, 0ms);
  lines expected{
      "send [0 1] token t id t-0",
      "backoff [0 1] until 3200ms — say fatal",
      "send [0 1] token t id t-1",
      "backoff [0 1] until 6400ms — say fatal",
      "send [0 1] token t id t-2",
      "backoff [0 1] until 9600ms — say fatal",
      "send [0 1] token t id t-3",
      "done",
  };
  EXPECT_EQ(play(plan, replies({no_access, no_access, no_access})), expected);
}

TEST(sink_insert_plan, fixed_configuration_retries_from_where_the_attempts_are) {
  insert_plan plan({0}, "t", backoff, 0ms);
  lines expected{
      "send [0] token t id t-0",
      "backoff [0] until 3200ms — say fatal",
      "send [0] token t id t-1",
      "backoff [0] until 3600ms",  // attempt 1: 400 ms
      "send [0] token t id t-2",
      "done",
  };
  EXPECT_EQ(play(plan, replies({no_access, retryable})), expected);
}

TEST(sink_insert_plan, unknown_table_or_database_recreates_the_schema_then_retries) {
  for (const auto& gone : {no_table, no_database}) {
    insert_plan plan({0, 1}, "t", backoff, 0ms);
    lines expected{
        "send [0 1] token t id t-0",
        "recreate schema [0 1] — say will retry",
        "backoff [0 1] until 200ms",
        "send [0 1] token t id t-1",
        "recreate schema [0 1]",
        "backoff [0 1] until 600ms",
        "send [0 1] token t id t-2",
        "done",
    };
    EXPECT_EQ(play(plan, replies({gone, gone})), expected)
        << gone.code;
  }
}

TEST(sink_insert_plan, deadline_passed_mid_backoff_gives_up) {
  insert_plan plan({0, 1}, "t", backoff, 0ms);
  ASSERT_EQ(describe(plan.start(t0)), "send [0 1] token t id t-0");
  ASSERT_EQ(describe(plan.replied(retryable, t0)), "backoff [0 1] until 200ms — say will retry");
  // Stop requested with 50 ms to go; the wait wakes when they are up.
  EXPECT_EQ(describe(plan.waited(t0 + 51ms, t0 + 50ms)), "give up");
}

TEST(sink_insert_plan, a_backoff_ending_before_the_deadline_sends_again) {
  insert_plan plan({0}, "t", backoff, 0ms);
  plan.start(t0);
  plan.replied(retryable, t0);
  EXPECT_EQ(describe(plan.waited(t0 + 200ms, t0 + 200ms)), "send [0] token t id t-1")
      << "at the deadline is not past it";
  EXPECT_EQ(describe(plan.replied(retryable, t0 + 200ms)), "backoff [0] until 600ms");
  EXPECT_EQ(describe(plan.waited(t0 + 600ms, t0 + 599ms)), "give up") << "ran its course, but past the deadline";
}

TEST(sink_insert_plan, insert_delay_comes_before_every_send) {
  insert_plan plan({0, 1}, "t", backoff, 500ms);
  lines expected{
      "delay [0 1] until 500ms",
      "send [0 1] token t id t-0",
      "backoff [0 1] until 700ms — say will retry",
      "delay [0 1] until 1200ms",
      "send [0 1] token t id t-1",
      "delay [0] until 1700ms",
      "send [0] token tl id tl-0",
      "delay [1] until 2200ms",
      "send [1] token tr id tr-0",
      "done",
  };
  EXPECT_EQ(play(plan, replies({retryable, bad_row})), expected);
}

TEST(sink_insert_plan, insert_delay_cut_short_by_the_deadline_gives_up) {
  insert_plan plan({0}, "t", backoff, 500ms);
  ASSERT_EQ(describe(plan.start(t0)), "delay [0] until 500ms");
  EXPECT_EQ(describe(plan.waited(t0 + 300ms, t0 + 250ms)), "give up");
}

TEST(sink_insert_plan, insert_delay_that_ran_its_course_still_sends_at_the_deadline) {
  insert_plan plan({0}, "t", backoff, 500ms);
  plan.start(t0);
  EXPECT_EQ(describe(plan.waited(t0 + 500ms, t0 + 450ms)), "send [0] token t id t-0");
}

TEST(sink_insert_plan, a_dead_letter_then_the_next_part) {
  insert_plan plan({0, 1}, "t", backoff, 0ms);
  ASSERT_EQ(describe(plan.start(t0)), "send [0 1] token t id t-0");
  ASSERT_EQ(describe(plan.replied(bad_row, t0)), "send [0] token tl id tl-0");
  ASSERT_EQ(describe(plan.replied(bad_row, t0)), "dead-letter 0: ClickHouse refused the row: Cannot parse input");
  ASSERT_EQ(describe(plan.dead_lettered(t0)), "send [1] token tr id tr-0");
  ASSERT_EQ(describe(plan.replied(bad_row, t0)), "dead-letter 1: ClickHouse refused the row: Cannot parse input");
  EXPECT_EQ(describe(plan.dead_lettered(t0)), "done");
}

TEST(sink_insert_plan, no_rows_is_done_at_once) {
  insert_plan plan({}, "t", backoff, 0ms);
  EXPECT_EQ(describe(plan.start(t0)), "done");
}

}  // namespace
}  // namespace tracepipe::sink
