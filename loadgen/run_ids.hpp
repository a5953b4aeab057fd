#pragma once
// The load generator's run ids, and how a run operation found in ClickHouse
// is traced back to the request that carried it. An id is a version-4 UUID
// whose low 64 bits hold (slot, k) exactly — unique within a load run by
// construction — and whose high bits are a hash of (key, k, slot), where
// the key mixes the seed with a per-run salt so a second run with the same
// seed never reuses the first one's ids.
//
// OTLP loads send the low 64 bits, XORed with a mask of the key, as the
// 8-byte span id, and ingest makes the run id 00000000-0000-0000-<span id>
// of it (LangSmith's mapping): fresh per load run as the whole ids are, and
// mapping back to (k, slot) — but with no room left for a check of the key,
// so only the reconcile's window (the load's project, rows received since
// it began) keeps another OTLP load's rows out.
//
// Langfuse loads send whole run ids (body.id, traceId, parentObservationId)
// and give every event an envelope id of its own: write_uuid's form under a
// key of the event's kind, so it is unique per event and per load run, and
// maps back to (k, slot) and the kind (ClickHouse keeps Langfuse's rows by
// (project_id, id, event_id): two loads' events never collapse).
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace tracepipe::loadgen {

/// Writes the 36-character id of run slot `slot` of request `k`.
void write_uuid(char* out, std::uint64_t key, std::uint64_t k, std::uint32_t slot);
std::string run_id(std::uint64_t key, std::uint64_t k, std::uint32_t slot);
/// write_uuid's halves as numbers: the high 64 bits (the hash, version 4)
/// and the low 64 (variant, slot, k).
std::uint64_t uuid_high(std::uint64_t key, std::uint64_t k, std::uint32_t slot);
std::uint64_t uuid_low(std::uint64_t k, std::uint32_t slot);

/// How a load's run ids look in ClickHouse: write_uuid's, (OTLP) the run
/// id ingest makes of span_id: its 64 bits in a zero UUID, or (Langfuse)
/// write_uuid's as body ids beside event ids (langfuse_event_id).
enum class id_form { uuid, span, langfuse };
/// The OTLP span id of run (k, slot): uuid_low masked with the key (never 0).
std::uint64_t span_id(std::uint64_t key, std::uint64_t k, std::uint32_t slot);
/// "00000000-0000-0000-" + span_id's 16 hex digits.
std::string span_run_id(std::uint64_t key, std::uint64_t k, std::uint32_t slot);
/// A 64-bit half as OTLP carries ids: 8 big-endian bytes, or (`hex`) 16
/// lower-case hex digits.
void write_id_half(char* out, std::uint64_t half, bool hex);

/// The events of a Langfuse load's run: its trace's trace-create (roots
/// only), its observation's create (span- or generation-create) and update.
enum class langfuse_event : std::uint8_t { trace_create, observation_create, observation_update };
/// Writes the 36-character envelope id of that event of run (k, slot).
void write_event_id(char* out, std::uint64_t key, std::uint64_t k, std::uint32_t slot, langfuse_event e);
std::string event_id(std::uint64_t key, std::uint64_t k, std::uint32_t slot, langfuse_event e);

/// The id key of (seed, salt): the value write_uuid hashes.
std::uint64_t id_key(std::uint64_t seed, std::uint64_t salt);

/// One run operation as a sortable 63-bit number: k (48 bits), slot (14),
/// post or patch (1). A Langfuse load's events are operations too: an
/// observation's create a post, its update a patch, and a trace-create the
/// root's post with the top bit set (make_trace_op).
using op_key = std::uint64_t;
constexpr op_key make_op(std::uint64_t k, std::uint32_t slot, bool patch) {
  return ((k & 0xffffffffffffull) << 15) | (static_cast<std::uint64_t>(slot & 0x3fff) << 1) | (patch ? 1 : 0);
}
constexpr op_key trace_op_bit = op_key{1} << 63;
constexpr op_key make_trace_op(std::uint64_t k, std::uint32_t slot) { return make_op(k, slot, false) | trace_op_bit; }
constexpr bool op_is_trace(op_key o) { return (o & trace_op_bit) != 0; }
constexpr std::uint64_t op_request(op_key o) { return (o >> 15) & 0xffffffffffffull; }
constexpr std::uint32_t op_slot(op_key o) { return static_cast<std::uint32_t>((o >> 1) & 0x3fff); }
constexpr bool op_is_patch(op_key o) { return (o & 1) != 0; }

/// An HTTP request the target answered 2xx: scheduled request k, its part.
struct accepted_request {
  std::uint64_t k = 0;
  int part = 0;
};

/// The operation an (id, kind) row stands for, when the id is one this key
/// generated (kind "post" or "patch"); nullopt for anyone else's runs. In
/// span form only posts (spans are never patched), and another key's ids
/// may parse too, as other operations (a span id has no room for a check of
/// the key). In Langfuse form `kind` is the row's event id, which names the
/// event of run `id` it is (langfuse_event).
std::optional<op_key> parse_op(std::uint64_t key, std::string_view id, std::string_view kind,
                               id_form form = id_form::uuid);

}  // namespace tracepipe::loadgen
