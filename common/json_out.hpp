#pragma once
// Writing JSON text: string escaping, appended in place (ingest's error
// answers, the sink's JSONEachRow rows, loadgen's summary.json).
#include <string>
#include <string_view>

namespace tracepipe::common {

/// Appends s as a JSON string literal (quotes included). Bytes ≥ 0x80 are
/// copied as they are: the caller vouches for UTF-8 (see valid_utf8_or_marked).
void append_json_string(std::string& out, std::string_view s);
/// s with every byte of an invalid UTF-8 sequence replaced by '?': for text
/// that quotes client bytes.
std::string valid_utf8_or_marked(std::string_view s);

}  // namespace tracepipe::common
