#pragma once
// Standard base64 (RFC 4648 §4, with padding): attachments in JSONEachRow
// rows, Basic credentials, OTLP ids sent the proto3-JSON way.
#include <optional>
#include <string>
#include <string_view>

namespace tracepipe::common {

/// Appends standard base64 of bytes (no quotes).
void append_base64(std::string& out, std::string_view bytes);

/// The bytes `text` encodes; nullopt when it is not padded standard base64
/// (or, with `url_alphabet_too`, its '-'/'_' form, which proto3 JSON readers
/// also take). Padding may be left off when `url_alphabet_too`.
std::optional<std::string> decode_base64(std::string_view text, bool url_alphabet_too = false);

}  // namespace tracepipe::common
