#pragma once
// Redis Cluster's key → slot → node mapping, without sockets: CRC16 of a
// key's hash tag (the cluster spec, "Keys distribution model"), the slot map
// a client loads from CLUSTER SHARDS and corrects on -MOVED, and what a
// node's error reply asks of the client ("Redirection and resharding").
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tracepipe::queue {

inline constexpr std::size_t cluster_slot_count = 16384;

/// CRC16-XMODEM (polynomial 0x1021, initial 0): the spec's checksum.
std::uint16_t crc16(std::string_view data);

/// The slot of `key`: of its hash tag — the text between the first '{' and
/// the first '}' after it, when not empty — else of the whole key.
std::uint16_t key_slot(std::string_view key);

/// A cluster node as clients reach it.
struct cluster_node {
  std::string host;
  int port = 0;

  std::string text() const;  ///< "host:port"
  bool operator==(const cluster_node&) const = default;
};

/// "host:port" (the last ':' splits, so an IPv6 host keeps its colons);
/// nullopt when the port is missing or not a port.
std::optional<cluster_node> parse_cluster_node(std::string_view text);

/// Slots first … last (inclusive) and the master serving them.
struct slot_range {
  std::uint16_t first = 0;
  std::uint16_t last = 0;
  cluster_node master;
};

/// Which master serves each slot.
class slot_map {
 public:
  slot_map();
  explicit slot_map(const std::vector<slot_range>& ranges);

  /// The master serving `slot`; nullptr while none does (CLUSTERDOWN for it).
  const cluster_node* owner(std::uint16_t slot) const;
  /// What a -MOVED says: `slot` is served by `node` from now on.
  void moved(std::uint16_t slot, const cluster_node& node);
  /// Every master serving a slot, by its lowest slot.
  std::vector<cluster_node> masters() const;
  /// How many slots no master serves.
  std::size_t unserved() const;

 private:
  std::uint16_t index_of(const cluster_node& node);

  std::vector<cluster_node> nodes_;
  std::vector<std::uint16_t> owner_;  ///< per slot: index into nodes_ + 1; 0 = none
};

/// What a node's error reply asks of the client.
struct cluster_redirect {
  enum class kind {
    none,          ///< not a cluster error: the command's own answer
    moved,         ///< the slot has moved for good: update the map, send there
    ask,           ///< mid-migration: send there once, after ASKING; map unchanged
    try_again,     ///< TRYAGAIN: a multi-key command mid-migration; retry soon
    cluster_down,  ///< CLUSTERDOWN: no master for the slot yet (failover); retry
    loading,       ///< LOADING: the node is reading its AOF; retry
  };
  kind what = kind::none;
  std::uint16_t slot = 0;  ///< moved, ask
  cluster_node node;       ///< moved, ask
};

/// Classifies an error reply's text (without the leading '-'), e.g.
/// "MOVED 3999 127.0.0.1:6381". A malformed MOVED/ASK is `none`: the caller
/// reports it as the error it is.
cluster_redirect classify_cluster_error(std::string_view error);

}  // namespace tracepipe::queue
