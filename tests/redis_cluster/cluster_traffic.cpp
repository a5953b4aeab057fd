#include "cluster_traffic.hpp"

#include <hiredis/hiredis.h>

#include <stdexcept>
#include <vector>

#include "cluster_support.hpp"

namespace tracepipe::test {

using namespace std::chrono_literals;

steady_sender::steady_sender(std::string url) : url_(std::move(url)), thread_([this] { run(); }) {}

void steady_sender::stop() {
  done_ = true;
  if (thread_.joinable()) thread_.join();
}

void steady_sender::wait_requests(std::size_t more) const {
  auto until = requests_.load() + more;
  while (requests_ < until && refused_.empty()) std::this_thread::sleep_for(5ms);
}

void steady_sender::run() {
  try {
    for (std::uint64_t seed = 1000; !done_; ++seed) {
      accepted_ += send_runs(url_, sink_runs(20, seed), 20);
      ++requests_;
    }
  } catch (const std::exception& e) {
    refused_ = e.what();
  }
}

namespace {

void expect_ok(const queue::owned_reply& reply, const std::string& what) {
  if (text(reply) != "OK") throw std::runtime_error(what + ": " + text(reply));
}

}  // namespace

queue::cluster_node migrate_slot(queue::blocking_cluster& c, const std::string& key,
                                 const std::function<void()>& between) {
  auto slot = std::to_string(queue::key_slot(key));
  auto source = *c.map().owner(queue::key_slot(key));
  queue::cluster_node target;
  for (const auto& m : c.map().masters())
    if (!(m == source)) target = m;
  expect_ok(direct(target).command({"CLUSTER", "SETSLOT", slot, "IMPORTING", node_id(source)}), "IMPORTING");
  expect_ok(direct(source).command({"CLUSTER", "SETSLOT", slot, "MIGRATING", node_id(target)}), "MIGRATING");
  between();
  // Every key of the slot: other tests' streams share its hash tag.
  auto keys = direct(source).command({"CLUSTER", "GETKEYSINSLOT", slot, "1000"});
  if (!keys || keys->type != REDIS_REPLY_ARRAY) throw std::runtime_error("GETKEYSINSLOT: " + text(keys));
  std::vector<std::string> argv{"MIGRATE", target.host, std::to_string(target.port), "", "0", "5000", "KEYS"};
  for (std::size_t i = 0; i < keys->elements; ++i) argv.emplace_back(keys->element[i]->str, keys->element[i]->len);
  expect_ok(direct(source).command(std::vector<std::string_view>(argv.begin(), argv.end())), "MIGRATE");
  between();
  // The target first, then the source, then the others (the cluster spec's
  // order): were the source told first, it would answer MOVED to the target
  // while the target, still importing, answered MOVED back.
  std::vector<queue::cluster_node> order{target, source};
  for (const auto& m : c.map().masters())
    if (!(m == target) && !(m == source)) order.push_back(m);
  for (const auto& m : order)
    expect_ok(direct(m).command({"CLUSTER", "SETSLOT", slot, "NODE", node_id(target)}), "SETSLOT NODE");
  between();
  c.reload_map();
  return target;
}

}  // namespace tracepipe::test
