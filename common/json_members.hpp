#pragma once
// The top-level members of a JSON object, or elements of an array, as spans
// of its text, found by one scan of text a parser has already validated.
// Ingest takes each run's text out of a compacted body this way, and the
// sink each payload field out of a run: re-serializing them from a parsed
// DOM was the largest cost per run on both sides.
#include <string_view>
#include <vector>

namespace tracepipe::common {

struct json_member {
  std::string_view key;    ///< as written between its quotes (escapes not decoded)
  std::string_view value;  ///< the value's text: "…", {…}, […], a number, true, false or null
};

/// Fills `out` with the members of the object `json`, in order, and says
/// whether the text is compact (no whitespace outside strings). The text
/// must already have been parsed as valid JSON; false when it is not an
/// object after all (nothing is promised about `out` then).
bool json_object_members(std::string_view json, std::vector<json_member>& out, bool& compact);

/// Fills `out` with the element texts of the array `json`, in order; false
/// when it is not an array. The same preconditions as above.
bool json_array_elements(std::string_view json, std::vector<std::string_view>& out);

}  // namespace tracepipe::common
