#include "ingest/runner.hpp"

#include <algorithm>
#include <future>
#include <iostream>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/post.hpp>
#include <fmt/format.h>

#include "config/loader.hpp"
#include "ingest/open_files.hpp"
#include "ingest/server.hpp"
#include "ingest/service.hpp"
#include "queue/cluster_connection.hpp"
#include "queue/depth_sampler.hpp"
#include "queue/redis_connection.hpp"
#include "queue/stream_producer.hpp"
#include "queue/topology_check.hpp"

namespace tracepipe::ingest {

struct runner::parts {
  std::shared_ptr<queue::redis_connection> connection;  ///< a standalone Redis, or null
  std::shared_ptr<queue::cluster_connection> cluster;   ///< a Redis Cluster, or null
  std::unique_ptr<queue::stream_producer> producer;
  std::shared_ptr<queue::depth_sampler> sampler;
  std::unique_ptr<s3_store> store;  ///< ingest.mode s3-first, else null
  std::shared_ptr<ingest::service> service;
  std::unique_ptr<ingest::server> server;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work;
};

namespace {

common::redis_endpoint endpoint_of(const std::string& url, const char* key) {
  auto endpoint = common::parse_redis_url(url);
  if (!endpoint)
    throw config::error(fmt::format("config key '{}': expected redis://[[user]:password@]host[:port][/db]", key));
  return *endpoint;
}

}  // namespace

runner::runner(const config::settings& settings, read_store* reads) : settings_(settings) {
  const auto& r = settings.redis;
  queue::connection_options options{r.command_timeout, r.reconnect_delay};
  std::shared_ptr<queue::redis_connection> connection;
  std::shared_ptr<queue::cluster_connection> cluster;
  std::unique_ptr<queue::stream_producer> producer;
  // A WAIT outliving the command timeout would be taken for a dead connection.
  if (r.wait_replicas > 0 && r.wait_timeout >= r.command_timeout)
    throw config::error(fmt::format("redis.wait_timeout ({} ms) must be shorter than redis.command_timeout ({} ms)",
                                    r.wait_timeout.count(), r.command_timeout.count()));
  queue::replication_wait wait{r.wait_replicas, r.wait_timeout};
  if (r.cluster.empty()) {
    connection = std::make_shared<queue::redis_connection>(ioc_.get_executor(), endpoint_of(r.url, "redis.url"),
                                                           options);
    producer = std::make_unique<queue::stream_producer>(connection, r.stream, r.shards, wait);
  } else {
    queue::cluster_options o;
    for (const auto& url : r.cluster) o.seeds.push_back(endpoint_of(url, "redis.cluster"));
    // A request waits for a redirection or a failover no longer than for
    // one command; then it gets its 503 and the client retries.
    o.limits.budget = r.command_timeout;
    cluster = std::make_shared<queue::cluster_connection>(ioc_.get_executor(), std::move(o), options);
    producer = std::make_unique<queue::stream_producer>(cluster, r.stream, r.shards, wait);
  }
  auto sampler = std::make_shared<queue::depth_sampler>(*producer, r.depth_interval);
  auto svc = std::make_shared<service>(settings.ingest, *producer, *sampler);
  svc->reads = reads;
  std::unique_ptr<s3_store> store;
  if (settings.ingest.mode == "s3-first") {
    const auto& s3 = settings.s3;
    // As many S3 threads as I/O threads, at least two: a round of PUTs
    // blocks its thread, and requests arriving meanwhile form the next round.
    store = std::make_unique<s3_store>(
        s3::client_settings{s3.endpoint, s3.bucket, s3.region, s3.access_key, s3.secret_key, s3.concurrency,
                            s3.timeout, s3.ca_file},
        std::max(2, settings.ingest.threads));
    svc->store_first = store.get();
    svc->s3_prefix = s3.event_prefix;
  }
  auto srv = std::make_unique<server>(ioc_, svc);
  parts_.reset(new parts{connection, cluster, std::move(producer), sampler, std::move(store), std::move(svc),
                         std::move(srv), boost::asio::make_work_guard(ioc_)});
}

runner::~runner() { stop(std::chrono::milliseconds(0)); }

service& runner::svc() { return *parts_->service; }

boost::asio::ip::tcp::endpoint runner::start() {
  if (auto refusal = queue::topology_refusal(settings_.redis.url, settings_.redis.cluster, settings_.redis.command_timeout))
    throw config::error(*refusal);
  // Connections, plus Redis, files and the process's own descriptors.
  if (auto warning = raise_open_files_limit(settings_.ingest.max_connections + 64))
    std::cerr << "tracepipe ingest: warning: " << *warning << "\n";
  auto endpoint = parts_->server->listen(settings_.ingest.listen);
  if (parts_->connection) parts_->connection->start();
  if (parts_->cluster) parts_->cluster->start();
  parts_->sampler->start();
  parts_->server->start();
  for (int i = 0; i < settings_.ingest.threads; ++i) threads_.emplace_back([this] { ioc_.run(); });
  return endpoint;
}

void runner::stop(std::chrono::milliseconds grace) {
  if (stopped_) return;
  stopped_ = true;
  parts_->server->stop();
  auto deadline = std::chrono::steady_clock::now() + grace;
  while (parts_->service->requests_in_progress.load() > 0 && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  // Requests still storing (S3 slow or down past the grace) are answered 503
  // on the I/O threads, which still run; nothing of theirs was enqueued.
  if (parts_->store) parts_->store->stop();
  parts_->sampler->stop();
  // The stops are handlers on the connections' strands: stopping the
  // io_context right away dropped them unrun, so Redis was never closed (the
  // hiredis context, its socket, the Asio watch that keeps itself alive and
  // the connection all leaked — LeakSanitizer, once per runner). Wait until
  // they have run; bounded, in case a thread is stuck.
  auto ran = std::make_shared<std::promise<void>>();
  auto closed = ran->get_future();
  if (parts_->connection) {
    parts_->connection->stop();
    boost::asio::post(parts_->connection->strand(), [ran] { ran->set_value(); });
  } else {
    parts_->cluster->stop([ran] { ran->set_value(); });
  }
  if (!threads_.empty()) closed.wait_for(std::chrono::seconds(5));
  parts_->work.reset();
  ioc_.stop();
  for (auto& t : threads_)
    if (t.joinable()) t.join();
  if (parts_->service->reads) parts_->service->reads->stop();
}

}  // namespace tracepipe::ingest
