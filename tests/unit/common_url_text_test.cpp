#include <gtest/gtest.h>

#include "common/url_text.hpp"

namespace tracepipe::common {
namespace {

TEST(url_text, percent_encode_keeps_the_unreserved_only) {
  EXPECT_EQ(percent_encode("AZaz09-._~"), "AZaz09-._~");
  EXPECT_EQ(percent_encode("a b/c+d&é"), "a%20b%2Fc%2Bd%26%C3%A9");
  EXPECT_EQ(percent_encode("a b/c", true), "a%20b/c");
  EXPECT_EQ(percent_encode(""), "");
}

TEST(url_text, query_param_is_decoded_absent_or_a_malformed_target_said) {
  std::string error;
  EXPECT_EQ(query_param("/sessions?name=my+proj%2Fx&x=1", "name", &error), "my proj/x");
  EXPECT_EQ(query_param("/sessions?x=1&name=a&name=b", "name", &error), "a") << "the first";
  EXPECT_EQ(query_param("/sessions?name=", "name", &error), "");
  EXPECT_FALSE(query_param("/sessions?x=1", "name", &error));
  EXPECT_FALSE(query_param("/sessions", "name", &error));
  EXPECT_EQ(error, "");
  EXPECT_FALSE(query_param("/sessions?name=%zz", "name", &error));
  EXPECT_NE(error, "");
  EXPECT_EQ(query_param("/sessions?name=" + percent_encode("a&b=c d"), "name", &error), "a&b=c d") << "round trip";
}

}  // namespace
}  // namespace tracepipe::common
