#include "observe/observer.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <stdexcept>

#include <fmt/format.h>

#include "observe/server_figures.hpp"
#include "observe/stack_queries.hpp"

#include "loadgen/run_ids.hpp"

namespace tracepipe::observe {

using loadgen::bytes_per_mib;
using loadgen::component_figures;

namespace {

/// "123\n" or "nan\n" → the number; nullopt when not a finite number.
std::optional<double> parse_number(std::string_view s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r')) s.remove_suffix(1);
  double v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size() || !std::isfinite(v)) return std::nullopt;
  return v;
}

/// A replica's answers are awaited this long at most: the observer samples once a second.
constexpr std::chrono::milliseconds replica_timeout{1000};
/// The same for the per-second figures read from ClickHouse, each query and
/// all of a second's together: a starved server (a CPU quota, a merge
/// storm) leaves its cells of that second empty — a query that times out
/// counts as an observer error — instead of stalling the Redis and /metrics
/// readings of the seconds after it.
constexpr std::chrono::milliseconds figures_timeout{900};

sink::clickhouse_settings with_timeout(sink::clickhouse_settings s, std::chrono::milliseconds most) {
  s.timeout = std::min(s.timeout, most);
  return s;
}

/// Seconds since the epoch, not a delay: what 18.16 reports as absolute_delay
/// for a replica whose queue never updated (replication not started yet).
constexpr double epoch_like_delay = 1e8;

std::uint64_t micros(std::chrono::steady_clock::duration d) {
  return static_cast<std::uint64_t>(std::max<std::int64_t>(0, std::chrono::duration_cast<std::chrono::microseconds>(d).count()));
}

/// The lines of a probe_query answer: the ids found.
std::vector<std::string_view> lines_of(std::string_view body) {
  std::vector<std::string_view> out;
  while (!body.empty()) {
    auto nl = body.find('\n');
    out.push_back(body.substr(0, nl));
    body = nl == std::string_view::npos ? std::string_view{} : body.substr(nl + 1);
  }
  return out;
}

}  // namespace

observer::observer(observer_options options)
    : o_(std::move(options)),
      ch_(o_.target.clickhouse),
      figures_ch_(with_timeout(o_.target.clickhouse, figures_timeout)),
      sampler_(o_.probes_per_second) {
  sink::clickhouse_result why;
  if (!ch_.probe_version(&why))
    throw std::runtime_error(fmt::format("ClickHouse at {} (to observe the write path): {}", o_.target.clickhouse.url,
                                         why.message));
  if (!o_.target.redis_url.empty())
    redis_.emplace(o_.target.redis_url, o_.target.redis_cluster, o_.target.stream_prefix, o_.target.shards,
                   o_.target.consumer_group, std::chrono::milliseconds(2000));
  if (!o_.metrics_urls.empty()) scraper_.emplace(o_.metrics_urls);
  for (const auto& settings : o_.target.replicas)
    replicas_.push_back(std::make_unique<sink::clickhouse_client>(with_timeout(settings, replica_timeout)));
  for (const auto& settings : o_.target.replicas)
    replica_probes_.push_back(std::make_unique<sink::clickhouse_client>(with_timeout(settings, replica_timeout)));
}

observer::~observer() { end(); }

void observer::begin(clock::time_point start) {
  start_ = start;
  sampler_.begin(start);
  sample_thread_ = std::thread([this] { sample_loop(); });
  probe_thread_ = std::thread([this] { probe_loop(); });
}

void observer::end() {
  {
    std::lock_guard lock(mu_);
    if (stopping_) return;
    stopping_ = true;
  }
  wake_.notify_all();
  for (auto* t : {&sample_thread_, &probe_thread_})
    if (t->joinable()) t->join();
  std::lock_guard lock(mu_);
  for (const auto* list : {&polling_, &inbox_})
    for (const auto& w : *list) {
      not_visible_ += w.visible ? 0 : 1;
      not_on_all_ += replicas_.empty() ? 0 : 1;
    }
  polling_.clear();
  inbox_.clear();
}

bool observer::wants_probe(clock::time_point now) { return sampler_.take(now); }

void observer::probe(std::string run_id, clock::time_point sent_at) {
  std::lock_guard lock(mu_);
  if (stopping_) return;
  waiting w{std::move(run_id), sent_at};
  if (!replicas_.empty()) {
    w.replica = pick_() % replicas_.size();
    w.on.assign(replicas_.size(), false);
  }
  inbox_.push_back(std::move(w));
  ++probes_sent_;
}

