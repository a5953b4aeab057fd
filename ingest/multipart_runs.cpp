#include "ingest/multipart_runs.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <map>

#include "common/run_fields.hpp"
#include "common/text.hpp"

namespace tracepipe::ingest {
namespace {

constexpr std::string_view field_names[] = {"inputs", "outputs", "events", "extra", "error", "serialized"};

bool is_field(std::string_view f) {
  for (auto n : field_names)
    if (f == n) return true;
  return false;
}

bool is_json(std::string_view content_type) { return common::iequals(content_type, "application/json"); }

/// "post.<id>.inputs" → {"post", "<id>", "inputs"}; the rest may be empty.
struct part_name {
  std::string_view kind, id, rest;
  bool has_rest = false;  ///< a second dot, even with nothing after it
};

part_name split(std::string_view name) {
  part_name p;
  auto dot = name.find('.');
  p.kind = name.substr(0, dot);
  if (dot == std::string_view::npos) return p;
  name.remove_prefix(dot + 1);
  dot = name.find('.');
  p.id = name.substr(0, dot);
  if (dot != std::string_view::npos) {
    p.rest = name.substr(dot + 1);
    p.has_rest = true;
  }
  return p;
}

rejection bad_part(const multipart_part& part, std::string_view problem) {
  return {422, "invalid_multipart_part", fmt::format("part '{}' {}", part.name, problem)};
}

}  // namespace

std::optional<rejection> read_multipart_runs(const std::vector<multipart_part>& parts, run_reader& reader,
                                             std::vector<run_op>& out) {
  // Pass 1: the runs themselves, so field parts may come before or after them.
  std::map<std::pair<op_kind, std::string>, std::size_t> index;
  for (const auto& part : parts) {
    auto n = split(part.name);
    if ((n.kind != "post" && n.kind != "patch") || n.has_rest) continue;
    if (!is_json(part.content_type))
      return rejection{415, "unsupported_media_type",
                       fmt::format("part '{}' must be application/json, not '{}'", part.name, part.content_type)};
    if (out.size() >= reader.limits().max_runs)
      return rejection{413, "too_many_runs", fmt::format("the request has more than {} runs", reader.limits().max_runs)};
    run_op op;
    auto kind = n.kind == "post" ? op_kind::post : op_kind::patch;
    if (auto r = reader.read_part_run(part.body, kind, n.id, part.name, op)) return r;
    if (!index.emplace(std::pair{kind, op.run_id}, out.size()).second) return bad_part(part, "appears twice");
    out.push_back(std::move(op));
  }

  // Pass 2: field parts and attachments join their run.
  for (const auto& part : parts) {
    auto n = split(part.name);
    if (n.kind == "feedback") continue;
    if ((n.kind == "post" || n.kind == "patch") && !n.has_rest) continue;
    auto id = common::canonical_uuid(n.id);
    if (n.kind == "post" || n.kind == "patch") {
      if (!is_field(n.rest))
        return bad_part(part, "names no known field (inputs, outputs, events, extra, error, serialized)");
      if (!is_json(part.content_type))
        return rejection{415, "unsupported_media_type",
                         fmt::format("part '{}' must be application/json, not '{}'", part.name, part.content_type)};
      auto it = index.find({n.kind == "post" ? op_kind::post : op_kind::patch, id});
      if (it == index.end()) return bad_part(part, fmt::format("belongs to no {}.{} part of this request", n.kind, n.id));
      if (auto r = reader.check_field(part.body, n.rest, part.name)) return r;
      auto& op = out[it->second];
      for (const auto& existing : op.parts)
        if (existing.name == n.rest) return bad_part(part, "appears twice");
      op.parts.push_back({std::string(n.rest), std::string(part.content_type), part.body});
    } else if (n.kind == "attachment") {
      if (n.rest.empty() || n.rest.find('.') != std::string_view::npos)
        return bad_part(part, "must be attachment.<run_id>.<name> with a name without '.'");
      auto it = index.find({op_kind::post, id});
      if (it == index.end()) it = index.find({op_kind::patch, id});
      if (it == index.end()) return bad_part(part, "belongs to no run of this request");
      auto name = fmt::format("attachment.{}", n.rest);
      auto& op = out[it->second];
      for (const auto& existing : op.parts)
        if (existing.name == name) return bad_part(part, "appears twice");
      op.parts.push_back({std::move(name), std::string(part.content_type), part.body});
    } else {
      return bad_part(part, "is not post.<id>, patch.<id>, post.<id>.<field>, attachment.<id>.<name> or feedback.<id>");
    }
  }
  if (out.empty()) return rejection{422, "invalid_multipart_part", "the request has no post.<id> or patch.<id> part"};
  return std::nullopt;
}

}  // namespace tracepipe::ingest
