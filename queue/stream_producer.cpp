#include "queue/stream_producer.hpp"

#include <boost/asio/dispatch.hpp>
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

}  // namespace

stream_producer::stream_producer(std::shared_ptr<redis_connection> connection, std::string stream_prefix,
                                 std::size_t shards)
    : connection_(std::move(connection)) {
  for (std::size_t i = 0; i < shards; ++i) keys_.push_back(stream_key(stream_prefix, i));
}

stream_producer::stream_producer(std::shared_ptr<cluster_connection> cluster, std::string stream_prefix,
                                 std::size_t shards)
    : cluster_(std::move(cluster)) {
  for (std::size_t i = 0; i < shards; ++i) keys_.push_back(stream_key(stream_prefix, i));
}

void stream_producer::on_shard(std::size_t shard, std::vector<std::string_view> argv, reply_check check,
                               outcome_handler done) {
  if (cluster_) return cluster_->on_slot_of(keys_.at(shard), {std::move(argv)}, std::move(check), std::move(done));
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
    connection_->command({"EXEC"}, [state, n = group.size()](boost::system::error_code ec, const redisReply* r) {
      if (ec) return state->done(ec, ec.message());
      auto [e, why] = check_exec(r, n);
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
    cluster_->on_slot_of(
        keys_[shard], std::move(commands), [n = group.size()](const redisReply* r) { return check_exec(r, n); },
        [state](boost::system::error_code ec, std::string detail) { state->done(ec, std::move(detail)); });
  }
}

}  // namespace tracepipe::queue
