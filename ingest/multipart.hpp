#pragma once
// Sans-io multipart/form-data (RFC 7578 over RFC 2046 framing) for a request
// body already complete in memory: the parts come back as views into it.
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "ingest/rejection.hpp"

namespace tracepipe::ingest {

/// One form-data part; every view points into the body given to parse_multipart.
struct multipart_part {
  std::string_view name;          ///< Content-Disposition: form-data; name="…" (never empty)
  std::string_view content_type;  ///< media type as sent, without parameters; compare case-insensitively; empty when absent
  std::string_view body;          ///< the part's bytes, exactly
};

/// Longest header section of one part (RFC 7578 sets no limit; 8 KiB is generous for SDK parts).
inline constexpr std::size_t max_part_header_bytes = 8 * 1024;

/// The boundary parameter of a Content-Type header value such as
/// `multipart/form-data; boundary=----x`: 415 "unsupported_media_type" when the
/// media type is not multipart/form-data, 400 "invalid_multipart" when the
/// boundary is missing, longer than 70 chars or holds a control character.
std::variant<std::string, rejection> multipart_boundary(std::string_view content_type_header);

/// Splits body into its parts (appended to out, which is cleared first) in one
/// linear pass. A declared part length (a `Content-Length` part header, as the
/// Python SDK sends, or `; length=N` on the part's Content-Type, as the JS SDK
/// sends) must equal the framed length. Errors: 400 "invalid_multipart" with a
/// detail naming the part (counted from 1) and its name when known; 413
/// "too_many_parts" past max_parts. On error out holds the parts before it.
std::optional<rejection> parse_multipart(std::string_view body, std::string_view boundary,
                                         std::size_t max_parts, std::vector<multipart_part>& out);

}  // namespace tracepipe::ingest
