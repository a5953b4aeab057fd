#include "loadgen/run_ids.hpp"

#include <charconv>

namespace tracepipe::loadgen {

namespace {

std::uint64_t splitmix64(std::uint64_t x) {
  x += 0x9e3779b97f4a7c15ull;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
  return x ^ (x >> 31);
}

void hex(char* out, std::uint64_t v, int digits) {
  static constexpr char d[] = "0123456789abcdef";
  for (int i = digits - 1; i >= 0; --i, v >>= 4) out[i] = d[v & 0xf];
}

std::optional<std::uint64_t> parse_hex(std::string_view s) {
  std::uint64_t v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v, 16);
  if (ec != std::errc() || end != s.data() + s.size()) return std::nullopt;
  return v;
}

}  // namespace

std::uint64_t id_key(std::uint64_t seed, std::uint64_t salt) { return salt == 0 ? seed : seed ^ splitmix64(salt); }

std::uint64_t uuid_high(std::uint64_t key, std::uint64_t k, std::uint32_t slot) {
  std::uint64_t hi = splitmix64(key ^ splitmix64(k * 0x100000001b3ull + slot));
  return (hi & 0xffffffffffff0fffull) | 0x0000000000004000ull;  // version 4
}

std::uint64_t uuid_low(std::uint64_t k, std::uint32_t slot) {
  // variant 10, then (slot, k): unique by construction
  return 0x8000000000000000ull | (static_cast<std::uint64_t>(slot & 0x3fff) << 48) | (k & 0xffffffffffffull);
}

void write_uuid(char* out, std::uint64_t key, std::uint64_t k, std::uint32_t slot) {
  auto hi = uuid_high(key, k, slot), lo = uuid_low(k, slot);
  hex(out, hi >> 32, 8);
  out[8] = '-';
  hex(out + 9, (hi >> 16) & 0xffff, 4);
  out[13] = '-';
  hex(out + 14, hi & 0xffff, 4);
  out[18] = '-';
  hex(out + 19, lo >> 48, 4);
  out[23] = '-';
  hex(out + 24, lo & 0xffffffffffffull, 12);
}

std::string run_id(std::uint64_t key, std::uint64_t k, std::uint32_t slot) {
  std::string id(36, '-');
  write_uuid(id.data(), key, k, slot);
  return id;
}

namespace {
/// Makes span ids fresh per load run, as the key makes whole ids. Its top
/// bit is clear, so a span id keeps uuid_low's: never the zero ingest refuses.
std::uint64_t span_mask(std::uint64_t key) { return splitmix64(key ^ 0x07e1u) & 0x7fffffffffffffffull; }
}  // namespace

std::uint64_t span_id(std::uint64_t key, std::uint64_t k, std::uint32_t slot) { return uuid_low(k, slot) ^ span_mask(key); }

std::string span_run_id(std::uint64_t key, std::uint64_t k, std::uint32_t slot) {
  std::string id = "00000000-0000-0000-0000-000000000000";
  auto span = span_id(key, k, slot);
  hex(id.data() + 19, span >> 48, 4);
  hex(id.data() + 24, span & 0xffffffffffffull, 12);
  return id;
}

void write_id_half(char* out, std::uint64_t half, bool as_hex) {
  if (as_hex) return hex(out, half, 16);
  for (int i = 7; i >= 0; --i, half >>= 8) out[i] = static_cast<char>(half & 0xff);
}

namespace {
/// The key an event's id is written under: one per kind, none the run ids' own.
std::uint64_t event_key(std::uint64_t key, langfuse_event e) {
  return key ^ splitmix64(0x1a9f'0000u + static_cast<std::uint64_t>(e));
}

std::optional<op_key> parse_langfuse_op(std::uint64_t key, std::string_view id, std::string_view event,
                                        std::uint64_t k, std::uint32_t slot) {
  if (event.size() != 36) return std::nullopt;
  char mine[36];
  write_uuid(mine, key, k, slot);
  if (std::string_view(mine, 36) != id) return std::nullopt;
  for (auto e : {langfuse_event::trace_create, langfuse_event::observation_create, langfuse_event::observation_update}) {
    write_event_id(mine, key, k, slot, e);
    if (std::string_view(mine, 36) != event) continue;
    return e == langfuse_event::trace_create ? make_trace_op(k, slot)
                                             : make_op(k, slot, e == langfuse_event::observation_update);
  }
  return std::nullopt;
}
}  // namespace

void write_event_id(char* out, std::uint64_t key, std::uint64_t k, std::uint32_t slot, langfuse_event e) {
  write_uuid(out, event_key(key, e), k, slot);
}

std::string event_id(std::uint64_t key, std::uint64_t k, std::uint32_t slot, langfuse_event e) {
  std::string id(36, '-');
  write_event_id(id.data(), key, k, slot, e);
  return id;
}

std::optional<op_key> parse_op(std::uint64_t key, std::string_view id, std::string_view kind, id_form form) {
  // A Langfuse row's kind is its event id; spans are never patched.
  bool known_kind = form == id_form::langfuse || kind == "post" || (kind == "patch" && form == id_form::uuid);
  if (id.size() != 36 || !known_kind) return std::nullopt;
  auto clock_seq = parse_hex(id.substr(19, 4));
  auto node = parse_hex(id.substr(24, 12));
  if (!clock_seq || !node) return std::nullopt;
  auto low = *clock_seq << 48 | *node;
  if (form == id_form::span) low ^= span_mask(key);
  std::uint64_t k = low & 0xffffffffffffull;
  auto slot = static_cast<std::uint32_t>((low >> 48) & 0x3fff);
  if (form == id_form::langfuse) return parse_langfuse_op(key, id, kind, k, slot);
  if (form == id_form::span) {
    if (span_run_id(key, k, slot) != id) return std::nullopt;
  } else {
    // The low bits alone could be anyone's: the whole id must be ours.
    char mine[36];
    write_uuid(mine, key, k, slot);
    if (std::string_view(mine, 36) != id) return std::nullopt;
  }
  return make_op(k, slot, kind == "patch");
}

}  // namespace tracepipe::loadgen
