#include "ingest/s3_first.hpp"

#include <map>
#include <random>
#include <utility>

#include <fmt/format.h>
#include <simdjson.h>

#include "common/base64.hpp"
#include "common/json_out.hpp"
#include "common/sha256.hpp"
#include "queue/entry_fields.hpp"

namespace tracepipe::ingest {
namespace {

namespace field = queue::entry_field;

/// The value of `name` in `e`, or "".
std::string_view value_of(const queue::stream_entry& e, std::string_view name) {
  for (const auto& [n, v] : e.fields)
    if (n == name) return v;
  return {};
}

/// The entity an entry describes, in its project: Langfuse's (entity, body id), or a run's.
struct entity_key {
  std::string_view project, entity, id;
  auto operator<=>(const entity_key&) const = default;
};

entity_key entity_of(const queue::stream_entry& e) {
  auto project = value_of(e, field::project);
  if (value_of(e, field::kind) == field::langfuse_kind)
    return {project, value_of(e, field::entity), value_of(e, field::body_id)};
  return {project, "run", value_of(e, field::run_id)};
}

void append_entry(std::string& out, const queue::stream_entry& e) {
  out += '{';
  bool first = true;
  for (const auto& [name, value] : e.fields) {
    if (!first) out += ',';
    first = false;
    // A name is client bytes too (an attachment's); the row builder marks
    // one that is not UTF-8 the same way, so the row comes out alike.
    if (simdjson::validate_utf8(name.data(), name.size()))
      common::append_json_string(out, name);
    else
      common::append_json_string(out, common::valid_utf8_or_marked(name));
    out += ':';
    if (name == field::run || name == field::event) {
      out += value;  // JSON ingest has read and written compactly itself
    } else if (simdjson::validate_utf8(value.data(), value.size())) {
      common::append_json_string(out, value);
    } else {
      out += R"({"base64":")";
      common::append_base64(out, value);
      out += "\"}";
    }
  }
  out += '}';
}

}  // namespace

std::string key_segment(std::string_view text) {
  if (text.empty()) return "_";
  // S3 keys end at 1,024 bytes (some stores limit a segment further): a
  // long id keeps its start and a hash of the whole, still one per id.
  constexpr std::size_t longest = 128;
  std::string out(text.size() > longest ? text.substr(0, longest - 17) : text);
  if (text.size() > longest) out.append("-").append(common::sha256_hex(text), 0, 16);
  for (auto& c : out) {
    bool keep = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
                c == '_' || c == '-';
    if (!keep) c = '_';
  }
  // "." and ".." are path steps to some S3 front ends.
  if (out.find_first_not_of('.') == std::string::npos) out.assign(out.size(), '_');
  return out;
}

std::string random_uuid() {
  thread_local std::mt19937_64 rng = [] {
    std::random_device device;
    std::seed_seq seed{device(), device(), device(), device()};
    return std::mt19937_64(seed);
  }();
  auto hi = rng(), lo = rng();
  hi = (hi & ~0xf000ULL) | 0x4000ULL;                 // version 4
  lo = (lo & ~(3ULL << 62)) | (2ULL << 62);           // RFC 4122 variant
  return fmt::format("{:08x}-{:04x}-{:04x}-{:04x}-{:012x}", hi >> 32, (hi >> 16) & 0xffff, hi & 0xffff, lo >> 48,
                     lo & 0xffffffffffffULL);
}

stored_request store_first(const std::vector<queue::stream_entry>& entries, std::string_view prefix,
                           const std::function<std::string()>& fresh_id, std::deque<std::string>& storage) {
  // Each entity's entries, in the order the request gave them.
  std::map<entity_key, std::vector<std::size_t>> groups;
  std::vector<entity_key> order;
  for (std::size_t i = 0; i < entries.size(); ++i) {
    auto entity = entity_of(entries[i]);
    auto [it, fresh] = groups.try_emplace(entity);
    if (fresh) order.push_back(entity);
    it->second.push_back(i);
  }
  stored_request out;
  out.references.resize(entries.size());
  const auto& stored = storage.emplace_back(field::stored_kind);
  for (const auto& entity : order) {
    const auto& members = groups[entity];
    stored_object object;
    object.key = fmt::format("{}{}/{}/{}/{}.json", prefix, key_segment(entity.project), key_segment(entity.entity),
                             key_segment(entity.id), fresh_id());
    object.body.assign(1, '[');  // not = "[": GCC 12 warns falsely (-Wrestrict)
    const auto& key = storage.emplace_back(object.key);
    for (std::size_t place = 0; place < members.size(); ++place) {
      const auto& e = entries[members[place]];
      if (place > 0) object.body += ',';
      append_entry(object.body, e);
      auto& ref = out.references[members[place]];
      ref.shard = e.shard;
      ref.fields.reserve(6);
      ref.fields.emplace_back(field::kind, stored);
      ref.fields.emplace_back(field::object, key);
      ref.fields.emplace_back(field::index, storage.emplace_back(std::to_string(place)));
      ref.fields.emplace_back(field::trace_id, value_of(e, field::trace_id));
      ref.fields.emplace_back(field::received_at_us, value_of(e, field::received_at_us));
      ref.fields.emplace_back(field::bytes, value_of(e, field::bytes));
    }
    object.body += ']';
    out.objects.push_back(std::move(object));
  }
  return out;
}

}  // namespace tracepipe::ingest
