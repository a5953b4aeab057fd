#pragma once
// ingest.api_keys entries: `sha256:<64 hex>` or `sha256:<64 hex>@project`.
// Only hashes are configured, so a leaked config file leaks no key.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config/settings.hpp"

namespace tracepipe::config {

/// Parses a comma- or newline-separated list of entries into `out`. The error
/// names the bad entry by its 1-based position, never by its text (it may be
/// a plain key pasted by mistake).
std::optional<std::string> parse_api_keys(std::string_view text, std::vector<api_key>& out);

}  // namespace tracepipe::config
