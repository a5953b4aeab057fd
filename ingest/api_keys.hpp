#pragma once
// API key checks: which configured key (if any) a request's x-api-key is, and
// what a key bound to a project allows. Keys are configured as SHA-256 hashes
// (config/api_keys.hpp); a request's key is hashed and compared to each.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config/settings.hpp"
#include "ingest/rejection.hpp"
#include "ingest/run_op.hpp"

namespace tracepipe::ingest {

/// "sha256:<hex>" of `key` — the entry `tracepipe key hash` prints.
std::string api_key_entry(std::string_view key);

/// The entry whose hash is SHA-256(`given`), or nullptr. Every entry is
/// compared in full, so the time taken tells nothing about which entry, if
/// any, is close to the key sent.
const config::api_key* match_api_key(std::string_view given, const std::vector<config::api_key>& keys);

/// For a key bound to a project: every op gets that project; an op naming
/// another one (session_name / session_id) refuses the whole request (403).
std::optional<rejection> bind_project(const config::api_key& key, std::vector<run_op>& ops);

}  // namespace tracepipe::ingest
