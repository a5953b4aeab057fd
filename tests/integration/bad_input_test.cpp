// The bad-input table: each malformed, oversized or unauthorized request gets
// its exact status and error code, and nothing at all reaches the stream.
#include <gtest/gtest.h>
#include <simdjson.h>

#include "ingest/api_keys.hpp"
#include "ingest_harness.hpp"
#include "loadgen/http_client.hpp"
#include "loadgen/run_factory.hpp"
#include "loadgen/wire_format.hpp"
#include "sink/clickhouse_client.hpp"

namespace tracepipe::test {
namespace {

using headers = std::map<std::string, std::string>;

struct bad_case {
  std::string name;
  std::string method;
  std::string path;
  headers hdrs;
  std::string body;
  unsigned status;
  std::string error;  ///< the "error" field of the JSON answer
};

const loadgen::generated_run& sample_run() {
  static auto run = loadgen::run_factory(42).trace({1, 50, "bad"})[0];
  return run;
}

/// A valid post with one field replaced (or removed when value is empty).
std::string post_with(const std::string& field, const std::string& value) {
  auto json = sample_run().post_json();
  auto key = "\"" + field + "\":";
  auto start = json.find(key);
  if (start == std::string::npos) return json.substr(0, json.size() - 1) + "," + key + value + "}";
  // The field's value ends at the next top-level comma: fine for the scalar fields replaced here.
  auto end = json.find(",\"", start + key.size());
  if (value.empty()) return json.erase(start, end + 1 - start);
  return json.replace(start, end - start, key + value);
}

std::string batch_of(const std::string& run) { return R"({"post":[)" + run + "]}"; }

std::string gzip_of_zeros(std::size_t n) {
  std::string out;
  EXPECT_TRUE(sink::compress_body(sink::body_compression::gzip, std::string(n, '\0'), out));
  return out;
}

std::string multipart(const std::vector<std::pair<std::string, std::string>>& parts, bool close = true,
                      const std::string& type = "application/json") {
  std::string body;
  for (const auto& [name, bytes] : parts)
    body += "--B\r\nContent-Disposition: form-data; name=\"" + name + "\"\r\nContent-Type: " + type + "\r\n\r\n" +
            bytes + "\r\n";
  if (close) body += "--B--\r\n";
  return body;
}

std::vector<bad_case> cases() {
  const auto& r = sample_run();
  headers json{{"content-type", "application/json"}};
  headers mp{{"content-type", "multipart/form-data; boundary=B"}};
  auto with = [](headers h, std::string k, std::string v) { h[k] = v; return h; };
  std::string deep = std::string(40, '[') + std::string(40, ']');
  std::string many;
  for (int i = 0; i < 101; ++i) many += (i ? "," : "") + r.post_json();
  std::string many_parts;
  for (int i = 0; i < 60; ++i) many_parts += "--B\r\nContent-Disposition: form-data; name=\"feedback." + r.id + "\"\r\n\r\n{}\r\n";
  many_parts += "--B--\r\n";
  auto child = loadgen::run_factory(43).trace({2, 10, "bad"})[1];
  return {
      {"malformed JSON", "POST", "/runs/batch", json, R"({"post":[{"id":)", 400, "invalid_json"},
      {"empty body", "POST", "/runs", json, "", 400, "invalid_json"},
      {"invalid UTF-8", "POST", "/runs", json, "{\"name\":\"\xff\xfe\"}", 400, "invalid_json"},
      {"number out of range", "POST", "/runs/batch", json, R"({"post":[{"x":1e999}]})", 400, "invalid_json"},
      {"nested past json_depth", "POST", "/runs/batch", json, R"({"post":)" + deep + "}", 400, "json_too_deep"},
      {"batch is an array", "POST", "/runs/batch", json, "[" + r.post_json() + "]", 422, "invalid_batch"},
      {"post is not an array", "POST", "/runs/batch", json, R"({"post":{}})", 422, "invalid_batch"},
      {"run is not an object", "POST", "/runs/batch", json, R"({"post":[42]})", 422, "invalid_run"},
      {"missing id", "POST", "/runs/batch", json, batch_of(post_with("id", "")), 422, "invalid_run"},
      {"missing trace_id", "POST", "/runs/batch", json, batch_of(post_with("trace_id", "")), 422, "invalid_run"},
      {"missing dotted_order", "POST", "/runs", json, post_with("dotted_order", ""), 422, "invalid_run"},
      {"bad id UUID", "POST", "/runs", json, post_with("id", "\"not-a-uuid\""), 422, "invalid_run"},
      {"bad trace_id UUID", "POST", "/runs", json, post_with("trace_id", "\"1234\""), 422, "invalid_run"},
      {"bad run_type", "POST", "/runs", json, post_with("run_type", "\"agent\""), 422, "invalid_run"},
      {"missing run_type", "POST", "/runs", json, post_with("run_type", ""), 422, "invalid_run"},
      {"missing name", "POST", "/runs", json, post_with("name", ""), 422, "invalid_run"},
      {"bad start_time", "POST", "/runs", json, post_with("start_time", "\"yesterday\""), 422, "invalid_run"},
      {"negative start_time", "POST", "/runs", json, post_with("start_time", "-5"), 422, "invalid_run"},
      {"dotted_order of another run", "POST", "/runs", json, post_with("dotted_order", "\"" + child.dotted_order + "\""),
       422, "invalid_run"},
      {"inputs not an object", "POST", "/runs", json, post_with("inputs", "[1,2]"), 422, "invalid_run"},
      {"tags not an array", "POST", "/runs", json, post_with("tags", "\"a\""), 422, "invalid_run"},
      {"one bad run spoils the batch", "POST", "/runs/batch", json,
       R"({"post":[)" + r.post_json() + "," + post_with("id", "\"x\"") + "]}", 422, "invalid_run"},
      {"duplicate ids in one batch", "POST", "/runs/batch", json,
       R"({"post":[)" + r.post_json() + "," + r.post_json() + "]}", 422, "invalid_run"},
      {"PATCH id not a UUID", "PATCH", "/runs/123", json, r.patch_json(), 422, "invalid_run"},
      {"PATCH body id differs", "PATCH", "/runs/" + child.id, json, r.patch_json(), 422, "invalid_run"},
      {"too many runs", "POST", "/runs/batch", json, R"({"post":[)" + many + "]}", 413, "too_many_runs"},
      {"text/plain body", "POST", "/runs/batch", with(json, "content-type", "text/plain"), batch_of(r.post_json()),
       415, "unsupported_media_type"},
      {"JSON to the multipart route", "POST", "/runs/multipart", json, batch_of(r.post_json()), 415,
       "unsupported_media_type"},
      {"multipart without boundary", "POST", "/runs/multipart", with(mp, "content-type", "multipart/form-data"),
       multipart({{"post." + r.id, r.post_json()}}), 400, "invalid_multipart"},
      {"multipart never closed", "POST", "/runs/multipart", mp, multipart({{"post." + r.id, r.post_json()}}, false),
       400, "invalid_multipart"},
      {"multipart wrong part length", "POST", "/runs/multipart", mp,
       "--B\r\nContent-Disposition: form-data; name=\"post." + r.id +
           "\"\r\nContent-Type: application/json; length=5\r\n\r\n" + r.post_json() + "\r\n--B--\r\n",
       400, "invalid_multipart"},
      {"multipart part for an unknown run", "POST", "/runs/multipart", mp,
       multipart({{"post." + r.id, r.post_json()}, {"post." + child.id + ".inputs", "{}"}}), 422,
       "invalid_multipart_part"},
      {"multipart unknown part name", "POST", "/runs/multipart", mp,
       multipart({{"post." + r.id, r.post_json()}, {"comment." + r.id, "{}"}}), 422, "invalid_multipart_part"},
      {"multipart run part not JSON", "POST", "/runs/multipart", mp, multipart({{"post." + r.id, r.post_json()}}, true, "text/plain"),
       415, "unsupported_media_type"},
      {"multipart too many parts", "POST", "/runs/multipart", mp, many_parts, 413, "too_many_parts"},
      {"unknown content encoding", "POST", "/runs/batch", with(json, "content-encoding", "br"), batch_of(r.post_json()),
       415, "unsupported_encoding"},
      {"corrupt gzip", "POST", "/runs/batch", with(json, "content-encoding", "gzip"), "\x1f\x8bnot gzip at all", 400,
       "invalid_encoding"},
      {"gzip bomb past the cap", "POST", "/runs/batch", with(json, "content-encoding", "gzip"), gzip_of_zeros(8 << 20),
       413, "decompressed_too_large"},
      {"body over the limit", "POST", "/runs/batch", json, std::string(300 * 1024, ' '), 413, "body_too_large"},
      {"unknown route", "POST", "/runs/everything/else", json, "{}", 404, "not_found"},
      {"wrong method", "GET", "/runs/batch", {}, "", 405, "method_not_allowed"},
  };
}

config::settings limited_settings(const std::string& name) {
  auto s = test_settings(name);
  s.ingest.body_limit = 256 * 1024;
  s.ingest.decompressed_limit = 1 << 20;
  s.ingest.max_runs_per_request = 100;
  s.ingest.max_parts = 50;
  s.ingest.json_depth = 32;
  s.ingest.header_limit = 4096;
  return s;
}

void expect_refused(unsigned status, const std::string& body, unsigned want_status, const std::string& want_error,
                    const std::string& name) {
  EXPECT_EQ(status, want_status) << name << ": " << body;
  simdjson::dom::parser p;
  simdjson::dom::element doc;
  ASSERT_EQ(p.parse(body).get(doc), simdjson::SUCCESS) << name << ": answer is not JSON: " << body;
  std::string_view error, detail;
  EXPECT_EQ(doc["error"].get(error), simdjson::SUCCESS) << name;
  EXPECT_EQ(error, want_error) << name << ": " << body;
  EXPECT_EQ(doc["detail"].get(detail), simdjson::SUCCESS) << name;
  EXPECT_FALSE(detail.empty()) << name;
}

TEST(IngestBadInput, EveryCaseRefusedAndNothingEnqueued) {
  ingest_under_test ingest(limited_settings("bad"));
  auto table = cases();
  ASSERT_GE(table.size(), 30u);
  for (const auto& c : table) {
    loadgen::http_client client(ingest.url());
    auto a = client.request(c.method, c.path, c.body, c.hdrs);
    expect_refused(a.status, a.body, c.status, c.error, c.name);
    EXPECT_EQ(redis_probe().xlen(ingest.stream()), 0) << c.name << " enqueued something";
  }
  // The same server still accepts a good request afterwards.
  loadgen::http_client client(ingest.url());
  auto ok = client.request("POST", "/runs", sample_run().post_json(), {{"content-type", "application/json"}});
  EXPECT_EQ(ok.status, 202u) << ok.body;
  EXPECT_EQ(redis_probe().xlen(ingest.stream()), 1);
}

TEST(IngestBadInput, HeaderTooLargeAndTruncatedBody) {
  ingest_under_test ingest(limited_settings("bad-raw"));
  auto [status, body] =
      raw_exchange(ingest.url(), "POST /runs HTTP/1.1\r\nHost: x\r\nX-Big: " + std::string(8000, 'a') + "\r\n\r\n");
  expect_refused(status, body, 431, "header_too_large", "huge header");
  auto run = sample_run().post_json();
  auto truncated = raw_exchange(ingest.url(), "POST /runs HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                                              "Content-Length: " + std::to_string(run.size()) + "\r\n\r\n" +
                                                  run.substr(0, run.size() / 2));
  expect_refused(truncated.first, truncated.second, 400, "bad_request", "truncated body");
  auto garbage = raw_exchange(ingest.url(), "NOT HTTP AT ALL\r\n\r\n");
  expect_refused(garbage.first, garbage.second, 400, "bad_request", "not HTTP");
  EXPECT_EQ(redis_probe().xlen(ingest.stream()), 0);
}

TEST(IngestBadInput, ApiKeysRequiredWhenConfigured) {
  auto s = limited_settings("auth");
  s.ingest.api_keys = {{ingest::api_key_entry("key-one").substr(7), ""}, {ingest::api_key_entry("key-two").substr(7), ""}};
  ingest_under_test ingest(s);
  loadgen::http_client client(ingest.url());
  headers json{{"content-type", "application/json"}};
  auto run = sample_run().post_json();
  auto missing = client.request("POST", "/runs", run, json);
  expect_refused(missing.status, missing.body, 401, "unauthorized", "missing key");
  auto h = json;
  h["x-api-key"] = "key-on";
  auto wrong = client.request("POST", "/runs", run, h);
  expect_refused(wrong.status, wrong.body, 401, "unauthorized", "wrong key");
  EXPECT_EQ(wrong.body.find("key-one"), std::string::npos);
  EXPECT_EQ(redis_probe().xlen(ingest.stream()), 0);
  h["x-api-key"] = "key-two";
  EXPECT_EQ(client.request("POST", "/runs", run, h).status, 202u);
  EXPECT_EQ(client.request("GET", "/info").status, 200u);  // SDKs read /info before anything else
  EXPECT_EQ(redis_probe().xlen(ingest.stream()), 1);
}

}  // namespace
}  // namespace tracepipe::test