std::optional<std::uint64_t> observer::queue_depth() const {
  auto d = depth_.load();
  return d < 0 ? std::nullopt : std::optional<std::uint64_t>(static_cast<std::uint64_t>(d));
}

std::optional<double> observer::lag_p99_ms() const {
  auto l = lag_p99_.load();
  return l < 0 ? std::nullopt : std::optional<double>(l);
}

std::uint64_t observer::second_of(clock::time_point t) const {
  auto since = std::chrono::duration_cast<std::chrono::milliseconds>(t - start_).count();
  return since < 0 ? 1 : static_cast<std::uint64_t>(since / 1000) + 1;
}

// Sampling and probing run on threads of their own: a probe poll that a
// starved ClickHouse holds for seconds must not leave seconds unsampled.
void observer::sample_loop() {
  std::uint64_t next_second = 1;
  std::unique_lock lock(mu_);
  while (!stopping_) {
    wake_.wait_until(lock, start_ + std::chrono::seconds(next_second), [&] { return stopping_; });
    if (stopping_) break;
    lock.unlock();
    sample(next_second);
    // After a slow sample, skip the seconds it overran rather than bunch up.
    next_second = std::max(next_second + 1, second_of(clock::now()));
    lock.lock();
  }
}

void observer::probe_loop() {
  std::unique_lock lock(mu_);
  while (!stopping_) {
    wake_.wait_for(lock, o_.probe_interval, [&] { return stopping_; });
    if (stopping_) break;
    for (auto& w : inbox_) polling_.push_back(std::move(w));
    inbox_.clear();
    lock.unlock();
    poll_probes();
    lock.lock();
  }
}

void observer::failed(std::string what) {
  std::lock_guard lock(errors_mu_);
  ++errors_;
  last_error_ = std::move(what);
}

std::optional<std::uint64_t> observer::one_number(const std::string& sql) {
  auto r = figures_ch_.query(sql);
  if (!r.ok()) {
    failed(r.message);
    return std::nullopt;
  }
  auto v = parse_number(r.body);
  if (!v) return std::uint64_t{0};  // max() of nothing
  return static_cast<std::uint64_t>(*v);
}

void observer::sample(std::uint64_t second) {
  component_sample s;
  s.second = second;
  if (redis_) {
    if (auto r = redis_->read()) {
      s.queue_depth = r->queue_depth;
      s.components.redis_memory_mib = r->memory_mib;
      s.components.redis_ops_per_s = r->ops_per_s;
      s.components.redis_pending = r->pending;
      s.components.redis_group_lag = r->group_lag;
      for (std::size_t m = 0; m < r->masters.size() && m < std::size(loadgen::redis_master_memory_columns); ++m) {
        const auto& master = r->masters[m];
        s.components.*loadgen::redis_master_memory_columns[m] = master.memory_mib;
        s.components.*loadgen::redis_master_ops_columns[m] = master.ops_per_s;
        // Known once the group exists on every shard stream, as the totals.
        if (r->pending) s.components.*loadgen::redis_master_pending_columns[m] = master.pending;
        if (r->group_lag) s.components.*loadgen::redis_master_lag_columns[m] = master.group_lag;
      }
    } else {
      failed(redis_->error());
    }
    depth_.store(s.queue_depth ? static_cast<std::int64_t>(*s.queue_depth) : -1);
  }
  if (scraper_ && !scraper_->sample(s.components)) failed(scraper_->error());
  sample_replicas(s.components);
  auto until = clock::now() + figures_timeout;
  auto in_time = [&] { return clock::now() < until; };
  if (sample_clickhouse(s.components) && in_time()) s.clickhouse_parts = one_number(max_parts_query(o_.target.table));
  if (s.clickhouse_parts && in_time()) {
    auto r = figures_ch_.query(recent_lag_query(o_.target.table, o_.target.project, 2));
    if (!r.ok()) {
      failed(r.message);
    } else if (auto tab = r.body.find('\t'); tab != std::string::npos) {
      auto rows = parse_number(std::string_view(r.body).substr(0, tab));
      if (rows && *rows > 0) s.recent_lag_p99_ms = parse_number(std::string_view(r.body).substr(tab + 1));
    }
  }
  lag_p99_.store(s.recent_lag_p99_ms.value_or(-1));
  samples_.push_back(s);
}

