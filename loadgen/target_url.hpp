#pragma once
// The load target's base URL split for Beast: host, port, and a path prefix
// such as /api/v1 that every request target keeps.
#include <string>

namespace tracepipe::loadgen {

struct url_parts {
  std::string host, port, prefix;
};

/// http://host[:port][/prefix]; throws std::runtime_error otherwise (https is not supported).
url_parts split_url(const std::string& url);

}  // namespace tracepipe::loadgen
