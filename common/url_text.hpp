#pragma once
// Percent-coding and query strings, by Boost.URL (RFC 3986): the S3
// signature's canonical URI and query, the ClickHouse query string, the
// read API's query parameters and the load generator's read targets.
#include <optional>
#include <string>
#include <string_view>

namespace tracepipe::common {

/// Every byte but the unreserved ones (A–Z a–z 0–9 - . _ ~), and '/' when
/// `keep_slash`, as %XX with upper-case hex digits.
std::string percent_encode(std::string_view s, bool keep_slash = false);

/// A query parameter of a request target ("/path?a=1&b=x%20y"), decoded
/// ('+' is a space); the first when repeated. nullopt when absent, or when
/// the target is not a valid origin-form URL — then `*error` says why.
std::optional<std::string> query_param(std::string_view target, std::string_view name, std::string* error);

}  // namespace tracepipe::common
