// valid_utf8_or_marked: refusal details quote client bytes, and the body must
// stay JSON a strict parser accepts (found by fuzz/http_request_fuzz: a 404
// for a target holding FF AD AD answered invalid UTF-8).
#include <gtest/gtest.h>

#include <simdjson.h>

#include <string>

#include "common/json_out.hpp"
#include "ingest/routes.hpp"

namespace tracepipe::ingest {
namespace {

TEST(valid_utf8_or_marked, keeps_valid_sequences) {
  const std::string ok[] = {"plain", "\xc3\xa9", "\xe2\x82\xac", "\xf0\x9f\x98\x80", "\xef\xbf\xbf",
                            "\xf4\x8f\xbf\xbf", "\xed\x9f\xbf", "\xe0\xa0\x80", "\xf0\x90\x80\x80"};
  for (const auto& s : ok) EXPECT_EQ(common::valid_utf8_or_marked(s), s);
}

TEST(valid_utf8_or_marked, marks_every_invalid_form) {
  // lead bytes F5–FF, overlong forms, surrogates, above U+10FFFF, stray and cut-short sequences
  const std::pair<std::string, std::string> cases[] = {
      {"\xff\xad\xad", "???"},     {"\xf5\x80\x80\x80", "????"}, {"\xf8\x88\x80\x80\x80", "?????"},
      {"\xe0\x80\xaf", "???"},     {"\xc0\xaf", "??"},           {"\xf0\x80\x80\xaf", "????"},
      {"\xed\xa0\x80", "???"},     {"\xed\xbf\xbf", "???"},      {"\xf4\x90\x80\x80", "????"},
      {"a\x80z", "a?z"},           {"\xe2\x82", "??"},
  };
  for (const auto& [in, want] : cases) EXPECT_EQ(common::valid_utf8_or_marked(in), want) << testing::PrintToString(in);
}

TEST(valid_utf8_or_marked, refusal_quoting_any_target_is_json) {
  // The fuzzer's input, shortened: GET with this target → 404 quoting it.
  std::string target = "?i" + std::string(8, '\xad') + "\xff\xff\xff\xff" + std::string(8, '\xad') + "nf\xff\xef\xff";
  auto o = refuse(route::other, {404, "not_found", "no route for " + target});
  simdjson::dom::parser parser;
  simdjson::dom::object obj;
  ASSERT_EQ(parser.parse(o.body).get(obj), simdjson::SUCCESS) << o.body;
  for (int b = 0x80; b <= 0xff; ++b)
    for (int c = 0x80; c <= 0xbf; c += 0x0f) {
      std::string s{static_cast<char>(b), static_cast<char>(c), static_cast<char>(0xbf), static_cast<char>(0xbf)};
      auto body = refuse(route::other, {404, "not_found", s}).body;
      EXPECT_EQ(parser.parse(body).get(obj), simdjson::SUCCESS) << testing::PrintToString(s);
    }
}

}  // namespace
}  // namespace tracepipe::ingest
