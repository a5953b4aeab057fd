// API key entries (config/api_keys), matching and project binding
// (ingest/api_keys), and the run reader's note of a named project.
#include "config/api_keys.hpp"
#include "ingest/api_keys.hpp"
#include "ingest/credentials.hpp"
#include "ingest/run_reader.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace tracepipe {
namespace {

using config::api_key;

const std::string abc_hex = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";  // SHA-256("abc")

TEST(api_key_entry, is_sha256_prefix_and_lower_case_hex) {
  EXPECT_EQ(ingest::api_key_entry("abc"), "sha256:" + abc_hex);
  EXPECT_EQ(ingest::api_key_entry("").size(), 7u + 64u);
}

TEST(parse_api_keys, hashes_with_and_without_project) {
  std::vector<api_key> keys;
  auto upper = abc_hex;
  for (auto& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  ASSERT_FALSE(config::parse_api_keys(" sha256:" + upper + " ,\nsha256:" + abc_hex + "@team-a@x\n,", keys));
  ASSERT_EQ(keys.size(), 2u);
  EXPECT_EQ(keys[0], (api_key{abc_hex, ""}));
  EXPECT_EQ(keys[1], (api_key{abc_hex, "team-a@x"}));
  ASSERT_FALSE(config::parse_api_keys("", keys));
  EXPECT_TRUE(keys.empty());
}

TEST(parse_api_keys, refuses_plain_keys_naming_the_entry_never_its_text) {
  const std::string bad[] = {"my-plain-key",       "sha256:" + abc_hex.substr(1), "sha256:" + abc_hex + "0",
                             "sha256:" + abc_hex + "@", "SHA256:" + abc_hex,       "sha256:" + abc_hex.substr(0, 63) + "g"};
  for (const auto& entry : bad) {
    std::vector<api_key> keys{{abc_hex, ""}};
    auto problem = config::parse_api_keys("sha256:" + abc_hex + "," + entry, keys);
    ASSERT_TRUE(problem) << entry;
    EXPECT_NE(problem->find("entry 2"), std::string::npos) << *problem;
    EXPECT_NE(problem->find("tracepipe key hash"), std::string::npos) << *problem;
    EXPECT_EQ(problem->find(entry), std::string::npos) << *problem;
    EXPECT_EQ(keys.size(), 1u) << "an invalid list leaves the keys as they were";
  }
}

TEST(match_api_key, finds_the_entry_of_the_key_sent) {
  std::vector<api_key> keys{{std::string(64, '0'), ""}, {abc_hex, "bound"}, {std::string(64, 'f'), ""}};
  const auto* k = ingest::match_api_key("abc", keys);
  ASSERT_NE(k, nullptr);
  EXPECT_EQ(k, &keys[1]);
  EXPECT_EQ(ingest::match_api_key("abd", keys), nullptr);
  EXPECT_EQ(ingest::match_api_key("", keys), nullptr);
  EXPECT_EQ(ingest::match_api_key(abc_hex, keys), nullptr) << "the hash itself is not a key";
  EXPECT_EQ(ingest::match_api_key("abc", {}), nullptr);
}

TEST(match_api_key, the_last_entry_matches_too) {
  std::vector<api_key> keys{{std::string(64, '0'), ""}, {abc_hex, ""}};
  EXPECT_EQ(ingest::match_api_key("abc", keys), &keys[1]);
}

ingest::run_op op(std::string project, bool named) {
  ingest::run_op o;
  o.run_id = "0190a5a3-0000-7000-8000-000000000001";
  o.project = std::move(project);
  o.project_named = named;
  return o;
}

TEST(bind_project, unbound_key_changes_nothing) {
  std::vector<ingest::run_op> ops{op("mine", true), op("default", false)};
  EXPECT_FALSE(ingest::bind_project({abc_hex, ""}, ops));
  EXPECT_EQ(ops[0].project, "mine");
  EXPECT_EQ(ops[1].project, "default");
}

TEST(bind_project, bound_key_sets_its_project_on_every_op) {
  std::vector<ingest::run_op> ops{op("team-a", true), op("default", false)};
  EXPECT_FALSE(ingest::bind_project({abc_hex, "team-a"}, ops));
  EXPECT_EQ(ops[0].project, "team-a");
  EXPECT_EQ(ops[1].project, "team-a");
}

TEST(bind_project, naming_another_project_is_403_and_changes_nothing) {
  std::vector<ingest::run_op> ops{op("default", false), op("team-b", true)};
  auto r = ingest::bind_project({abc_hex, "team-a"}, ops);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 403u);
  EXPECT_EQ(r->error, "project_forbidden");
  EXPECT_NE(r->detail.find("team-b"), std::string::npos) << r->detail;
  EXPECT_NE(r->detail.find("team-a"), std::string::npos) << r->detail;
  EXPECT_EQ(ops[0].project, "default");
}

TEST(run_reader, notes_whether_the_payload_named_a_project) {
  ingest::run_reader reader({});
  auto run = [](std::string extra) {
    return R"({"id":"0190a5a3-0000-7000-8000-000000000001","trace_id":"0190a5a3-0000-7000-8000-000000000001",)"
           R"("dotted_order":"20240101T000000000000Z0190a5a3-0000-7000-8000-000000000001",)"
           R"("name":"n","run_type":"chain")" + extra + "}";
  };
  const struct {
    std::string extra;
    std::string project;
    bool named;
  } cases[] = {{"", "default", false},
               {R"(,"session_name":"")", "default", false},
               {R"(,"session_name":"p")", "p", true},
               {R"(,"session_id":"s")", "s", true},
               {R"(,"session_name":"p","session_id":"s")", "p", true}};
  for (const auto& c : cases) {
    std::vector<ingest::run_op> ops;
    ASSERT_FALSE(reader.read_single_post(run(c.extra), ops)) << c.extra;
    EXPECT_EQ(ops[0].project, c.project) << c.extra;
    EXPECT_EQ(ops[0].project_named, c.named) << c.extra;
  }
}

TEST(presented_key, x_api_key_else_the_secret_of_basic_credentials) {
  boost::beast::http::request_header<> h;
  EXPECT_EQ(ingest::presented_key(h), "");
  h.set(boost::beast::http::field::authorization, "Basic cGstbGYtMTpzay1sZi0yOnRhaWw=");  // pk-lf-1:sk-lf-2:tail
  EXPECT_EQ(ingest::presented_key(h), "sk-lf-2:tail");
  h.set(boost::beast::http::field::authorization, "basic cGstbGYtMTpzay1sZi0yOnRhaWw=");
  EXPECT_EQ(ingest::presented_key(h), "sk-lf-2:tail");
  h.set("x-api-key", "lsv2-key");
  EXPECT_EQ(ingest::presented_key(h), "lsv2-key");
  h.erase("x-api-key");
  for (const char* bad : {"Bearer cGs6c2s=", "Basic not*base64", "Basic cGs=" /* "pk", no colon */, "Basic"}) {
    h.set(boost::beast::http::field::authorization, bad);
    EXPECT_EQ(ingest::presented_key(h), "") << bad;
  }
}

}  // namespace
}  // namespace tracepipe
