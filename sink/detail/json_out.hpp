#pragma once
// Writing JSONEachRow rows: string escaping and base64, appended in place.
#include <string>
#include <string_view>

namespace tracepipe::sink::detail {

/// Appends s as a JSON string literal (quotes included).
void append_json_string(std::string& out, std::string_view s);
/// Appends standard base64 of bytes (no quotes).
void append_base64(std::string& out, std::string_view bytes);

}  // namespace tracepipe::sink::detail
