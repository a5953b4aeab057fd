// The JSON string escaping the sink renders every row with: its word-at-a-time
// fast path must give exactly what escaping byte by byte gives, wherever in a
// word the bytes that need escaping fall.
#include <gtest/gtest.h>

#include <random>
#include <string>

#include "common/json_out.hpp"

namespace tracepipe::sink {
namespace {

/// The obvious byte-by-byte escaper, as the reference.
std::string reference(std::string_view s) {
  static constexpr char hex[] = "0123456789abcdef";
  std::string out = "\"";
  for (unsigned char c : s) {
    if (c == '"') out += "\\\"";
    else if (c == '\\') out += "\\\\";
    else if (c == '\n') out += "\\n";
    else if (c == '\r') out += "\\r";
    else if (c == '\t') out += "\\t";
    else if (c < 0x20) out += std::string("\\u00") + hex[c >> 4] + hex[c & 15];
    else out += static_cast<char>(c);
  }
  return out + "\"";
}

std::string escaped(std::string_view s, std::string out = {}) {
  common::append_json_string(out, s);
  return out;
}

TEST(sink_json_escape, every_byte_at_every_offset_of_a_word) {
  for (int c = 0; c < 256; ++c)
    for (std::size_t at = 0; at < 17; ++at) {
      std::string s(17, 'a');
      s[at] = static_cast<char>(c);
      ASSERT_EQ(escaped(s), reference(s)) << "byte " << c << " at " << at;
    }
}

TEST(sink_json_escape, random_strings_of_every_short_length) {
  std::mt19937 random(7);
  // Mostly plain text with a few bytes that need escaping, and bytes ≥ 0x80.
  const std::string alphabet = std::string("abcXYZ019 {}:,\"\\\n\r\t\x01\x1f\x7f\x80\xc3\xa9\xff");
  for (int round = 0; round < 20000; ++round) {
    std::string s(random() % 40, ' ');
    for (auto& c : s) c = random() % 4 ? 'p' : alphabet[random() % alphabet.size()];
    ASSERT_EQ(escaped(s), reference(s)) << round;
  }
}

TEST(sink_json_escape, appends_after_what_is_there) {
  EXPECT_EQ(escaped("x\"y", "prefix:"), "prefix:\"x\\\"y\"");
  EXPECT_EQ(escaped(""), "\"\"");
}

}  // namespace
}  // namespace tracepipe::sink
