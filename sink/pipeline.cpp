#include "sink/pipeline.hpp"

#include <charconv>
#include <iostream>
#include <thread>

#include <fmt/format.h>

#include "config/failpoint.hpp"
#include "queue/entry_fields.hpp"
#include "queue/wall_clock.hpp"
#include "sink/detail/consumer_for.hpp"
#include "sink/detail/reap_consumers.hpp"

namespace tracepipe::sink {
namespace {

/// How often a pipeline pings a replica that gave no answer, and how long
/// the ping may take: a frozen server costs the pipeline one second, not an
/// insert timeout, per interval.
constexpr std::chrono::milliseconds replica_probe_interval{1000};
constexpr std::chrono::milliseconds replica_ping_timeout{1000};

/// When ingest received the entry's run: its received_at_us field, else the
/// stream id's time (when Redis accepted it).
std::uint64_t received_at_us(const queue::stream_message& m) {
  auto text = m.field(queue::entry_field::received_at_us);
  std::uint64_t us = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), us);
  if (ec == std::errc{} && end == text.data() + text.size() && us > 0) return us;
  return m.enqueued_at_ms() * 1000;
}

/// The entry for a person: "run <id>", "Langfuse event <id>", "stored entry <object>[<index>]".
std::string what_entry(const queue::stream_message& m) {
  namespace field = queue::entry_field;
  if (auto kind = m.field(field::kind); kind == field::stored_kind)
    return fmt::format("stored entry {}[{}]", m.field(field::object), m.field(field::index));
  else if (kind == field::langfuse_kind)
    return fmt::format("Langfuse event {}", m.field(field::event_id));
  return fmt::format("run {}", m.field(field::run_id));
}

blob_mode mode_of(const std::string& text) {
  return text == "always" ? blob_mode::always : text == "never" ? blob_mode::never : blob_mode::automatic;
}

body_compression compression_for(const std::string& choice, const clickhouse_version& v) {
  if (choice == "none") return body_compression::none;
  if (choice == "gzip") return body_compression::gzip;
  if (choice == "zstd") return body_compression::zstd;
  return v.has_zstd_request_bodies() ? body_compression::zstd : body_compression::gzip;
}

}  // namespace

pipeline::pipeline(const pipeline_context& ctx, std::string consumer_name, std::size_t index)
    : ctx_(ctx),
      name_(consumer_name),
      samples_pending_(index == 0),
      consumer_(detail::consumer_for(ctx, consumer_name)),
      router_(ctx.settings.clickhouse.urls.size(), index, replica_probe_interval),
      s3_(s3::client_settings{ctx.settings.s3.endpoint, ctx.settings.s3.bucket, ctx.settings.s3.region,
                            ctx.settings.s3.access_key, ctx.settings.s3.secret_key, ctx.settings.s3.concurrency,
                            ctx.settings.s3.timeout, ctx.settings.s3.ca_file}),
      rows_(row_options{mode_of(ctx.settings.worker.blob_mode), ctx.settings.worker.blob_threshold,
                        ctx.settings.s3.bucket}),
      batch_(batch_limits{ctx.settings.worker.batch_rows, ctx.settings.worker.batch_bytes,
                          ctx.settings.worker.batch_age}),
      compression_(compression_for(ctx.settings.clickhouse.compression, ctx.version)),
      random_(std::random_device{}()),
      backoff_(ctx.settings.worker.retry_initial, ctx.settings.worker.retry_max, uniform_jitter(random_)),
      next_reclaim_(clock::now()) {
  for (std::size_t r = 0; r < ctx.settings.clickhouse.urls.size(); ++r)
    replicas_.push_back(std::make_unique<clickhouse_client>(client_settings(ctx.settings.clickhouse, r)));
}

pipeline::clock::time_point pipeline::deadline() const {
  if (!stopping()) return clock::time_point::max();
  return clock::time_point(clock::duration(ctx_.stop_deadline->load()));
}

void pipeline::keep_held() {
  if (held_.empty() || clock::now() - touched_at_ < ctx_.settings.worker.reclaim_idle / 3) return;
  if (!consumer_->touch(held_)) touched_at_ = clock::now();
}

bool pipeline::backoff(retry_loop& retry, retry_cause cause) {
  keep_held();
  ctx_.metrics->retries[static_cast<int>(cause)]++;
  return !sink::past_deadline(sleep_until(retry.failed(clock::now()), false), deadline());
}

