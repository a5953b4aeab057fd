#include "read/clickhouse_reads.hpp"

#include <cstdlib>

#include <fmt/format.h>

#include "ingest/routes.hpp"
#include "read/run_json.hpp"
#include "read/run_queries.hpp"

namespace tracepipe::read {
namespace {

using ingest::read_reply;

constexpr int timeout_exceeded = 159;  // TIMEOUT_EXCEEDED: max_execution_time passed
constexpr int unknown_table = 60;      // UNKNOWN_TABLE: no worker has made the schema yet

read_reply error_reply(unsigned status, std::string error, std::string detail) {
  ingest::rejection r{status, std::move(error), std::move(detail)};
  return {status, ingest::rejection_body(r)};
}

/// One statement's body, or the reply that says why there is none.
std::variant<std::string, read_reply> ask(sink::clickhouse_client& ch, const std::string& sql,
                                          std::chrono::milliseconds timeout) {
  auto seconds = std::max<long long>(1, (timeout.count() + 999) / 1000);
  auto r = ch.query(sql, {{"max_execution_time", std::to_string(seconds)}});
  if (r.ok()) return std::move(r.body);
  if (r.code == unknown_table) return std::string();  // nothing written yet: no run, no project
  if (r.code == timeout_exceeded)
    return error_reply(504, "read_timeout", fmt::format("the query took longer than {} s (ingest.read_query_timeout)", seconds));
  if (r.http_status == 0)
    return error_reply(503, "clickhouse_unavailable", fmt::format("ClickHouse did not answer: {}", r.message));
  return error_reply(500, "clickhouse_error", r.message);
}

}  // namespace

clickhouse_reads::clickhouse_reads(const config::settings& s)
    : clickhouse_(s.clickhouse), table_{s.clickhouse.database, s.clickhouse.table},
      timeout_(s.ingest.read_query_timeout), indexed_(s.clickhouse.project_index),
      concurrency_(s.ingest.read_concurrency) {
  // A client's own timeout past the server's: the server cancels first and says so.
  clickhouse_.timeout = timeout_ + std::chrono::seconds(2);
}

clickhouse_reads::~clickhouse_reads() { stop(); }

void clickhouse_reads::stop() {
  std::deque<job> dropped;  // their callbacks (and the sessions they hold) go here, after the join
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
    dropped.swap(jobs_);
  }
  wake_.notify_all();
  for (auto& t : threads_)
    if (t.joinable()) t.join();
}

void clickhouse_reads::read(ingest::read_call call, std::function<void(read_reply)> done) {
  {
    std::lock_guard lock(mutex_);
    if (stopping_) return;
    jobs_.push_back({std::move(call), std::move(done)});
    // Threads (and their connections) start as reads need them: an ingest
    // that is only written to keeps none.
    if (jobs_.size() > idle_ && threads_.size() < concurrency_) threads_.emplace_back([this] { serve(); });
  }
  wake_.notify_one();
}

void clickhouse_reads::serve() {
  sink::clickhouse_client client(sink::client_settings(clickhouse_));
  for (;;) {
    job j;
    {
      std::unique_lock lock(mutex_);
      ++idle_;
      wake_.wait(lock, [this] { return stopping_ || !jobs_.empty(); });
      --idle_;
      if (stopping_) return;
      j = std::move(jobs_.front());
      jobs_.pop_front();
    }
    j.done(answer(client, j.call));
  }
}

read_reply clickhouse_reads::answer(sink::clickhouse_client& ch, const ingest::read_call& call) {
  if (const auto* lookup = std::get_if<ingest::session_lookup>(&call.what)) {
    if (!call.project_only.empty() && lookup->name != call.project_only) return {200, "[]"};
    auto body = ask(ch, session_sql(table_, call, lookup->name, indexed_), timeout_);
    if (auto* refused = std::get_if<read_reply>(&body)) return *refused;
    const auto& text = std::get<std::string>(body);
    auto count = std::strtoull(text.c_str(), nullptr, 10);
    auto tab = text.find('\t');
    std::optional<std::int64_t> first;
    if (count > 0 && tab != std::string::npos) first = std::strtoll(text.c_str() + tab + 1, nullptr, 10);
    return {200, sessions_json(call.tenant, lookup->name, first)};
  }
  if (const auto* lookup = std::get_if<ingest::run_lookup>(&call.what)) {
    auto body = ask(ch, run_lookup_sql(table_, call, lookup->id), timeout_);
    if (auto* refused = std::get_if<read_reply>(&body)) return *refused;
    auto runs = runs_of(std::get<std::string>(body));
    if (!runs) return error_reply(500, "clickhouse_error", "ClickHouse answered rows that are not runs");
    if (runs->empty()) return error_reply(404, "not_found", fmt::format("no run {} (yet)", lookup->id));
    return {200, runs->front()};
  }
  const auto& q = std::get<ingest::run_query>(call.what);
  std::vector<std::string> projects;
  if (!q.sessions.empty()) {
    // Session ids are hashes of names: the tenant's names, hashed, say which.
    auto body = ask(ch, projects_sql(table_, call, indexed_), timeout_);
    if (auto* refused = std::get_if<read_reply>(&body)) return *refused;
    const auto& text = std::get<std::string>(body);
    for (std::size_t at = 0; at < text.size();) {
      auto nl = std::min(text.find('\n', at), text.size());
      auto name = text.substr(at, nl - at);
      for (const auto& id : q.sessions)
        if (project_id(call.tenant, name) == id) projects.push_back(name);
      at = nl + 1;
    }
    if (projects.empty()) return {200, query_page_json({}, q.limit, q.offset)};
  }
  auto body = ask(ch, run_query_sql(table_, call, q, projects, indexed_), timeout_);
  if (auto* refused = std::get_if<read_reply>(&body)) return *refused;
  auto runs = runs_of(std::get<std::string>(body));
  if (!runs) return error_reply(500, "clickhouse_error", "ClickHouse answered rows that are not runs");
  return {200, query_page_json(std::move(*runs), q.limit, q.offset)};
}

}  // namespace tracepipe::read
