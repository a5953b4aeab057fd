#include "ingest/runner.hpp"

#include <future>
#include <iostream>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/post.hpp>

#include "config/loader.hpp"
#include "ingest/open_files.hpp"
#include "ingest/server.hpp"
#include "ingest/service.hpp"
#include "queue/depth_sampler.hpp"
#include "queue/redis_connection.hpp"
#include "queue/stream_producer.hpp"

namespace tracepipe::ingest {

struct runner::parts {
  std::shared_ptr<queue::redis_connection> connection;
  std::unique_ptr<queue::stream_producer> producer;
  std::shared_ptr<queue::depth_sampler> sampler;
  std::shared_ptr<ingest::service> service;
  std::unique_ptr<ingest::server> server;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work;
};

runner::runner(const config::settings& settings) : settings_(settings) {
  auto endpoint = common::parse_redis_url(settings.redis.url);
  if (!endpoint) throw config::error("config key 'redis.url': expected redis://[[user]:password@]host[:port][/db]");
  auto connection = std::make_shared<queue::redis_connection>(
      ioc_.get_executor(), *endpoint,
      queue::connection_options{settings.redis.command_timeout, settings.redis.reconnect_delay});
  auto producer = std::make_unique<queue::stream_producer>(connection, settings.redis.stream, settings.redis.shards);
  auto sampler = std::make_shared<queue::depth_sampler>(*producer, settings.redis.depth_interval);
  auto svc = std::make_shared<service>(settings.ingest, *producer, *sampler);
  auto srv = std::make_unique<server>(ioc_, svc);
  parts_.reset(new parts{connection, std::move(producer), sampler, std::move(svc), std::move(srv),
                         boost::asio::make_work_guard(ioc_)});
}

runner::~runner() { stop(std::chrono::milliseconds(0)); }

service& runner::svc() { return *parts_->service; }

boost::asio::ip::tcp::endpoint runner::start() {
  // Connections, plus Redis, files and the process's own descriptors.
  if (auto warning = raise_open_files_limit(settings_.ingest.max_connections + 64))
    std::cerr << "tracepipe ingest: warning: " << *warning << "\n";
  auto endpoint = parts_->server->listen(settings_.ingest.listen);
  parts_->connection->start();
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
  parts_->sampler->stop();
  parts_->connection->stop();
  // Both stops are handlers on the connection's strand: stopping the
  // io_context right away dropped them unrun, so Redis was never closed (the
  // hiredis context, its socket, the Asio watch that keeps itself alive and
  // the connection all leaked — LeakSanitizer, once per runner). Wait until
  // the strand has run them; bounded, in case a thread is stuck.
  if (!threads_.empty()) {
    auto ran = std::make_shared<std::promise<void>>();
    auto closed = ran->get_future();
    boost::asio::post(parts_->connection->strand(), [ran] { ran->set_value(); });
    closed.wait_for(std::chrono::seconds(5));
  }
  parts_->work.reset();
  ioc_.stop();
  for (auto& t : threads_)
    if (t.joinable()) t.join();
}

}  // namespace tracepipe::ingest
