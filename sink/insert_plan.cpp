#include "sink/insert_plan.hpp"

#include <utility>

#include <fmt/format.h>

namespace tracepipe::sink {
namespace {

/// UNKNOWN_TABLE, UNKNOWN_DATABASE: the schema was dropped under us.
bool schema_gone(int code) { return code == 60 || code == 81; }

}  // namespace

insert_plan::insert_plan(std::vector<std::size_t> rows, std::string token, const backoff_policy& backoff,
                         std::chrono::milliseconds insert_delay)
    : rows_(std::move(rows)), backoff_(backoff), insert_delay_(insert_delay) {
  if (!rows_.empty()) todo_.push_back(part{0, rows_.size(), std::move(token)});
}

insert_action insert_plan::start(retry_clock::time_point now) {
  if (todo_.empty()) return {.what = insert_action::kind::done};
  return attempt(now);
}

insert_action insert_plan::replied(const insert_reply& reply, retry_clock::time_point now) {
  auto& p = todo_.back();
  if (reply.kind == failure::none) return next_part(now);
  if (reply.kind == failure::permanent) {
    if (p.end - p.begin == 1)
      return {.what = insert_action::kind::dead_letter,
              .row = rows_[p.begin],
              .reason = fmt::format("ClickHouse refused the row: {}", reply.message)};
    // Only the rows ClickHouse cannot take end up dead-lettered.
    bisect();
    return attempt(now);
  }
  fatal_ = reply.kind == failure::fatal;
  auto notice = fatal_ ? insert_notice::fatal : p.attempt == 0 ? insert_notice::will_retry : insert_notice::none;
  if (schema_gone(reply.code))
    return {.what = insert_action::kind::recreate_schema, .rows = rows_of(p), .notice = notice};
  auto action = backoff(now);
  action.notice = notice;
  return action;
}

insert_action insert_plan::waited(retry_clock::time_point now, retry_clock::time_point deadline) {
  if (waiting_for_ == insert_action::pause::insert_delay) {
    // A delay that ran its course is sent even at the deadline; one cut short is not.
    if (now < until_ && past_deadline(now, deadline)) return {.what = insert_action::kind::give_up};
    return send();
  }
  if (past_deadline(now, deadline)) return {.what = insert_action::kind::give_up};
  return attempt(now);
}

insert_action insert_plan::schema_recreated(retry_clock::time_point now) { return backoff(now); }

insert_action insert_plan::dead_lettered(retry_clock::time_point now) { return next_part(now); }

insert_action insert_plan::attempt(retry_clock::time_point now) {
  if (insert_delay_.count() <= 0) return send();
  waiting_for_ = insert_action::pause::insert_delay;
  until_ = now + insert_delay_;
  return {.what = insert_action::kind::wait, .rows = rows_of(todo_.back()), .until = until_,
          .why = insert_action::pause::insert_delay};
}

insert_action insert_plan::send() const {
  const auto& p = todo_.back();
  return {.what = insert_action::kind::send,
          .rows = rows_of(p),
          .token = p.token,
          .query_id = fmt::format("{}-{}", p.token, p.attempt)};
}

insert_action insert_plan::backoff(retry_clock::time_point now) {
  auto& p = todo_.back();
  // Fatal: nothing will change soon, so no point retrying fast; but keep
  // trying, so the rows go in as soon as an operator fixes the cause.
  auto wait = backoff_.wait(fatal_ ? backoff_policy::longest : p.attempt);
  ++p.attempt;
  waiting_for_ = insert_action::pause::backoff;
  until_ = now + wait;
  return {.what = insert_action::kind::wait, .rows = rows_of(p), .until = until_,
          .why = insert_action::pause::backoff};
}

insert_action insert_plan::next_part(retry_clock::time_point now) {
  todo_.pop_back();
  if (todo_.empty()) return {.what = insert_action::kind::done};
  return attempt(now);
}

void insert_plan::bisect() {
  auto whole = std::move(todo_.back());
  todo_.pop_back();
  auto middle = whole.begin + (whole.end - whole.begin) / 2;
  todo_.push_back(part{middle, whole.end, whole.token + "r"});
  todo_.push_back(part{whole.begin, middle, whole.token + "l"});
}

std::span<const std::size_t> insert_plan::rows_of(const part& p) const {
  return std::span<const std::size_t>(rows_).subspan(p.begin, p.end - p.begin);
}

}  // namespace tracepipe::sink
