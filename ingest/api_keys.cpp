#include "ingest/api_keys.hpp"

#include <fmt/format.h>

#include "common/sha256.hpp"

namespace tracepipe::ingest {

std::string api_key_entry(std::string_view key) { return "sha256:" + common::sha256_hex(key); }

const config::api_key* match_api_key(std::string_view given, const std::vector<config::api_key>& keys) {
  auto hex = common::sha256_hex(given);
  const config::api_key* found = nullptr;
  for (const auto& k : keys) {
    // Entries are validated to 64 hex digits, as long as `hex`.
    unsigned diff = k.sha256_hex.size() != hex.size();
    for (std::size_t i = 0; i < hex.size() && i < k.sha256_hex.size(); ++i)
      diff |= static_cast<unsigned char>(hex[i] ^ k.sha256_hex[i]);
    if (diff == 0) found = &k;
  }
  return found;
}

std::optional<rejection> bind_project(const config::api_key& key, std::vector<run_op>& ops) {
  if (key.project.empty()) return std::nullopt;
  for (const auto& op : ops)
    if (op.project_named && op.project != key.project)
      return rejection{403, "project_forbidden",
                       fmt::format("run {} names project '{}', but this API key may only write to project '{}'",
                                   op.run_id, op.project, key.project)};
  for (auto& op : ops) op.project = key.project;
  return std::nullopt;
}

}  // namespace tracepipe::ingest
