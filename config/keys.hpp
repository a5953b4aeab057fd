#pragma once
// The table of configuration keys: the one place a key is defined, with its
// default, unit and sentence. The loader, `--help` and README's limits table
// are all generated from it.
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config/settings.hpp"

namespace tracepipe::config {

/// Which subcommands a key belongs to.
enum class section { redis, ingest, clickhouse, s3, worker };

/// "redis", "ingest", … — also the first part of every key name of the section.
std::string_view section_name(section s);

struct key {
  std::string name;         ///< dotted name, also the YAML path: "ingest.body_limit"
  section group;
  std::string flag;         ///< "--body-limit"
  std::string default_text; ///< as a user would write it
  std::string unit;         ///< "bytes", "ms", "count", …
  std::string help;         ///< one sentence
  std::vector<std::string> env_aliases;  ///< standard names read too, e.g. REDIS_URL
  bool secret = false;      ///< never echoed back in errors or help
  /// Stores the text into settings; returns an error message when it is invalid.
  std::function<std::optional<std::string>(settings&, std::string_view)> apply;

  /// TRACEPIPE_INGEST_BODY_LIMIT for "ingest.body_limit".
  std::string env_name() const;
};

const std::vector<key>& keys();
const key* find_key(std::string_view name);

}  // namespace tracepipe::config
