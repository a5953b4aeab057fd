#pragma once
// A request target's path as the routes know it.
#include <string_view>

namespace tracepipe::ingest {

/// The path without "/api/v1" (self-hosted LangSmith serves the API there
/// too; SDKs pointed at either URL work), the query string and a trailing
/// slash. Cut by hand, not parsed by Boost.URL as read queries are: it runs
/// for every request, writes included, and routing needs only the cut at '?'.
inline std::string_view api_path(std::string_view target) {
  target = target.substr(0, target.find('?'));
  constexpr std::string_view prefix = "/api/v1";
  if (target.starts_with(prefix)) target.remove_prefix(prefix.size());
  if (target.size() > 1 && target.back() == '/') target.remove_suffix(1);
  return target;
}

}  // namespace tracepipe::ingest
