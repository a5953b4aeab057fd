#pragma once
// Request body decoding per Content-Encoding, with the decoded size capped while
// decoding so that a small compressed "bomb" never grows past the cap.
#include <cstddef>
#include <string>
#include <string_view>
#include <variant>

#include "ingest/rejection.hpp"

namespace tracepipe::ingest {

/// Decodes body per its Content-Encoding: "" or "identity" (the body itself, no
/// copy), "gzip"/"x-gzip" (concatenated members allowed) or "zstd" (several
/// frames allowed); case-insensitive, surrounding blanks ignored. The result
/// views either body or storage, which holds the decoded bytes.
/// Rejections: 415 "unsupported_encoding" for any other encoding; 400
/// "invalid_encoding" for corrupt or truncated data or trailing bytes after the
/// last member/frame; 413 "decompressed_too_large" past `limit` decoded bytes
/// (also for an identity body); 500 "internal_error" if the library cannot
/// allocate its state. storage never grows past limit + 1 bytes.
std::variant<std::string_view, rejection> decode_body(std::string_view encoding, std::string_view body,
                                                      std::size_t limit, std::string& storage);

}  // namespace tracepipe::ingest
