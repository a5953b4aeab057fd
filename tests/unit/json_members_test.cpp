// The scan that takes a run's payload fields out of its text: every member
// found with its exact text, strings with escaped quotes and backslashes
// not mistaken for the end, and whitespace outside strings noticed (the
// row builder then makes the run compact first).
#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

#include <simdjson.h>

#include "common/json_members.hpp"

namespace tracepipe::common {
namespace {

struct scanned {
  bool ok = false;
  bool compact = false;
  std::vector<std::pair<std::string, std::string>> members;
};

scanned scan(std::string_view json) {
  scanned s;
  std::vector<json_member> out;
  s.ok = json_object_members(json, out, s.compact);
  for (const auto& m : out) s.members.emplace_back(m.key, m.value);
  return s;
}

using pairs = std::vector<std::pair<std::string, std::string>>;

TEST(json_members, every_kind_of_value_with_its_exact_text) {
  auto s = scan(R"({"a":"x","b":{"c":[1,{"d":"}"}]},"e":[],"f":-1.5e3,"g":true,"h":null,"i":{}})");
  ASSERT_TRUE(s.ok);
  EXPECT_TRUE(s.compact);
  EXPECT_EQ(s.members, (pairs{{"a", R"("x")"},
                              {"b", R"({"c":[1,{"d":"}"}]})"},
                              {"e", "[]"},
                              {"f", "-1.5e3"},
                              {"g", "true"},
                              {"h", "null"},
                              {"i", "{}"}}));
}

TEST(json_members, escaped_quotes_and_backslashes_inside_strings) {
  auto s = scan(R"({"k\"ey":"a\"}b","x":"ends in a backslash\\","y":{"z":"\\\"{"},"w":1})");
  ASSERT_TRUE(s.ok);
  EXPECT_EQ(s.members, (pairs{{R"(k\"ey)", R"("a\"}b")"},
                              {"x", R"("ends in a backslash\\")"},
                              {"y", R"({"z":"\\\"{"})"},
                              {"w", "1"}}));
}

TEST(json_members, whitespace_outside_strings_is_not_compact) {
  auto inside = scan(R"({"a":"with spaces inside","b":{"c":" "}})");
  ASSERT_TRUE(inside.ok);
  EXPECT_TRUE(inside.compact);
  for (const char* spaced : {R"( {"a":1})", R"({"a": 1})", R"({"a":{"b":[1, 2]}})", R"({"a":1 })", "{\"a\":\n1}"}) {
    auto s = scan(spaced);
    ASSERT_TRUE(s.ok) << spaced;
    EXPECT_FALSE(s.compact) << spaced;
    ASSERT_EQ(s.members.size(), 1u) << spaced;
    EXPECT_EQ(s.members[0].first, "a") << spaced;
  }
  auto empty = scan("{}");
  ASSERT_TRUE(empty.ok);
  EXPECT_TRUE(empty.compact);
  EXPECT_TRUE(empty.members.empty());
}

TEST(json_members, not_an_object_or_cut_short_is_refused) {
  for (const char* bad : {"", "[1]", "\"s\"", "{\"a\"", "{\"a\":1", "{\"a\":1,", "{1:2}", "{\"unterminated"})
    EXPECT_FALSE(scan(bad).ok) << bad;
}

/// Random JSON with strings full of quotes, backslashes and brackets, at
/// every length around the 8-byte steps of the scan.
std::string random_value(std::mt19937& rng, int depth) {
  static const std::string_view pieces[] = {"a", "b", "\\\"", "\\\\", "{", "}", "[", "]", ",", ":", " ", "\xc3\xa9"};
  auto string = [&] {
    std::string out = "\"";
    for (int n = static_cast<int>(rng() % 20); n > 0; --n) out += pieces[rng() % std::size(pieces)];
    return out + "\"";
  };
  switch (depth > 3 ? rng() % 3 : rng() % 5) {
    case 0: return string();
    case 1: return std::to_string(static_cast<int>(rng() % 2000) - 1000);
    case 2: return rng() % 2 ? "true" : "null";
    case 3: {
      std::string out = "[";
      for (int n = static_cast<int>(rng() % 4); n > 0; --n) out += (out.size() > 1 ? "," : "") + random_value(rng, depth + 1);
      return out + "]";
    }
    default: {
      std::string out = "{";
      for (int n = static_cast<int>(rng() % 4); n > 0; --n)
        out += (out.size() > 1 ? "," : "") + string() + ":" + random_value(rng, depth + 1);
      return out + "}";
    }
  }
}

TEST(json_members, agree_with_the_parser_on_random_compact_objects) {
  std::mt19937 rng(7);
  simdjson::dom::parser parser;
  for (int i = 0; i < 2000; ++i) {
    std::string object = "{";
    for (int n = static_cast<int>(rng() % 6); n > 0; --n)
      object += std::string(object.size() > 1 ? "," : "") + "\"k" + std::to_string(n) + "\":" + random_value(rng, 1);
    object += "}";
    simdjson::dom::object parsed;
    ASSERT_EQ(parser.parse(object).get(parsed), simdjson::SUCCESS) << object;
    auto s = scan(object);
    ASSERT_TRUE(s.ok) << object;
    EXPECT_TRUE(s.compact) << object;
    ASSERT_EQ(s.members.size(), parsed.size()) << object;
    std::size_t k = 0;
    for (auto [key, value] : parsed) {
      EXPECT_EQ(s.members[k].first, key) << object;
      EXPECT_EQ(s.members[k].second, simdjson::minify(value)) << object;
      ++k;
    }
    std::vector<std::string_view> elements;
    std::string array = "[" + object + "," + object + "]";
    ASSERT_TRUE(json_array_elements(array, elements));
    ASSERT_EQ(elements.size(), 2u);
    EXPECT_EQ(elements[1], object);
  }
}

}  // namespace
}  // namespace tracepipe::common
