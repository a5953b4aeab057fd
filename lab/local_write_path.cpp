#include "lab/local_write_path.hpp"

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <stdexcept>
#include <thread>

#include <fmt/format.h>

#include "ingest/service.hpp"
#include "stack/stack.hpp"

namespace tracepipe::lab {

std::string fresh_temp_dir(std::string_view what) {
  auto pattern = (std::filesystem::temp_directory_path() / fmt::format("tracepipe-{}-XXXXXX", what)).string();
  if (!::mkdtemp(pattern.data())) throw std::runtime_error("cannot create a directory under " + pattern);
  return pattern;
}

local_stack::local_stack(const stack::options& options, bool keep, std::string who)
    : dir_(options.dir), keep_(keep), who_(std::move(who)) {
  auto redis = options.redis_masters > 0 ? fmt::format("a Redis Cluster ({} masters, {} replicas each)",
                                                       options.redis_masters, options.redis_replicas)
                                         : std::string("Redis");
  auto clickhouse = options.clickhouse_replicas > 1
                        ? fmt::format("ZooKeeper, {} ClickHouse replicas", options.clickhouse_replicas)
                        : std::string("ClickHouse");
  std::cerr << fmt::format("tracepipe {}: starting {}, {} and S3 under {}\n", who_, redis, clickhouse, dir_);
  stack::up(options, std::cerr);
}

local_stack::~local_stack() {
  if (keep_) {
    std::cerr << fmt::format("tracepipe {}: the stack keeps running; stop it with: tracepipe stack down --dir {}\n",
                             who_, dir_);
    return;
  }
  try {
    stack::down(dir_, std::cerr);
  } catch (const std::exception& e) {
    std::cerr << fmt::format("tracepipe {}: stopping the stack: {}\n", who_, e.what());
  }
}

local_write_path::local_write_path(config::settings settings) {
  settings.ingest.listen = "127.0.0.1:0";
  restart_workers(settings);
  reads_ = std::make_unique<read::clickhouse_reads>(settings);
  ingest_ = std::make_unique<ingest::runner>(settings, reads_.get());
  ingest_->svc().extra_metrics = [this] {
    auto w = current();
    return w ? w->metrics().render() : std::string();
  };
  url_ = fmt::format("http://127.0.0.1:{}", ingest_->start().port());
  // The load starts once ingest reaches Redis (a cluster's map loaded), or
  // its first requests would be answered 503.
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (!ingest_->svc().redis_ready() && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
}

local_write_path::~local_write_path() {
  // Ingest first: nothing new is accepted while the workers flush what they hold.
  ingest_->stop();
  if (auto w = current()) w->stop();
}

std::shared_ptr<sink::worker> local_write_path::current() const {
  std::lock_guard lock(mutex_);
  return worker_;
}

void local_write_path::restart_workers(const config::settings& settings) {
  std::shared_ptr<sink::worker> old;
  {
    std::lock_guard lock(mutex_);
    old = std::move(worker_);
  }
  if (old) old->stop();  // outside the lock: /metrics goes on meanwhile, without worker figures
  if (settings.worker.pipelines <= 0) return;
  auto fresh = std::make_shared<sink::worker>(settings);
  fresh->start();
  std::lock_guard lock(mutex_);
  worker_ = std::move(fresh);
}

}  // namespace tracepipe::lab