pipeline::clock::time_point pipeline::sleep_until(clock::time_point until, bool keep_held_meanwhile) {
  auto now = clock::now();
  // Slices, not one sleep: a stop request ends the wait within 50 ms.
  for (; now < until; now = clock::now()) {
    if (sink::past_deadline(now, deadline())) break;
    if (keep_held_meanwhile) keep_held();
    std::this_thread::sleep_for(std::min<clock::duration>(until - now, std::chrono::milliseconds(50)));
  }
  return now;
}

void pipeline::take(std::vector<queue::stream_message>& messages) {
  auto dequeued = queue::wall_clock_us();
  auto now = clock::now();
  for (auto& m : messages) {
    auto bytes = rows_.row_bytes(m);
    auto received = received_at_us(m);
    // The batch age counts from when ingest received the run, not from now:
    // the lag bound (≈ 2 × batch age) then holds while pipelines are busy
    // and entries wait in the stream before they are read.
    auto waited = std::chrono::microseconds(dequeued > received ? dequeued - received : 0);
    batch_.push(item{std::move(m), dequeued, received}, bytes, now - waited);
  }
  messages.clear();
}

void pipeline::run() {
  // Make sure the group exists; Redis may not be up yet.
  for (retry_loop retry(backoff_); consumer_->ensure_group();) {
    if (retry.failures() == 0)
      std::cerr << fmt::format("tracepipe worker {}: waiting for Redis: {}\n", name_, consumer_->last_error());
    if (!backoff(retry, retry_cause::redis) || stopping()) return;
  }
  // First what this consumer was handed before a restart and never acked.
  std::vector<queue::stream_message> read;
  while (!stopping()) {
    if (consumer_->read_own_pending(std::max<std::size_t>(batch_.room(), 1), read)) break;
    if (read.empty()) break;
    take(read);
    if (batch_.due(clock::now()) && flush() == outcome::gave_up) return;
  }
  retry_loop redis_retry(backoff_);
  while (!stopping()) {
    if (clock::now() >= next_reclaim_) reclaim();
    auto block = std::min(batch_.until_due(clock::now()), std::chrono::milliseconds(1000));
    if (batch_.room() > 0 && block.count() > 0) {
      if (auto ec = consumer_->read_new(batch_.room(), block, read)) {
        // The stream (and its group) was deleted under us: make them again.
        if (consumer_->last_error().rfind("NOGROUP", 0) == 0 && !consumer_->ensure_group()) continue;
        if (redis_retry.failures() == 0)  // once per outage
          std::cerr << fmt::format("tracepipe worker {}: Redis read failed ({}: {}); retrying\n", name_, ec.message(),
                                   consumer_->last_error());
        if (!backoff(redis_retry, retry_cause::redis)) break;
        continue;
      }
      redis_retry.succeeded();
      take(read);
    }
    if (batch_.due(clock::now()) && flush() == outcome::gave_up) return;
  }
  // Stopping: insert and ack what is held, within the deadline; then leave
  // the group if nothing is left pending to this consumer.
  if (!batch_.empty()) flush();
  detail::leave_group(*consumer_, name_);
}

void pipeline::reclaim() {
  next_reclaim_ = clock::now() + ctx_.settings.worker.reclaim_interval;
  std::vector<queue::stream_message> claimed, poisoned;
  if (consumer_->claim_stale(ctx_.settings.worker.reclaim_idle, 1000,
                            static_cast<std::uint64_t>(ctx_.settings.worker.max_deliveries), claimed, poisoned))
    return;  // the read loop reports Redis trouble
  ctx_.metrics->reclaimed += claimed.size() + poisoned.size();
  for (const auto& m : poisoned)
    dead_letter(m, fmt::format("delivered {} times without being inserted (worker.max_deliveries {})", m.deliveries,
                               ctx_.settings.worker.max_deliveries));
  take(claimed);
  if (samples_pending_) {
    std::uint64_t pending = 0;
    if (!consumer_->pending_count(pending)) ctx_.metrics->pending = pending;
  }
  auto expiry = ctx_.settings.worker.consumer_expiry;
  if (expiry.count() > 0) consumer_->heartbeat(expiry);  // a failure: the read loop reports Redis trouble
  if (samples_pending_ && expiry.count() > 0 && clock::now() >= next_reap_) {
    next_reap_ = clock::now() + std::min<clock::duration>(expiry / 2, std::chrono::minutes(1));
    ctx_.metrics->consumers_removed += detail::reap_consumers(*consumer_, expiry, ctx_.consumers, name_);
  }
}

