// common/base64: both directions, and what decoding refuses.
#include "common/base64.hpp"

#include <gtest/gtest.h>

#include <string>

namespace tracepipe::common {
namespace {

std::string encoded(std::string_view bytes) {
  std::string out;
  append_base64(out, bytes);
  return out;
}

TEST(base64, round_trips_every_byte_value_at_every_length_mod_3) {
  std::string all;
  for (int i = 0; i < 256; ++i) all += static_cast<char>(i);
  for (std::size_t n : {0u, 1u, 2u, 3u, 254u, 255u, 256u}) {
    auto text = encoded(all.substr(0, n));
    EXPECT_EQ(decode_base64(text), all.substr(0, n)) << n;
  }
  EXPECT_EQ(encoded("abc"), "YWJj");
  EXPECT_EQ(encoded("ab"), "YWI=");
}

TEST(base64, refuses_bad_alphabet_bad_padding_and_stray_bits) {
  EXPECT_FALSE(decode_base64("YW*j"));
  EXPECT_FALSE(decode_base64("YWI"));     // padding required by default
  EXPECT_FALSE(decode_base64("YWI=="));   // one '=' too many
  EXPECT_FALSE(decode_base64("Y"));       // one sextet is no byte
  EXPECT_FALSE(decode_base64("YWJ="));    // 'J' leaves non-zero bits after the last byte
  EXPECT_FALSE(decode_base64("-_8="));    // URL alphabet only when asked
}

TEST(base64, url_alphabet_and_missing_padding_when_asked) {
  EXPECT_EQ(decode_base64("-_8=", true), std::string("\xfb\xff", 2));
  EXPECT_EQ(decode_base64("YWI", true), "ab");
  EXPECT_FALSE(decode_base64("Y", true));
}

}  // namespace
}  // namespace tracepipe::common