bool observer::sample_clickhouse(component_figures& f) {
  std::string error;
  auto now_read = read_server_activity(figures_ch_, &error);
  if (!now_read) {
    failed(error);
    return false;
  }
  const auto& a = *now_read;
  f.clickhouse_merges = a.merges_running;
  f.clickhouse_queries = std::max(0.0, a.queries_running - 1);  // not this one
  // Counters → per second since the previous sample (none for the first one,
  // nor after a restart of the server reset them).
  auto now = clock::now();
  if (previous_) {
    auto secs = std::chrono::duration<double>(now - previous_at_).count();
    auto rate = [&](double server_activity::*counter) -> std::optional<double> {
      if (secs <= 0 || a.*counter < (*previous_).*counter) return std::nullopt;
      return (a.*counter - (*previous_).*counter) / secs;
    };
    f.clickhouse_inserted_rows = rate(&server_activity::inserted_rows);
    if (auto bytes = rate(&server_activity::inserted_bytes)) f.clickhouse_inserted_mib = *bytes / bytes_per_mib;
    f.clickhouse_merged_rows = rate(&server_activity::merged_rows);
    f.clickhouse_delayed_inserts = rate(&server_activity::delayed_inserts);
    f.clickhouse_rejected_inserts = rate(&server_activity::rejected_inserts);
  }
  previous_ = a;
  previous_at_ = now;
  return true;
}

void observer::poll_probes() {
  if (polling_.empty()) return;
  if (!replicas_.empty()) return poll_replicas();
  std::vector<std::string> ids;
  for (const auto& w : polling_) ids.push_back(w.id);
  auto r = ch_.query(probe_query(o_.target.probed(), ids));
  auto now = clock::now();
  if (!r.ok()) return failed(r.message);
  auto seen = lines_of(r.body);
  std::erase_if(polling_, [&](const waiting& w) {
    if (std::find(seen.begin(), seen.end(), w.id) == seen.end()) return false;
    found_.push_back({second_of(w.sent_at), micros(now - w.sent_at)});
    return true;
  });
}

void observer::poll_replicas() {
  for (std::size_t r = 0; r < replicas_.size(); ++r) {
    std::vector<std::string> ids;
    for (const auto& w : polling_)
      if (!w.on[r]) ids.push_back(w.id);
    if (ids.empty()) continue;
    // A replica that does not answer just has not shown them yet.
    auto answer = replica_probes_[r]->query(probe_query(o_.target.probed(), ids));
    auto now = clock::now();
    if (!answer.ok()) continue;
    auto seen = lines_of(answer.body);
    for (auto& w : polling_) {
      if (w.on[r] || std::find(seen.begin(), seen.end(), w.id) == seen.end()) continue;
      w.on[r] = true;
      if (w.first_seen == clock::time_point{}) w.first_seen = now;
      if (r == w.replica) {
        w.visible = true;
        found_.push_back({second_of(w.sent_at), micros(now - w.sent_at)});
      }
    }
  }
  auto now = clock::now();
  std::erase_if(polling_, [&](const waiting& w) {
    if (std::find(w.on.begin(), w.on.end(), false) != w.on.end()) return false;
    on_all_.push_back({second_of(w.sent_at), micros(now - w.sent_at), micros(now - w.first_seen)});
    return true;
  });
}

void observer::sample_replicas(component_figures& f) {
  if (replicas_.empty()) return;
  double unanswered = 0, readonly = 0, inserts_queued = 0;
  std::optional<bool> zookeeper;
  for (std::size_t r = 0; r < replicas_.size(); ++r) {
    std::string error;
    // Not an observer error: a replica down is what is being measured.
    auto st = read_replica_state(*replicas_[r], o_.target.table, &error);
    if (!st) {
      ++unanswered;
      continue;
    }
    if (r < std::size(loadgen::replica_delay_columns) && st->tables > 0) {
      if (st->absolute_delay < epoch_like_delay) f.*loadgen::replica_delay_columns[r] = st->absolute_delay;
      f.*loadgen::replica_queue_columns[r] = st->queue_size;
    }
    inserts_queued += st->inserts_in_queue;
    readonly += st->is_readonly > 0 || st->is_session_expired > 0 ? 1 : 0;
    if (!zookeeper || !*zookeeper) zookeeper = replicas_[r]->query(zookeeper_query()).ok();
  }
  f.replicas_unanswered = unanswered;
  if (!zookeeper) return;  // no replica answered: nothing known of the rest
  f.replica_inserts_queued = inserts_queued;
  f.replicas_readonly = readonly;
  f.zookeeper_up = *zookeeper ? 1 : 0;
}

}  // namespace tracepipe::observe