pipeline::outcome pipeline::dead_letter(const queue::stream_message& m, const std::string& reason) {
  for (retry_loop retry(backoff_);;) {
    if (!consumer_->dead_letter(m, reason, ctx_.settings.worker.dead_letter_stream)) {
      ctx_.metrics->dead_lettered++;
      std::cerr << fmt::format("tracepipe worker {}: entry {} ({}) sent to {}: {}\n", name_, m.id, what_entry(m),
                               consumer_->dead_letter_key(ctx_.settings.worker.dead_letter_stream, m), reason);
      return outcome::done;
    }
    if (!backoff(retry, retry_cause::redis)) return outcome::gave_up;
  }
}

pipeline::outcome pipeline::ack(const std::vector<const queue::stream_message*>& done) {
  for (retry_loop retry(backoff_);;) {
    if (!consumer_->ack(done)) return outcome::done;
    // Not acked is safe: the entries are re-delivered and their rows collapse.
    if (!backoff(retry, retry_cause::redis)) return outcome::gave_up;
  }
}

void pipeline::render(std::span<const std::size_t> rows, const std::vector<built_row>& built) {
  std::size_t size = 0;
  for (auto i : rows) size += built[i].rendered_size();
  // One buffer for the pipeline's life: a fresh multi-MB string per batch
  // costs more in reallocation and page faults than the rendering itself.
  body_.clear();
  body_.reserve(size);
  auto sent_at = queue::wall_clock_us();
  for (auto i : rows) built[i].render(body_, sent_at);
}

pipeline::outcome pipeline::insert(const std::vector<std::size_t>& rows, const std::vector<built_row>& built,
                                   const std::vector<item>& items, const std::string& token,
                                   const std::string& table) {
  insert_plan plan(rows, token, backoff_, ctx_.settings.worker.insert_delay);
  query_settings settings;
  std::string settings_token;  // the part of the batch `settings` were made for
  std::string rendered_token;  // the part of the batch `body_` holds
  clickhouse_result result;
  for (auto action = plan.start(clock::now());;) {
    report(action, result);
    switch (action.what) {
      case insert_action::kind::send:
        if (action.token != settings_token) settings = insert_settings_for(settings_token = action.token);
        // A retry re-sends the same bytes, sent_at_us included: a server that
        // recognises a re-sent block by its data's hash (18.16 Replicated)
        // stores it once.
        if (action.token != rendered_token) {
          render(action.rows, built);
          rendered_token = action.token;
        }
        result = send(action, settings, table);
        action = plan.replied({result.kind, result.code, result.message}, clock::now());
        break;
      case insert_action::kind::wait:
        if (action.why == insert_action::pause::backoff) {
          keep_held();
          ctx_.metrics->retries[static_cast<int>(retry_cause::clickhouse)]++;
        }
        action = plan.waited(sleep_until(action.until, action.why == insert_action::pause::insert_delay), deadline());
        break;
      case insert_action::kind::recreate_schema:
        recreate_schema();
        action = plan.schema_recreated(clock::now());
        break;
      case insert_action::kind::dead_letter:
        if (dead_letter(items[action.row].message, action.reason) == outcome::gave_up) return outcome::gave_up;
        action = plan.dead_lettered(clock::now());
        break;
      case insert_action::kind::give_up: return outcome::gave_up;
      case insert_action::kind::done: return outcome::done;
    }
  }
}

query_settings pipeline::insert_settings_for(const std::string& token) {
  // Drawn once per part, like its token: only a share of inserts waits for the async-insert queue.
  std::uniform_real_distribution<double> coin(0, 1);
  const auto& ch = ctx_.settings.clickhouse;
  bool wait = ch.wait_for_async_insert && coin(random_) < ch.async_insert_wait_pct;
  return insert_settings(ctx_.version,
                         {ch.async_insert, wait, ch.async_insert_busy_timeout_ms, ch.async_insert_max_data_size,
                          ch.insert_quorum},
                         token);
}

clickhouse_result pipeline::send(const insert_action& action, const query_settings& settings,
                                 const std::string& table) {
  keep_held();
  auto replica = pick_replica();
  auto result = replicas_[replica]->insert(table, body_, action.query_id, compression_, settings);
  note_reply(replica, result);
  if (result.ok()) {
    ctx_.metrics->insert_latency_us.observe(static_cast<std::uint64_t>(result.latency.count()));
    ctx_.metrics->batch_rows.observe(action.rows.size());
    ctx_.metrics->batch_bytes.observe(body_.size());
    ctx_.metrics->rows_inserted += action.rows.size();
    ctx_.metrics->batches_inserted++;
  }
  return result;
}

