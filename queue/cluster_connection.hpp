#pragma once
// A Redis Cluster on Asio, for ingest: one redis_connection per node (each
// pipelined and self-healing, as for a standalone Redis) and the slot map,
// kept on a strand of its own. A call — one command, or one MULTI … EXEC —
// goes to the master of its key's slot and follows the cluster's answers as
// cluster_route decides: MOVED and ASK are followed at once; a node that
// does not answer, CLUSTERDOWN, TRYAGAIN and LOADING wait with backoff for
// as long as the budget allows, the map reloaded meanwhile.
#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/system/error_code.hpp>

#include "common/backoff.hpp"
#include "queue/cluster_options.hpp"
#include "queue/cluster_route.hpp"
#include "queue/cluster_slots.hpp"
#include "queue/redis_connection.hpp"

namespace tracepipe::queue {

/// What the caller makes of one reply, run where that reply lives: an error
/// code and a detail.
using reply_check = std::function<std::pair<boost::system::error_code, std::string>(const redisReply* reply)>;
/// What the caller makes of the reply to commands[index] of a call; the
/// first error is the call's outcome.
using call_check =
    std::function<std::pair<boost::system::error_code, std::string>(std::size_t index, const redisReply* reply)>;
/// The outcome, on the cluster's strand.
using outcome_handler = std::function<void(boost::system::error_code ec, std::string detail)>;

class cluster_connection : public std::enable_shared_from_this<cluster_connection> {
 public:
  /// Each node's connection uses `connection` (its timeout, its reconnects);
  /// options.timeout is not used: that is connection.command_timeout here.
  cluster_connection(boost::asio::any_io_executor ex, cluster_options options, connection_options connection);

  /// Connects to the seeds, loads the map, then keeps it: reloaded after a
  /// MOVED, while a call waits, and every `refresh` anyway.
  void start(std::chrono::milliseconds refresh = std::chrono::seconds(5));
  /// Closes every node's connection; `stopped` runs once all of them have
  /// closed (for an owner that then stops the io_context).
  void stop(std::function<void()> stopped = {});

  /// Thread-safe. `commands` (one command, or MULTI … EXEC, all on `key`'s
  /// slot) on the slot's master. `check` runs on every reply; when no
  /// redirection is asked for, its first error is the outcome; `done` runs
  /// once, on strand(). The views must stay valid until `done` runs: a
  /// redirected call sends them again.
  void on_slot_of(std::string_view key, std::vector<std::vector<std::string_view>> commands, call_check check,
                  outcome_handler done);

  /// The map is loaded and the connection to a master is up.
  bool ready() const { return ready_.load(std::memory_order_relaxed); }
  boost::asio::strand<boost::asio::any_io_executor>& strand() { return strand_; }

 private:
  struct call;
  void send(std::shared_ptr<call> c, const route_step& step);
  void follow(std::shared_ptr<call> c, route_step step);
  std::shared_ptr<redis_connection> connection_to(const cluster_node& node);
  void reload_map();
  void schedule_refresh();
  void update_ready();

  boost::asio::any_io_executor executor_;
  boost::asio::strand<boost::asio::any_io_executor> strand_;
  cluster_options options_;
  connection_options connection_options_;
  common::backoff_policy backoff_;
  slot_map map_;
  bool map_loaded_ = false;
  bool reloading_ = false;
  bool stopped_ = false;
  std::chrono::milliseconds refresh_{5000};
  int ticks_since_reload_ = 0;
  boost::asio::steady_timer refresh_timer_;
  std::map<std::string, std::shared_ptr<redis_connection>> nodes_;  ///< by "host:port"
  std::atomic<bool> ready_{false};
};

}  // namespace tracepipe::queue
