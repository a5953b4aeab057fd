#include "queue/shard.hpp"

#include <cctype>
#include <cstdint>

namespace tracepipe::queue {

std::size_t shard_of(std::string_view trace_id, std::size_t shards) {
  if (shards <= 1) return 0;
  // FNV-1a over the lower-cased id: UUIDs may arrive in either case.
  std::uint64_t h = 1469598103934665603ull;
  for (unsigned char c : trace_id) {
    h ^= static_cast<unsigned char>(std::tolower(c));
    h *= 1099511628211ull;
  }
  return static_cast<std::size_t>(h % shards);
}

std::string stream_key(std::string_view prefix, std::size_t shard) {
  return std::string(prefix) + ":{" + std::to_string(shard) + "}";
}

}  // namespace tracepipe::queue
