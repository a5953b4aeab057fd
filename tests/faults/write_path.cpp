#include "write_path.hpp"

#include <hiredis/hiredis.h>
#include <sys/wait.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <thread>

#include <fmt/format.h>
#include <simdjson.h>

#include "loadgen/http_client.hpp"
#include "queue/blocking_redis.hpp"
#include "sink/clickhouse_client.hpp"
#include "stack/detail/free_port.hpp"
#include "stack_fixture.hpp"

namespace tracepipe::test {
namespace {

using namespace std::chrono_literals;

sink::clickhouse_client clickhouse(const std::string& url = stack_env().at("CLICKHOUSE_URL")) {
  sink::clickhouse_settings s;
  s.url = url;
  s.user = stack_env().at("CLICKHOUSE_USER");
  s.password = stack_env().at("CLICKHOUSE_PASSWORD");
  // A DROP … ON CLUSTER waits for every replica's DDL worker, up to the
  // server's distributed_ddl_task_timeout (180 s): a replica still catching
  // up after a fault took over 30 s in a CI run.
  s.timeout = 190s;
  return sink::clickhouse_client(s);
}

bool ready(const std::string& url) {
  try {
    return loadgen::http_client(url).request("GET", "/ready").status == 200;
  } catch (const std::exception&) {
    return false;
  }
}

/// One command on a connection of its own to the stack's Redis. A failed
/// connection: null with *error set, or, without `error`, an exception.
queue::owned_reply redis_reply(const std::vector<std::string>& args, std::string* error = nullptr) {
  auto url = stack_env().at("REDIS_URL");
  auto port = std::stoi(url.substr(url.rfind(':') + 1));
  auto c = queue::blocking_redis::connect("127.0.0.1", port, std::chrono::seconds(5));
  if (!c) throw std::runtime_error("cannot connect to the stack's Redis at " + url);
  auto r = c->command(std::vector<std::string_view>(args.begin(), args.end()));
  if (!r && !error) throw std::runtime_error(args.at(0) + ": " + std::string(c->error()));
  if (!r) *error = c->error();
  return r;
}

/// A count of summary.json; 0 when absent (e.g. no 429 in "rejected").
std::uint64_t u64(simdjson::simdjson_result<simdjson::dom::element> e) {
  std::uint64_t v = 0;
  return e.get_uint64().get(v) == simdjson::SUCCESS ? v : 0;
}

}  // namespace

std::string jepsen_counts::line(const std::string& scenario) const {
  return fmt::format(
      "fault | {} | attempted {} | acknowledged {} | lost {} | duplicated {} (after dedup {}) | recovered {} | "
      "retries {} errors {} 429 {} 503 {} dropped {} | {:.0f} runs/s{}",
      scenario, attempted, acknowledged, lost, duplicated, duplicated_after_dedup, recovered, retries, errors,
      rejected_429, rejected_503, dropped, achieved_rate, reconcile_timed_out ? " | RECONCILE TIMED OUT" : "");
}

write_path::write_path(std::string name)
    : name_(std::move(name)), stream_("fault:" + name_), group_("g-" + name_), database_("fault_" + name_) {
  port_ = stack::detail::free_ports(1).at(0);
  out_dir_ = stack_dir() + "/faults/" + name_;
  std::filesystem::remove_all(out_dir_);
  std::filesystem::create_directories(out_dir_);
  // On a replicated stack on every replica, and the tables' ZooKeeper paths with them.
  auto cluster = stack_env().at("CLICKHOUSE_CLUSTER");
  clickhouse_scalar("DROP DATABASE IF EXISTS " + database_ + (cluster.empty() ? "" : " ON CLUSTER `" + cluster + "`"));
  redis_command({"DEL", stream_ + ":{0}", stream_ + ":dead"});
}

write_path::~write_path() {
  if (load_) load_->kill_hard();
  ingests_.clear();  // each killed on destruction
  workers_.clear();
}

std::string write_path::url() const { return fmt::format("http://127.0.0.1:{}", port_); }

std::string write_path::log_path(const std::string& process) const { return out_dir_ + "/" + process + ".log"; }

child_process& write_path::start_ingest(const child_process::environment& env, std::vector<std::string> extra) {
  std::vector<std::string> argv = {TRACEPIPE_BINARY, "ingest", "--stack", stack_dir(), "--stream", stream_,
                                   "--listen", fmt::format("127.0.0.1:{}", port_), "--threads", "2"};
  argv.insert(argv.end(), extra.begin(), extra.end());
  auto log = log_path(ingests_.empty() ? "ingest" : fmt::format("ingest-{}", ingests_.size() + 1));
  auto& ingest = ingests_.emplace_back(argv, log, env);
  // With --reuse-port another ingest may answer /ready on the port: this
  // one's own log says it listens.
  auto deadline = std::chrono::steady_clock::now() + 20s;
  while (slurp(log).find("listening on") == std::string::npos || !ready(url())) {
    if (auto status = ingest.wait_exit(0ms))
      throw std::runtime_error(fmt::format("ingest exited at start (status {}); see {}", *status, log));
    if (std::chrono::steady_clock::now() > deadline) throw std::runtime_error("ingest not ready within 20 s; see " + log);
    std::this_thread::sleep_for(50ms);
  }
  return ingest;
}

child_process& write_path::start_worker(const child_process::environment& env, std::vector<std::string> extra) {
  auto consumer = fmt::format("w{}", ++workers_started_);
  // An insert times out (5 s) and is retried long before its entries look
  // dead to others (10 s idle); a killed worker's entries are taken over after that.
  std::vector<std::string> argv = {TRACEPIPE_BINARY, "worker", "--stack", stack_dir(), "--stream", stream_,
                                   "--clickhouse-database", database_, "--group", group_, "--consumer", consumer,
                                   "--dead-letter-stream", stream_ + ":dead", "--batch-age", "200ms",
                                   "--clickhouse-timeout", "5s", "--s3-timeout", "5s", "--reclaim-idle", "10s",
                                   "--reclaim-interval", "1s", "--retry-initial", "100ms", "--retry-max", "2s",
                                   "--metrics-listen", "127.0.0.1:0"};
  argv.insert(argv.end(), extra.begin(), extra.end());
  return workers_.emplace_back(argv, log_path("worker-" + consumer), env);
}

void write_path::start_load(const load_plan& plan) {
  std::vector<std::string> argv = {TRACEPIPE_BINARY, "load", "--quiet", "--target", url(), "--stack", stack_dir(),
                                   "--stream", stream_, "--clickhouse-database", database_,
                                   "--rate", fmt::format("{}", plan.rate), "--duration", plan.duration,
                                   "--batch-size", std::to_string(plan.batch_size), "--connections", "16",
                                   "--payload-bytes", "100-2000", "--max-retries", "10",
                                   "--reconcile-timeout", plan.reconcile_timeout, "--out", out_dir_ + "/report"};
  argv.insert(argv.end(), plan.extra.begin(), plan.extra.end());
  load_ = std::make_unique<child_process>(argv, log_path("load"));
}

jepsen_counts write_path::finish_load() {
  auto status = load_->wait_exit(10min);
  if (!status) throw std::runtime_error("tracepipe load still runs after 10 min; see " + log_path("load"));
  if (!WIFEXITED(*status) || (WEXITSTATUS(*status) != 0 && WEXITSTATUS(*status) != 3))
    throw std::runtime_error(fmt::format("tracepipe load failed (status {}); see {}", *status, log_path("load")));
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  auto summary = out_dir_ + "/report/summary.json";
  if (parser.load(summary).get(doc) != simdjson::SUCCESS) throw std::runtime_error("cannot read " + summary);
  jepsen_counts c;
  c.attempted = u64(doc["runs"]["operations_sent"]);
  c.acknowledged = u64(doc["runs"]["operations_accepted"]);
  c.lost = u64(doc["lost"]);
  c.duplicated = u64(doc["duplicates"]);
  c.recovered = u64(doc["unacknowledged_found"]);
  c.retries = u64(doc["retries"]);
  c.errors = u64(doc["errors"]);
  c.rejected_429 = u64(doc["rejected"]["429"]);
  c.rejected_503 = u64(doc["rejected"]["503"]);
  c.dropped = u64(doc["dropped"]);
  double rate = 0;
  if (doc["achieved_rate"].get_double().get(rate) == simdjson::SUCCESS) c.achieved_rate = rate;
  c.replicas = u64(doc["replicas"]);
  c.probes_on_every_replica = u64(doc["visible_all_replicas_ms"]["count"]);
  double lag = 0;
  if (doc["replication_lag_ms"]["max"].get_double().get(lag) == simdjson::SUCCESS) c.replication_lag_max_ms = lag;
  bool timed_out = true;
  if (doc["reconcile"]["timed_out"].get_bool().get(timed_out) == simdjson::SUCCESS) c.reconcile_timed_out = timed_out;
  // The worst server: on a replicated stack every replica must be clean.
  for (const auto& h : holdings()) c.duplicated_after_dedup = std::max(c.duplicated_after_dedup, h.after_dedup);
  return c;
}

std::vector<replica_holding> write_path::holdings() const {
  std::vector<replica_holding> out;
  for (const auto& url : stack_clickhouse_urls()) {
    replica_holding h{url};
    if (clickhouse_scalar("EXISTS TABLE " + database_ + ".runs", url) == "1") {
      auto table = database_ + ".runs";
      h.rows = std::stoull(clickhouse_scalar("SELECT count() FROM " + table, url));
      h.operations = std::stoull(clickhouse_scalar("SELECT uniqExact(id, kind) FROM " + table, url));
      h.after_dedup = std::stoull(clickhouse_scalar(
          "SELECT count() FROM (SELECT id, kind, count() AS c FROM " + table + " FINAL GROUP BY id, kind HAVING c > 1)",
          url));
      h.checksum = std::stoull(clickhouse_scalar(
          "SELECT sum(cityHash64(id, kind)) FROM (SELECT DISTINCT id, kind FROM " + table + ")", url));
    }
    out.push_back(std::move(h));
  }
  return out;
}

write_path::group_pending write_path::pending() const {
  // [count, first id, last id, [[consumer, "count"] …]]; the last is nil when nothing is pending.
  auto r = redis_reply({"XPENDING", stream_ + ":{0}", group_});
  if (r->type != REDIS_REPLY_ARRAY || r->elements != 4)
    throw std::runtime_error("XPENDING: " + std::string(r->str ? r->str : "unexpected reply"));
  group_pending out;
  out.total = static_cast<std::uint64_t>(r->element[0]->integer);
  auto* by = r->element[3];
  for (std::size_t i = 0; by->type == REDIS_REPLY_ARRAY && i < by->elements; ++i)
    out.by_consumer[by->element[i]->element[0]->str] = std::stoull(by->element[i]->element[1]->str);
  return out;
}

std::vector<std::string> write_path::consumers() const {
  // One flat [key, value …] array per consumer.
  auto r = redis_reply({"XINFO", "CONSUMERS", stream_ + ":{0}", group_});
  if (r->type != REDIS_REPLY_ARRAY) throw std::runtime_error("XINFO CONSUMERS: " + std::string(r->str ? r->str : ""));
  std::vector<std::string> out;
  for (std::size_t i = 0; i < r->elements; ++i)
    for (std::size_t k = 0; k + 1 < r->element[i]->elements; k += 2)
      if (std::string_view(r->element[i]->element[k]->str) == "name") out.emplace_back(r->element[i]->element[k + 1]->str);
  std::sort(out.begin(), out.end());
  return out;
}

std::string write_path::clickhouse_scalar(const std::string& sql, const std::string& url) const {
  auto r = (url.empty() ? clickhouse() : clickhouse(url)).query(sql);
  if (r.kind != sink::failure::none) throw std::runtime_error("ClickHouse: " + r.message + " in: " + sql);
  return r.body.substr(0, r.body.find_first_of("\t\n"));
}

std::uint64_t peak_rss_bytes(int pid) {
  std::ifstream in(fmt::format("/proc/{}/status", pid));
  for (std::string line; std::getline(in, line);)
    if (line.rfind("VmHWM:", 0) == 0) return std::stoull(line.substr(6)) * 1024;  // "VmHWM:   1234 kB"
  return 0;
}

std::string redis_command(const std::vector<std::string>& args) {
  std::string error;
  auto r = redis_reply(args, &error);
  std::string out;
  if (!r) out = "error: " + error;
  else if (r->type == REDIS_REPLY_INTEGER) out = std::to_string(r->integer);
  else if (r->str) out = std::string(r->str, r->len);
  return out;
}

}  // namespace tracepipe::test
