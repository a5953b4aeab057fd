#pragma once
// The load generator's run ids, and how a run operation found in ClickHouse
// is traced back to the request that carried it. An id is a version-4 UUID
// whose low 64 bits hold (slot, k) exactly — unique within a load run by
// construction — and whose high bits are a hash of (key, k, slot), where
// the key mixes the seed with a per-run salt so a second run with the same
// seed never reuses the first one's ids.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace tracepipe::loadgen {

/// Writes the 36-character id of run slot `slot` of request `k`.
void write_uuid(char* out, std::uint64_t key, std::uint64_t k, std::uint32_t slot);
std::string run_id(std::uint64_t key, std::uint64_t k, std::uint32_t slot);

/// The id key of (seed, salt): the value write_uuid hashes.
std::uint64_t id_key(std::uint64_t seed, std::uint64_t salt);

/// One run operation as a sortable 63-bit number: k (48 bits), slot (14),
/// post or patch (1).
using op_key = std::uint64_t;
constexpr op_key make_op(std::uint64_t k, std::uint32_t slot, bool patch) {
  return ((k & 0xffffffffffffull) << 15) | (static_cast<std::uint64_t>(slot & 0x3fff) << 1) | (patch ? 1 : 0);
}
constexpr std::uint64_t op_request(op_key o) { return o >> 15; }
constexpr std::uint32_t op_slot(op_key o) { return static_cast<std::uint32_t>((o >> 1) & 0x3fff); }
constexpr bool op_is_patch(op_key o) { return (o & 1) != 0; }

/// An HTTP request the target answered 2xx: scheduled request k, its part.
struct accepted_request {
  std::uint64_t k = 0;
  int part = 0;
};

/// The operation an (id, kind) row stands for, when the id is one this key
/// generated (kind "post" or "patch"); nullopt for anyone else's runs.
std::optional<op_key> parse_op(std::uint64_t key, std::string_view id, std::string_view kind);

}  // namespace tracepipe::loadgen
