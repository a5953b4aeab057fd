#include "ingest/routes.hpp"

#include <gtest/gtest.h>

#include <simdjson.h>

#include <string>

namespace tracepipe::ingest {
namespace {

using http::verb;

constexpr std::string_view run_id = "0f8fad5b-d9cb-469f-a165-70867728950e";

struct route_case {
  verb method;
  std::string target;
  route want;
};

std::string with_id(std::string_view prefix, std::string_view suffix = "") {
  return std::string(prefix) + std::string(run_id) + std::string(suffix);
}

TEST(route_of, every_path_and_method) {
  const route_case cases[] = {
      {verb::get, "/info", route::info},
      {verb::head, "/info", route::info},
      {verb::post, "/info", route::other},
      {verb::get, "/ok", route::ok},
      {verb::head, "/ok", route::ok},
      {verb::get, "/health", route::ok},
      {verb::get, "/livez", route::ok},
      {verb::post, "/ok", route::other},
      {verb::get, "/ready", route::ready},
      {verb::get, "/readyz", route::ready},
      {verb::delete_, "/ready", route::other},
      {verb::get, "/metrics", route::metrics},
      {verb::put, "/metrics", route::other},
      {verb::post, "/runs", route::post_run},
      {verb::get, "/runs", route::other},
      {verb::put, "/runs", route::other},
      {verb::patch, "/runs", route::other},
      {verb::post, "/runs/batch", route::batch},
      {verb::get, "/runs/batch", route::other},
      {verb::patch, "/runs/batch", route::other},
      {verb::post, "/runs/multipart", route::multipart},
      {verb::put, "/runs/multipart", route::other},
      {verb::patch, "/runs/multipart", route::other},
      {verb::patch, with_id("/runs/"), route::patch_run},
      {verb::post, with_id("/runs/"), route::other},
      {verb::get, with_id("/runs/"), route::read_run},
      {verb::head, with_id("/runs/"), route::read_run},
      {verb::post, "/runs/query", route::query_runs},
      {verb::get, "/runs/query", route::other},
      {verb::get, "/sessions", route::sessions},
      {verb::get, "/api/v1/sessions", route::sessions},
      {verb::post, "/sessions", route::other},
      {verb::post, "/api/public/ingestion", route::langfuse_ingestion},
      {verb::post, "/api/public/ingestion/", route::langfuse_ingestion},
      {verb::get, "/api/public/ingestion", route::other},
      {verb::patch, "/runs/anything", route::patch_run},  // the id is checked when the body is read
      // OTLP/HTTP traces: LangSmith's spellings and Langfuse's
      {verb::post, "/otel/v1/traces", route::otlp_traces},
      {verb::post, "/otel", route::otlp_traces},
      {verb::post, "/otel/", route::otlp_traces},
      {verb::post, "/api/v1/otel", route::otlp_traces},
      {verb::post, "/api/v1/otel/v1/traces", route::otlp_traces},
      {verb::post, "/api/public/otel/v1/traces", route::otlp_traces},
      {verb::get, "/otel/v1/traces", route::other},
      {verb::post, "/otel/v1/logs", route::other},
      {verb::post, "/v1/traces", route::otlp_traces},
      {verb::patch, with_id("/runs/", "/share"), route::other},
      // /api/v1 prefix
      {verb::get, "/api/v1/info", route::info},
      {verb::get, "/api/v1/ok", route::ok},
      {verb::get, "/api/v1/metrics", route::metrics},
      {verb::post, "/api/v1/runs", route::post_run},
      {verb::post, "/api/v1/runs/batch", route::batch},
      {verb::post, "/api/v1/runs/multipart", route::multipart},
      {verb::patch, with_id("/api/v1/runs/"), route::patch_run},
      // trailing slash
      {verb::get, "/info/", route::info},
      {verb::post, "/runs/", route::post_run},
      {verb::post, "/runs/batch/", route::batch},
      {verb::post, "/api/v1/runs/multipart/", route::multipart},
      {verb::patch, with_id("/runs/", "/"), route::patch_run},
      // query strings
      {verb::get, "/info?x=1", route::info},
      {verb::post, "/runs?x=1", route::post_run},
      {verb::post, "/runs/batch?compress=zstd&x=/y", route::batch},
      {verb::post, "/api/v1/runs/multipart?a=b", route::multipart},
      {verb::post, "/runs/batch/?a", route::batch},
      {verb::patch, with_id("/runs/", "?x=1"), route::patch_run},
      {verb::get, "/ok?", route::ok},
      // unknown
      {verb::get, "/", route::other},
      {verb::get, "", route::other},
      {verb::get, "?", route::other},
      {verb::get, "/api/v1", route::other},
      {verb::get, "/api/v1/", route::other},
      {verb::post, "/api/v2/runs", route::other},
      {verb::post, "/api/runs", route::other},
      {verb::post, "/api/v1runs", route::other},
      {verb::post, "/api/v1/api/v1/runs", route::other},
      {verb::post, "/runss", route::other},
      {verb::post, "/Runs", route::other},
      {verb::get, "/INFO", route::other},
      {verb::post, "/runs/batch/extra", route::other},
      {verb::post, "runs", route::other},
      {verb::get, "/info//", route::other},
      {verb::post, "/v1/runs", route::other},
      {verb::post, "/api/public/ingestion/v1/traces", route::other},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(route_of(c.method, c.target), c.want)
        << http::to_string(c.method) << " " << c.target << ": got " << route_label(route_of(c.method, c.target))
        << ", want " << route_label(c.want);
  }
}

struct parsed_refusal {
  std::string error, detail;
  std::size_t fields = 0;
};

/// Parses a refusal body, failing the test when it is not a JSON object of two strings.
parsed_refusal parse_refusal(const std::string& body) {
  parsed_refusal out;
  simdjson::dom::parser parser;
  simdjson::dom::object obj;
  auto err = parser.parse(body).get(obj);
  EXPECT_EQ(err, simdjson::SUCCESS) << simdjson::error_message(err) << "\n" << body;
  if (err) return out;
  std::string_view s;
  EXPECT_EQ(obj["error"].get(s), simdjson::SUCCESS) << body;
  out.error = std::string(s);
  s = {};
  EXPECT_EQ(obj["detail"].get(s), simdjson::SUCCESS) << body;
  out.detail = std::string(s);
  out.fields = obj.size();
  return out;
}

TEST(refuse, status_route_and_retry_after) {
  const std::pair<unsigned, bool> cases[] = {{400, false}, {401, false}, {404, false}, {405, false}, {408, false},
                                             {413, false}, {415, false}, {422, false}, {431, false}, {500, false},
                                             {429, true},  {503, true}};
  for (auto [status, retry] : cases) {
    SCOPED_TRACE(status);
    auto o = refuse(route::batch, {status, "some_error", "what went wrong"});
    EXPECT_EQ(o.which, route::batch);
    EXPECT_EQ(o.status, status);
    EXPECT_EQ(o.retry_after, retry);
    EXPECT_EQ(o.content_type, "application/json");
    EXPECT_TRUE(o.ops.empty());
    EXPECT_EQ(o.body, R"({"error":"some_error","detail":"what went wrong"})");
    auto parsed = parse_refusal(o.body);
    EXPECT_EQ(parsed.error, "some_error");
    EXPECT_EQ(parsed.detail, "what went wrong");
    EXPECT_EQ(parsed.fields, 2u);
  }
}

struct escape_case {
  std::string name;
  std::string detail;
  std::string decoded;  ///< the detail as a JSON parser reads it back
};

TEST(refuse, body_is_valid_json_whatever_the_detail_holds) {
  const escape_case cases[] = {
      {"plain", "post[1].trace_id is required", "post[1].trace_id is required"},
      {"empty", "", ""},
      {"quotes", R"(part 'x' "quoted" value)", R"(part 'x' "quoted" value)"},
      {"backslashes", R"(C:\path\to\file \u0041 \")", R"(C:\path\to\file \u0041 \")"},
      {"newlines", "line one\nline two\r\nend", "line one\nline two\r\nend"},
      {"tab", "a\tb", "a\tb"},
      {"control characters", std::string("nul\0soh\x01 bel\x07 bs\b ff\f esc\x1b us\x1f", 30),
       std::string("nul\0soh\x01 bel\x07 bs\b ff\f esc\x1b us\x1f", 30)},
      {"delete", "del\x7f", "del\x7f"},
      {"slash and braces", R"(</script> {"a":1} [x])", R"(</script> {"a":1} [x])"},
      // Valid UTF-8 passes; each byte of an invalid sequence becomes '?'.
      {"UTF-8", "caf\xc3\xa9 \xe2\x9c\x93", "caf\xc3\xa9 \xe2\x9c\x93"},
      {"invalid UTF-8", "bad \xff\xfe byte \xc3", "bad ?? byte ?"},
      {"overlong encoding", "\xc0\xaf", "??"},
      {"long", std::string(100'000, 'x') + "\"", std::string(100'000, 'x') + "\""},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    auto o = refuse(route::multipart, {422, "invalid_run", c.detail});
    // no raw control character may reach the body (UTF-8 is checked by the parse below)
    std::size_t raw = 0;
    for (unsigned char ch : o.body) raw += ch < 0x20;
    EXPECT_EQ(raw, 0u) << o.body.substr(0, 200);
    auto parsed = parse_refusal(o.body);
    EXPECT_EQ(parsed.error, "invalid_run");
    EXPECT_EQ(parsed.detail, c.decoded);
    EXPECT_EQ(parsed.fields, 2u);
  }
}

TEST(refuse, error_code_is_escaped_too) {
  auto o = refuse(route::other, {404, "a\"b\\c\n", "d"});
  auto parsed = parse_refusal(o.body);
  EXPECT_EQ(parsed.error, "a\"b\\c\n");
  EXPECT_EQ(parsed.detail, "d");
  EXPECT_EQ(o.which, route::other);
}

TEST(refuse, control_characters_use_lower_case_u_escapes) {
  auto o = refuse(route::ok, {503, "queue_unavailable", std::string("\x01\x1f", 2)});
  EXPECT_EQ(o.body, R"({"error":"queue_unavailable","detail":"\u0001\u001f"})");
  EXPECT_TRUE(o.retry_after);
}

}  // namespace
}  // namespace tracepipe::ingest
