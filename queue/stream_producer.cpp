#include "queue/stream_producer.hpp"

#include <boost/asio/dispatch.hpp>
#include <fmt/format.h>
#include <hiredis/hiredis.h>

#include "queue/shard.hpp"

namespace tracepipe::queue {

namespace asio = boost::asio;

/// Collects the EXEC answers of one enqueue.
struct stream_producer::completion {
  std::size_t remaining;
  boost::system::error_code ec;
  std::string detail;
  enqueue_handler handler;

  void done(boost::system::error_code e, std::string why) {
    if (e && !ec) {
      ec = e;
      detail = std::move(why);
    }
    if (--remaining == 0) handler(ec, std::move(detail));
  }
};

namespace {

/// EXEC answers an array with one reply per XADD, or an error (EXECABORT)
/// when any XADD was refused while queuing, in which case nothing ran.
std::pair<boost::system::error_code, std::string> check_exec(const redisReply* r, std::size_t expected) {
  if (r->type == REDIS_REPLY_ERROR) return {error::server_error, std::string(r->str, r->len)};
  if (r->type != REDIS_REPLY_ARRAY || r->elements != expected)
    return {error::unexpected_reply, "EXEC did not answer one reply per XADD"};
  for (std::size_t i = 0; i < r->elements; ++i)
    if (r->element[i]->type == REDIS_REPLY_ERROR)
      return {error::server_error, std::string(r->element[i]->str, r->element[i]->len)};
  return {};
}

/// WAIT answers how many replicas confirmed the connection's writes so far.
std::pair<boost::system::error_code, std::string> check_wait(const redisReply* r, const replication_wait& wait) {
  if (r->type == REDIS_REPLY_ERROR) return {error::server_error, std::string(r->str, r->len)};
  if (r->type != REDIS_REPLY_INTEGER) return {error::unexpected_reply, "WAIT did not answer a number"};
  if (r->integer >= wait.replicas) return {};
  return {error::not_replicated, fmt::format("{} of {} replicas confirmed the write within {} ms (redis.wait_replicas)",
                                             r->integer, wait.replicas, wait.timeout.count())};
}

}  // namespace

stream_producer::stream_producer(std::shared_ptr<redis_connection> connection, std::string stream_prefix,
                                 std::size_t shards, replication_wait wait)
    : connection_(std::move(connection)),
      wait_(wait),
      wait_replicas_(std::to_string(wait.replicas)),
      wait_timeout_(std::to_string(wait.timeout.count())) {
  for (std::size_t i = 0; i < shards; ++i) keys_.push_back(stream_key(stream_prefix, i));
}

stream_producer::stream_producer(std::shared_ptr<cluster_connection> cluster, std::string stream_prefix,
                                 std::size_t shards, replication_wait wait)
    : cluster_(std::move(cluster)),
      wait_(wait),
      wait_replicas_(std::to_string(wait.replicas)),
      wait_timeout_(std::to_string(wait.timeout.count())) {
  for (std::size_t i = 0; i < shards; ++i) keys_.push_back(stream_key(stream_prefix, i));
}

void stream_producer::on_shard(std::size_t shard, std::vector<std::string_view> argv, reply_check check,
                               outcome_handler done) {
  if (cluster_)
    return cluster_->on_slot_of(
        keys_.at(shard), {std::move(argv)},
        [check = std::move(check)](std::size_t, const redisReply* r) { return check(r); }, std::move(done));
  connection_->command(std::move(argv), [check = std::move(check), done = std::move(done)](
                                            boost::system::error_code ec, const redisReply* r) {
    if (ec) return done(ec, ec.message());
    auto [e, detail] = check(r);
    done(e, std::move(detail));
  });
}

void stream_producer::enqueue(const std::vector<stream_entry>& entries, enqueue_handler handler) {
  // Group by shard, keeping the request's order within each shard.
  std::vector<std::vector<const stream_entry*>> by_shard(keys_.size());
  for (const auto& e : entries) by_shard.at(e.shard).push_back(&e);
  std::size_t transactions = 0;
  for (const auto& group : by_shard) transactions += !group.empty();
  if (transactions == 0) {
    asio::dispatch(strand(), [handler = std::move(handler)] { handler({}, {}); });
    return;
  }
  auto state = std::make_shared<completion>(completion{transactions, {}, {}, std::move(handler)});
  if (cluster_) return issue_on_cluster(by_shard, std::move(state));
  // All commands are issued in one strand handler, so a reconnect can never
  // fall between a MULTI and its EXEC.
  asio::dispatch(connection_->strand(), [this, state, by_shard = std::move(by_shard)] { issue(by_shard, state); });
}

void stream_producer::issue(const std::vector<std::vector<const stream_entry*>>& by_shard,
                            std::shared_ptr<completion> state) {
  auto ignore = [](boost::system::error_code, const redisReply*) {};
  for (std::size_t shard = 0; shard < by_shard.size(); ++shard) {
    const auto& group = by_shard[shard];
    if (group.empty()) continue;
    connection_->command({"MULTI"}, ignore);
    for (const auto* e : group) {
      std::vector<std::string_view> argv{"XADD", keys_[shard], "*"};
      argv.reserve(3 + 2 * e->fields.size());
      for (const auto& [f, v] : e->fields) {
        argv.push_back(f);
        argv.push_back(v);
      }
      connection_->command(std::move(argv), ignore);
    }
    if (wait_.replicas == 0) {
      connection_->command({"EXEC"}, [state, n = group.size()](boost::system::error_code ec, const redisReply* r) {
        if (ec) return state->done(ec, ec.message());
        auto [e, why] = check_exec(r, n);
        state->done(e, std::move(why));
      });
      continue;
    }
    // The transaction's outcome waits for WAIT's reply, which comes next.
    auto exec = std::make_shared<std::pair<boost::system::error_code, std::string>>();
    connection_->command({"EXEC"}, [exec, n = group.size()](boost::system::error_code ec, const redisReply* r) {
      *exec = ec ? std::pair{ec, ec.message()} : check_exec(r, n);
    });
    connection_->command({"WAIT", wait_replicas_, wait_timeout_},
                         [state, exec, wait = wait_](boost::system::error_code ec, const redisReply* r) {
                           if (exec->first) return state->done(exec->first, std::move(exec->second));
                           if (ec) return state->done(ec, ec.message());
                           auto [e, why] = check_wait(r, wait);
                           state->done(e, std::move(why));
                         });
  }
}

void stream_producer::issue_on_cluster(const std::vector<std::vector<const stream_entry*>>& by_shard,
                                       std::shared_ptr<completion> state) {
  // Each shard's transaction on its own slot's master; the outcomes meet on
  // the cluster's strand, where `state` is counted down.
  for (std::size_t shard = 0; shard < by_shard.size(); ++shard) {
    const auto& group = by_shard[shard];
    if (group.empty()) continue;
    std::vector<std::vector<std::string_view>> commands{{"MULTI"}};
    for (const auto* e : group) {
      auto& argv = commands.emplace_back(std::vector<std::string_view>{"XADD", keys_[shard], "*"});
      for (const auto& [f, v] : e->fields) {
        argv.push_back(f);
        argv.push_back(v);
      }
    }
    commands.push_back({"EXEC"});
    auto exec_index = commands.size() - 1;
    if (wait_.replicas > 0) commands.push_back({"WAIT", wait_replicas_, wait_timeout_});
    cluster_->on_slot_of(
        keys_[shard], std::move(commands),
        [n = group.size(), exec_index, wait = wait_](std::size_t i, const redisReply* r) {
          if (i == exec_index) return check_exec(r, n);
          if (i > exec_index) return check_wait(r, wait);
          return std::pair<boost::system::error_code, std::string>{};
        },
        [state](boost::system::error_code ec, std::string detail) { state->done(ec, std::move(detail)); });
  }
}

}  // namespace tracepipe::queue
