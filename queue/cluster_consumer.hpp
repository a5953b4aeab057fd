#pragma once
// stream_consumer on a Redis Cluster: each stream read, acked and reclaimed
// on its slot's master (blocking_cluster follows MOVED, ASK and failovers),
// one command per stream — a cluster refuses a command whose keys hash to
// two slots, even on one node. Reads do not BLOCK: one blocked stream would
// hold the others behind it, so an empty round naps (1 ms doubling to 50 ms)
// and reads again. A node that does not answer rests (node_rest) while the
// streams on the other nodes flow on; acks it could not take are kept and
// sent again once it answers.
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "common/backoff.hpp"
#include "queue/blocking_cluster.hpp"
#include "queue/cluster_options.hpp"
#include "queue/node_rest.hpp"
#include "queue/stream_consumer.hpp"

namespace tracepipe::queue {

/// Where a cluster consumer dead-letters an entry of `source`: the
/// dead-letter stream with the source's hash tag ("tracepipe:dead:{3}" for
/// "tracepipe:runs:{3}"), so the copy and the ack are one MULTI on one slot.
std::string cluster_dead_letter_key(const std::string& dead_letter_stream, const std::string& source);

class cluster_consumer final : public stream_consumer {
 public:
  /// Acks kept for a node that does not answer, at most: beyond, ack() fails
  /// and the pipeline backs off instead of reading more.
  static constexpr std::size_t max_kept_acks = 200'000;

  cluster_consumer(cluster_options cluster, consumer_options options);
  cluster_consumer(const cluster_consumer&) = delete;
  cluster_consumer& operator=(const cluster_consumer&) = delete;

  boost::system::error_code ensure_group() override;
  boost::system::error_code read_own_pending(std::size_t count, std::vector<stream_message>& out) override;
  boost::system::error_code read_new(std::size_t count, std::chrono::milliseconds block,
                                     std::vector<stream_message>& out) override;
  boost::system::error_code claim_stale(std::chrono::milliseconds min_idle, std::size_t count,
                                        std::uint64_t max_deliveries, std::vector<stream_message>& out,
                                        std::vector<stream_message>& poisoned) override;
  boost::system::error_code touch(const std::vector<const stream_message*>& held) override;
  boost::system::error_code ack(const std::vector<const stream_message*>& done) override;
  boost::system::error_code dead_letter(const stream_message& m, const std::string& reason,
                                        const std::string& dead_letter_stream) override;
  boost::system::error_code pending_count(std::uint64_t& out) override;
  boost::system::error_code heartbeat(std::chrono::milliseconds ttl) override;
  boost::system::error_code list_consumers(std::vector<consumer_state>& out) override;
  boost::system::error_code remove_consumer(const std::string& name) override;
  std::string dead_letter_key(const std::string& dead_letter_stream, const stream_message& m) const override {
    return cluster_dead_letter_key(dead_letter_stream, m.stream);
  }

 private:
  using args = std::vector<std::string_view>;

  /// The client, connected (the map loaded) if need be; null while no seed answers.
  blocking_cluster* cluster();
  /// `commands` on `stream`'s slot; empty, with last_error_ saying why, when
  /// its master rests or did not answer. Replies may be the commands' own errors.
  std::vector<owned_reply> on_stream(const std::string& stream, const std::vector<args>& commands);
  /// on_stream's replies: not_connected when none, server_error (last_error_ set) when one is an error.
  boost::system::error_code checked(const std::vector<owned_reply>& replies);
  /// One XREADGROUP per stream from `id_of(stream)` until `count` entries
  /// are in; error only when no stream answered.
  template <class IdOf>
  boost::system::error_code read_round(IdOf id_of, std::size_t count, std::vector<stream_message>& out);
  /// XACK + XDEL of `ids` on `stream` in one MULTI.
  bool ack_on(const std::string& stream, const std::vector<std::string_view>& ids);
  /// Sends the acks kept from before to the nodes that answer again.
  void send_kept_acks();

  cluster_options cluster_options_;
  consumer_options options_;
  std::optional<blocking_cluster> cluster_;
  common::backoff_policy rest_backoff_;
  node_rest rest_;
  std::map<std::string, std::string> pending_cursor_;          ///< per stream
  std::map<std::string, std::vector<std::string>> kept_acks_;  ///< per stream
  std::size_t kept_count_ = 0;
  std::size_t first_stream_ = 0;  ///< where the next read round starts, so no stream is always last
};

}  // namespace tracepipe::queue