void pipeline::report(const insert_action& action, const clickhouse_result& result) const {
  if (action.notice == insert_notice::fatal)
    // Configuration, credentials or our own statement: the rows are fine and
    // stay pending; an operator has to act.
    std::cerr << fmt::format("tracepipe worker {}: ClickHouse refuses every insert (code {}): {} — fix the "
                             "configuration; {} rows stay pending\n",
                             name_, result.code, result.message, action.rows.size());
  else if (action.notice == insert_notice::will_retry)
    std::cerr << fmt::format("tracepipe worker {}: insert of {} rows failed, will retry: {}\n", name_,
                             action.rows.size(), result.message);
}

void pipeline::recreate_schema() {
  auto replica = pick_replica();
  for (const auto& statement :
       schema_ddl(ctx_.names, ctx_.version, ctx_.limits, ctx_.settings.clickhouse.project_index))
    note_reply(replica, replicas_[replica]->query(statement));
}

std::size_t pipeline::pick_replica() {
  for (auto r : router_.due_probes(clock::now())) {
    bool back = replicas_[r]->ping(replica_ping_timeout);
    router_.probed(r, back, clock::now());
    if (back)
      std::cerr << fmt::format("tracepipe worker {}: ClickHouse at {} answers again\n", name_,
                               replicas_[r]->settings().url);
  }
  return router_.pick();
}

void pipeline::note_reply(std::size_t replica, const clickhouse_result& result) {
  if (result.http_status != 0) {
    router_.answered(replica);
    return;
  }
  // With one server there is nothing to route around; its outage is the retry loop's.
  if (router_.in(replica) && router_.size() > 1)
    std::cerr << fmt::format("tracepipe worker {}: ClickHouse at {} does not answer ({}); sending to the other "
                             "replicas and pinging it every {} ms\n",
                             name_, replicas_[replica]->settings().url, result.message, replica_probe_interval.count());
  router_.unanswered(replica, clock::now());
}

pipeline::outcome pipeline::flush() {
  auto started = clock::now();
  auto items = batch_.take();
  held_.clear();
  for (const auto& i : items) held_.push_back(&i.message);
  touched_at_ = clock::now();
  struct release {
    std::vector<const queue::stream_message*>& held;
    ~release() { held.clear(); }
  } release_held{held_};
  // Rows are reused from batch to batch (their strings keep their capacity).
  if (built_.size() < items.size()) built_.resize(items.size());
  auto& built = built_;
  std::vector<std::size_t> good;
  std::vector<const blob*> blobs;
  if (fetch_stored(items) == outcome::gave_up) return outcome::gave_up;
  for (std::size_t i = 0; i < items.size(); ++i) {
    if (!unreadable_[i].empty()) {
      if (dead_letter(items[i].message, unreadable_[i]) == outcome::gave_up) return outcome::gave_up;
      continue;
    }
    const auto& entry = stand_ins_[i] ? *stand_ins_[i] : items[i].message;
    if (auto problem = rows_.build(entry, items[i].dequeued_at_us, built[i])) {
      // A stored entry goes there whole, not as a reference to an object that may expire.
      if (dead_letter(entry, *problem) == outcome::gave_up) return outcome::gave_up;
      continue;
    }
    good.push_back(i);
    for (const auto& b : built[i].blobs) blobs.push_back(&b);
  }
  if (good.empty()) return outcome::done;
  // Objects first: a row must never reference a blob that is not there.
  if (put_blobs(blobs) == outcome::gave_up) return outcome::gave_up;
  config::failpoint("worker.before_insert");
  // One INSERT per table the batch has rows for: the runs table, Langfuse's.
  for (const auto& [table, rows] : rows_by_table(ctx_.names, built, good)) {
    // The same entries make the same token, so a re-sent batch dedups where the server can.
    auto token = fmt::format("{}-{}-{}", items[rows.front()].message.id, items[rows.back()].message.id, rows.size());
    if (insert(rows, built, items, token, table) == outcome::gave_up) return outcome::gave_up;
  }
  // Inserted, not yet acknowledged: the entries are re-delivered and their rows collapse.
  config::failpoint("worker.before_ack");
  std::vector<const queue::stream_message*> done;
  for (auto i : good) done.push_back(&items[i].message);
  if (ack(done) == outcome::gave_up) return outcome::gave_up;
  auto acked = queue::wall_clock_us();
  for (auto i : good) {
    auto received = items[i].received_at_us;
    if (received && acked > received) ctx_.metrics->ack_lag_us.observe(acked - received);
  }
  // The next batch starts its flush that much before its age limit.
  batch_.flushed_in(std::chrono::ceil<std::chrono::milliseconds>(clock::now() - started));
  return outcome::done;
}

}  // namespace tracepipe::sink
