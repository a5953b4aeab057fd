#include "queue/cluster_connection.hpp"

#include <iostream>

#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <hiredis/hiredis.h>

#include "queue/cluster_replies.hpp"

namespace tracepipe::queue {

namespace asio = boost::asio;
using clock = cluster_route::clock;

namespace {

/// How often ready() is brought up to date with the connections' state.
constexpr auto tick = std::chrono::milliseconds(250);

}  // namespace

/// One call in flight: its commands, its route and its wait timer.
struct cluster_connection::call {
  call(std::vector<std::vector<std::string_view>> cmds, call_check chk, outcome_handler d, cluster_route r,
       asio::strand<asio::any_io_executor>& strand)
      : commands(std::move(cmds)), check(std::move(chk)), done(std::move(d)), route(r), timer(strand) {}

  std::vector<std::vector<std::string_view>> commands;
  call_check check;
  outcome_handler done;
  cluster_route route;
  asio::steady_timer timer;
  /// Written on the node's strand as replies come, read on ours after a post.
  cluster_redirect redirect;
  std::pair<boost::system::error_code, std::string> outcome;  ///< the first error check() found

  /// Notes what reply `index` asks for: a redirection, else the check's verdict.
  void take(std::size_t index, const redisReply* r) {
    if (redirect.what == cluster_redirect::kind::none) redirect = redirect_of(r);
    if (redirect.what != cluster_redirect::kind::none || outcome.first) return;
    outcome = check(index, r);
  }
};

cluster_connection::cluster_connection(asio::any_io_executor ex, cluster_options options,
                                       connection_options connection)
    : executor_(ex),
      strand_(asio::make_strand(ex)),
      options_(std::move(options)),
      connection_options_(connection),
      backoff_(options_.backoff_initial, options_.backoff_max, common::per_thread_jitter()),
      refresh_timer_(strand_) {}

void cluster_connection::start(std::chrono::milliseconds refresh) {
  asio::dispatch(strand_, [self = shared_from_this(), refresh] {
    self->refresh_ = refresh;
    for (const auto& s : self->options_.seeds) self->connection_to({s.host, s.port});
    self->schedule_refresh();
  });
}

void cluster_connection::stop(std::function<void()> stopped) {
  asio::dispatch(strand_, [self = shared_from_this(), stopped = std::move(stopped)] {
    self->stopped_ = true;
    self->ready_ = false;
    self->refresh_timer_.cancel();
    // Each node closes on its own strand; a handler posted there after its
    // stop runs once it has.
    auto left = std::make_shared<std::atomic<std::size_t>>(self->nodes_.size() + 1);
    auto one_done = [left, stopped] {
      if (--*left == 0 && stopped) stopped();
    };
    for (auto& [name, node] : self->nodes_) {
      node->stop();
      asio::post(node->strand(), one_done);
    }
    one_done();
  });
}

std::shared_ptr<redis_connection> cluster_connection::connection_to(const cluster_node& node) {
  auto name = node.text();
  if (auto it = nodes_.find(name); it != nodes_.end()) return it->second;
  auto c = std::make_shared<redis_connection>(executor_, endpoint_of(options_, node), connection_options_);
  c->start();
  return nodes_.emplace(name, std::move(c)).first->second;
}

void cluster_connection::on_slot_of(std::string_view key, std::vector<std::vector<std::string_view>> commands,
                                    call_check check, outcome_handler done) {
  auto c = std::make_shared<call>(std::move(commands), std::move(check), std::move(done),
                                  cluster_route(key_slot(key), backoff_, options_.limits, clock::now()), strand_);
  asio::dispatch(strand_, [self = shared_from_this(), c] { self->follow(c, c->route.start(self->map_, clock::now())); });
}

void cluster_connection::follow(std::shared_ptr<call> c, route_step step) {
  if (stopped_) return c->done(error::not_connected, "the Redis Cluster connection is stopping");
  if (step.reload_map) reload_map();
  switch (step.what) {
    case route_step::kind::fail: return c->done(error::not_connected, step.error);
    case route_step::kind::wait:
      c->timer.expires_at(step.until);
      c->timer.async_wait([self = shared_from_this(), c](boost::system::error_code) {
        self->follow(c, c->route.waited(self->map_, clock::now()));
      });
      return;
    case route_step::kind::send: return send(std::move(c), step);
  }
}

void cluster_connection::send(std::shared_ptr<call> c, const route_step& step) {
  auto node = connection_to(step.node);
  // All of the call's commands in one handler on the node's strand, so that
  // a reconnect can never fall between a MULTI and its EXEC.
  asio::dispatch(node->strand(), [self = shared_from_this(), c, node, asking = step.asking] {
    auto back = [self, c](auto decide) {
      asio::post(self->strand_, [self, c, decide = std::move(decide)] { self->follow(c, decide()); });
    };
    if (!node->ready()) return back([self, c] { return c->route.unreachable(clock::now()); });
    c->redirect = {};
    c->outcome = {};
    if (asking) node->command({"ASKING"}, [](boost::system::error_code, const redisReply*) {});
    auto last = c->commands.size() - 1;
    for (std::size_t i = 0; i < last; ++i)
      node->command(c->commands[i], [c, i](boost::system::error_code ec, const redisReply* r) {
        // In a MULTI the queued command carries the redirection; EXEC then
        // answers EXECABORT and nothing ran.
        if (!ec) c->take(i, r);
      });
    node->command(c->commands.back(), [self, c, back, last](boost::system::error_code ec, const redisReply* r) {
      if (!ec) c->take(last, r);
      // No answer: the node may be gone for good (its replica promoted).
      // Whether a lost EXEC ran is unknown; sending it again may enqueue its
      // entries twice, which the sink's ReplacingMergeTree collapses.
      if (ec) return back([self, c] { return c->route.unreachable(clock::now()); });
      if (c->redirect.what != cluster_redirect::kind::none)
        return back([self, c] { return c->route.redirected(c->redirect, self->map_, clock::now()); });
      asio::post(self->strand_, [c] { c->done(c->outcome.first, std::move(c->outcome.second)); });
    });
  });
}

void cluster_connection::reload_map() {
  if (reloading_ || stopped_) return;
  // Through a node whose connection is up: a master the map names first.
  std::shared_ptr<redis_connection> via;
  for (const auto& m : map_.masters())
    if (auto it = nodes_.find(m.text()); it != nodes_.end() && it->second->ready()) {
      via = it->second;
      break;
    }
  for (auto it = nodes_.begin(); !via && it != nodes_.end(); ++it)
    if (it->second->ready()) via = it->second;
  if (!via) return;  // none up yet: the next wait or tick tries again
  reloading_ = true;
  via->command({"CLUSTER", "SHARDS"}, [self = shared_from_this(), via](boost::system::error_code ec,
                                                                      const redisReply* r) {
    std::optional<std::vector<slot_range>> ranges;
    std::string why = ec ? ec.message() : "";
    if (!ec) ranges = parse_cluster_shards(*r, why);
    asio::post(self->strand_, [self, via, ranges = std::move(ranges), why = std::move(why)] {
      self->reloading_ = false;
      if (!ranges) {
        if (!self->map_loaded_)
          std::cerr << "tracepipe: Redis Cluster node " << via->endpoint().display() << " gave no slot map: " << why
                    << "\n";
        return;
      }
      self->map_ = slot_map(*ranges);
      self->map_loaded_ = true;
      for (const auto& m : self->map_.masters()) self->connection_to(m);  // connected before the first call
      self->update_ready();
    });
  });
}

void cluster_connection::schedule_refresh() {
  if (stopped_) return;
  refresh_timer_.expires_after(tick);
  refresh_timer_.async_wait([self = shared_from_this()](boost::system::error_code ec) {
    if (ec || self->stopped_) return;
    self->update_ready();
    if (!self->map_loaded_ || ++self->ticks_since_reload_ * tick >= self->refresh_) {
      self->ticks_since_reload_ = 0;
      self->reload_map();
    }
    self->schedule_refresh();
  });
}

void cluster_connection::update_ready() {
  bool up = false;
  for (const auto& m : map_.masters())
    if (auto it = nodes_.find(m.text()); it != nodes_.end() && it->second->ready()) up = true;
  ready_ = map_loaded_ && up;
}

}  // namespace tracepipe::queue
