#include "sink/worker.hpp"

#include <unistd.h>

#include <algorithm>
#include <iostream>
#include <stdexcept>
#include <thread>

#include <fmt/format.h>

#include "config/loader.hpp"
#include "queue/shard.hpp"
#include "queue/topology_check.hpp"
#include "sink/clickhouse_client.hpp"
#include "sink/cluster_check.hpp"
#include "sink/schema.hpp"

namespace tracepipe::sink {

std::string default_consumer_name() {
  char host[256] = {};
  gethostname(host, sizeof host - 1);
  return fmt::format("{}-{}", host, getpid());
}

worker::worker(const config::settings& settings) {
  context_.settings = settings;
  for (int i = 0; i < settings.redis.shards; ++i)
    context_.streams.push_back(queue::stream_key(settings.redis.stream, static_cast<std::size_t>(i)));
  context_.names = {settings.clickhouse.database, settings.clickhouse.table, settings.clickhouse.cluster,
                    settings.clickhouse.langfuse_table_prefix};
  context_.limits = {settings.clickhouse.parts_to_delay_insert, settings.clickhouse.parts_to_throw_insert};
  if (context_.limits.parts_to_throw_insert > 0 &&
      context_.limits.parts_to_delay_insert >= context_.limits.parts_to_throw_insert)
    throw config::error(fmt::format("clickhouse.parts_to_delay_insert ({}) must be below clickhouse.parts_to_throw_insert "
                                    "({}): inserts are slowed down before they are refused",
                                    context_.limits.parts_to_delay_insert, context_.limits.parts_to_throw_insert));
  context_.metrics = &metrics_;
  context_.stopping = &stopping_;
  context_.stop_deadline = &stop_deadline_;
}

worker::~worker() { stop(); }

void worker::prepare_clickhouse() {
  const auto& ch = context_.settings.clickhouse;
  std::vector<std::unique_ptr<clickhouse_client>> servers;
  for (std::size_t r = 0; r < ch.urls.size(); ++r)
    servers.push_back(std::make_unique<clickhouse_client>(client_settings(ch, r)));
  // Any server that answers will do: a replica down at start is the
  // pipelines' to route around, not a reason not to start.
  clickhouse_client* first = nullptr;
  for (int attempt = 0; !stopping_ && !first; ++attempt) {
    clickhouse_result why;
    for (auto& server : servers)
      if (auto v = server->probe_version(&why)) {
        context_.version = *v;
        first = server.get();
        break;
      }
    if (first) break;
    if (attempt == 0)
      std::cerr << fmt::format("tracepipe worker: waiting for ClickHouse at {}: {}\n", urls_text(ch), why.message);
    std::this_thread::sleep_for(std::chrono::milliseconds(std::min(200 << std::min(attempt, 5), 5000)));
  }
  if (stopping_) return;
  if (ch.async_insert && !context_.version.has_async_insert())
    std::cerr << fmt::format(
        "tracepipe worker: ClickHouse {} has no async inserts (they arrived in 21.11), so client-side batching "
        "alone is in use.\n",
        context_.version.text);
  bool create = true;
  if (!ch.cluster.empty() || servers.size() > 1 || ch.insert_quorum > 1) create = check_cluster(servers);
  if (create) create_schema(*first);
  check_limits(*first);
}

void worker::check_limits(clickhouse_client& server) {
  if (context_.limits.parts_to_delay_insert == 0 && context_.limits.parts_to_throw_insert == 0) return;
  auto r = server.query(engine_full_query(context_.names));
  if (r.kind != failure::none)
    throw std::runtime_error(fmt::format("cannot read the settings of {}: {}", context_.names.qualified(), r.message));
  auto engine = r.body.substr(0, r.body.find('\n'));
  if (auto mismatch = limits_mismatch(context_.names, engine, context_.limits)) throw config::error(*mismatch);
}

void worker::create_schema(clickhouse_client& first) {
  // A runs table made before the project index: the index's view sees new
  // inserts only, so the runs already there are copied once.
  bool index = context_.settings.clickhouse.project_index, backfill = false;
  if (index) {
    auto r = first.query(existing_tables_query(context_.names));
    auto existing = parse_existing_tables(r.body, context_.names);
    backfill = r.ok() && !existing.runs_engine.empty() && !existing.project_index;
  }
  auto ddl = schema_ddl(context_.names, context_.version, context_.limits, index);
  for (std::size_t i = 0; i < ddl.size(); ++i) {
    auto r = first.query(ddl[i]);
    if (r.kind == failure::none) continue;
    // The merged view is for readers; the write path does not need it.
    if (i + 1 == ddl.size()) {
      std::cerr << fmt::format("tracepipe worker: cannot create the view {}_merged ({}); inserting anyway\n",
                               context_.names.qualified(), r.message);
      continue;
    }
    throw std::runtime_error(
        fmt::format("cannot create the schema in ClickHouse at {}: {}", first.settings().url, r.message));
  }
  if (!backfill) return;
  auto r = first.query(project_index_backfill(context_.names));
  if (!r.ok())
    throw std::runtime_error(fmt::format("cannot fill the project index {} from {}: {}", project_index(context_.names),
                                         context_.names.qualified(), r.message));
  std::cerr << fmt::format("tracepipe worker: filled the new project index {} from the runs already in {}\n",
                           project_index(context_.names), context_.names.qualified());
}

bool worker::check_cluster(const std::vector<std::unique_ptr<clickhouse_client>>& servers) {
  std::vector<cluster_view> views;
  for (auto& server : servers) {
    std::string why;
    if (auto v = ask(*server, context_.names, &why)) views.push_back(std::move(*v));
    else std::cerr << fmt::format("tracepipe worker: ClickHouse at {} does not answer ({}); checked the others\n",
                                  server->settings().url, why);
  }
  if (auto mismatch = cluster_mismatch(context_.settings.clickhouse, context_.names, views))
    throw std::runtime_error(*mismatch);
  // ON CLUSTER waits for every replica (distributed_ddl_task_timeout, 180 s):
  // skipped when every replica that answers has the tables and the index already.
  bool index = context_.settings.clickhouse.project_index;
  return views.empty() || std::any_of(views.begin(), views.end(), [index](const cluster_view& v) {
           return v.table_engine.empty() || (index && !v.has_project_index) || !v.has_langfuse_tables;
         });
}

void worker::start() {
  const auto& redis = context_.settings.redis;
  const auto& w = context_.settings.worker;
  if (w.consumer_expiry.count() > 0 && w.consumer_expiry <= w.reclaim_idle)
    throw config::error(fmt::format(
        "worker.consumer_expiry ({} ms) must be above worker.reclaim_idle ({} ms): a gone worker's entries are "
        "reclaimed first, then its empty consumer removed",
        w.consumer_expiry.count(), w.reclaim_idle.count()));
  if (auto refusal = queue::topology_refusal(redis.url, redis.cluster, redis.command_timeout))
    throw std::runtime_error(*refusal);
  prepare_clickhouse();
  if (stopping_) return;
  auto prefix = context_.settings.worker.consumer.empty() ? default_consumer_name() : context_.settings.worker.consumer;
  for (int i = 0; i < context_.settings.worker.pipelines; ++i) context_.consumers.push_back(fmt::format("{}-{}", prefix, i));
  for (std::size_t i = 0; i < context_.consumers.size(); ++i)
    pipelines_.push_back(std::make_unique<pipeline>(context_, context_.consumers[i], i));
  for (auto& p : pipelines_) threads_.emplace_back([&p] { p->run(); });
}

void worker::stop() {
  if (!stopping_.load()) {
    // The deadline first: a pipeline that sees `stopping` must see it too.
    auto deadline = std::chrono::steady_clock::now() + context_.settings.worker.shutdown_deadline;
    stop_deadline_ = deadline.time_since_epoch().count();
    stopping_ = true;
  }
  for (auto& t : threads_)
    if (t.joinable()) t.join();
}

}  // namespace tracepipe::sink
