// N runs in → exactly N stream entries (plus patches), fields and bytes intact,
// for every wire format and body encoding ingest accepts.
#include <gtest/gtest.h>
#include <simdjson.h>

#include <set>

#include "config/loader.hpp"
#include "ingest_harness.hpp"
#include "loadgen/http_client.hpp"
#include "loadgen/run_factory.hpp"
#include "loadgen/wire_format.hpp"
#include "sink/clickhouse_client.hpp"

namespace tracepipe::test {
namespace {

using loadgen::generated_run;

std::vector<generated_run> make_runs(std::size_t n, std::uint64_t seed) {
  loadgen::run_factory f(seed);
  std::vector<generated_run> runs;
  while (runs.size() < n)
    for (auto& r : f.trace({3, 300, "roundtrip"}))
      if (runs.size() < n) runs.push_back(std::move(r));
  return runs;
}

std::string minified(const std::string& json) {
  simdjson::dom::parser p;
  return simdjson::minify(p.parse(json));
}

/// The library's own compressor (what the sink sends ClickHouse).
std::string compressed(sink::body_compression how, const std::string& in) {
  std::string out;
  EXPECT_TRUE(sink::compress_body(how, in, out));
  return out;
}
std::string gzip(const std::string& in) { return compressed(sink::body_compression::gzip, in); }
std::string zstd(const std::string& in) { return compressed(sink::body_compression::zstd, in); }

/// Every post and patch of `runs` is in `entries` exactly once, with the JSON
/// the client sent (re-serialized compactly) and the right fields.
void expect_entries_match(const std::vector<entry>& entries, const std::vector<generated_run>& runs,
                          std::uint64_t before_us, bool fields_as_parts) {
  ASSERT_EQ(entries.size(), 2 * runs.size());
  std::map<std::pair<std::string, std::string>, const entry*> by_op;
  for (const auto& e : entries) {
    ASSERT_TRUE(by_op.emplace(std::pair{e.at("kind"), e.at("run_id")}, &e).second) << "duplicate " << e.at("run_id");
    auto received = std::stoull(e.at("received_at_us"));
    EXPECT_GE(received, before_us);
    std::size_t bytes = e.at("run").size();
    for (const auto& [k, v] : e)
      if (k.rfind("part.", 0) == 0 && k.find(".content_type") == std::string::npos) bytes += v.size();
    EXPECT_EQ(std::stoull(e.at("bytes")), bytes);
  }
  for (const auto& r : runs) {
    const entry& post = *by_op.at({"post", r.id});
    const entry& patch = *by_op.at({"patch", r.id});
    EXPECT_EQ(post.at("trace_id"), r.trace_id);
    EXPECT_EQ(post.at("project"), "roundtrip");
    EXPECT_EQ(patch.at("trace_id"), r.trace_id);
    if (fields_as_parts) {
      EXPECT_EQ(post.at("run"), minified(r.post_json(false)));
      EXPECT_EQ(post.at("part.inputs"), r.inputs_json);  // byte-identical
      EXPECT_EQ(post.at("part.inputs.content_type"), "application/json");
      EXPECT_EQ(patch.at("run"), minified(r.patch_json(false)));
      EXPECT_EQ(patch.at("part.outputs"), r.outputs_json);
    } else {
      EXPECT_EQ(post.at("run"), minified(r.post_json()));
      EXPECT_EQ(patch.at("run"), minified(r.patch_json()));
    }
  }
}

std::uint64_t now_us() {
  return std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

TEST(IngestRoundtrip, SinglePostsAndPatches) {
  ingest_under_test ingest(test_settings("single"));
  auto runs = make_runs(60, 1);
  auto before = now_us();
  loadgen::http_client client(ingest.url());
  for (const auto& r : runs) {
    ASSERT_EQ(client.request("POST", "/runs", r.post_json(), {{"content-type", "application/json"}}).status, 202u);
    ASSERT_EQ(client.request("PATCH", "/runs/" + r.id, r.patch_json(), {{"content-type", "application/json"}}).status,
              202u);
  }
  expect_entries_match(redis_probe().entries(ingest.stream()), runs, before, false);
}

TEST(IngestRoundtrip, BatchesPlainGzipAndZstd) {
  ingest_under_test ingest(test_settings("batch"));
  auto runs = make_runs(150, 2);
  auto before = now_us();
  loadgen::http_client client(ingest.url());
  const char* encodings[] = {"", "gzip", "zstd"};
  for (std::size_t i = 0; i < runs.size(); i += 50) {
    std::vector<generated_run> slice(runs.begin() + i, runs.begin() + i + 50);
    auto body = loadgen::batch_body(slice, slice);
    std::string encoding = encodings[i / 50];
    std::map<std::string, std::string> headers{{"content-type", "application/json"}};
    if (!encoding.empty()) headers["content-encoding"] = encoding;
    auto sent = encoding == "gzip" ? gzip(body) : encoding == "zstd" ? zstd(body) : body;
    auto a = client.request("POST", "/runs/batch", sent, headers);
    ASSERT_EQ(a.status, 202u) << encoding << ": " << a.body;
    EXPECT_EQ(a.body, R"({"accepted":100})");
  }
  expect_entries_match(redis_probe().entries(ingest.stream()), runs, before, false);
}

TEST(IngestRoundtrip, MultipartBothLengthStylesWithAttachments) {
  ingest_under_test ingest(test_settings("multipart"));
  auto runs = make_runs(120, 3);
  auto before = now_us();
  loadgen::http_client client(ingest.url());
  std::string binary("\x00\x01\r\n--not-the-boundary\r\n\xff", 26);
  for (std::size_t i = 0; i < runs.size(); i += 40) {
    auto style = i == 40 ? loadgen::part_length_style::python : loadgen::part_length_style::js;
    loadgen::multipart_builder mp("b-" + std::to_string(i), style);
    for (std::size_t j = i; j < i + 40; ++j) {
      std::vector<loadgen::attachment> files;
      if (runs[j].parent_run_id.empty()) files.push_back({"image", "image/png", binary + runs[j].id});
      mp.post(runs[j], files);
      mp.patch(runs[j]);
    }
    auto body = mp.finish();
    auto a = client.request("POST", "/runs/multipart", i == 80 ? zstd(body.body) : body.body,
                            i == 80 ? std::map<std::string, std::string>{{"content-type", body.content_type()},
                                                                         {"content-encoding", "zstd"}}
                                    : std::map<std::string, std::string>{{"content-type", body.content_type()}});
    ASSERT_EQ(a.status, 202u) << a.body;
  }
  auto entries = redis_probe().entries(ingest.stream());
  expect_entries_match(entries, runs, before, true);
  std::size_t attachments = 0;
  for (const auto& e : entries)
    if (auto it = e.find("part.attachment.image"); it != e.end()) {
      ++attachments;
      EXPECT_EQ(it->second, binary + e.at("run_id"));
      EXPECT_EQ(e.at("part.attachment.image.content_type"), "image/png");
    }
  EXPECT_EQ(attachments, runs.size() / 3);  // one per trace root
}

TEST(IngestRoundtrip, ChunkedBodyTenantAndApiV1Prefix) {
  ingest_under_test ingest(test_settings("chunked"));
  auto runs = make_runs(4, 4);
  auto body = loadgen::batch_body(runs, runs);
  std::string chunked;
  for (std::size_t i = 0; i < body.size(); i += 100) {
    auto piece = body.substr(i, 100);
    char size[16];
    std::snprintf(size, sizeof size, "%zx\r\n", piece.size());
    chunked += size + piece + "\r\n";
  }
  chunked += "0\r\n\r\n";
  auto [status, answer] = raw_exchange(ingest.url(),
                                       "POST /api/v1/runs/batch HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                                       "X-Tenant-Id: tenant-7\r\nTransfer-Encoding: chunked\r\n\r\n" + chunked);
  ASSERT_EQ(status, 202u) << answer;
  auto entries = redis_probe().entries(ingest.stream());
  expect_entries_match(entries, runs, 0, false);
  for (const auto& e : entries) EXPECT_EQ(e.at("tenant"), "tenant-7");
}

TEST(IngestRoundtrip, ShardsByTraceId) {
  auto settings = test_settings("sharded");
  settings.redis.shards = 4;
  ingest_under_test ingest(settings);
  auto runs = make_runs(300, 5);
  loadgen::http_client client(ingest.url());
  ASSERT_EQ(client.request("POST", "/runs/batch", loadgen::batch_body(runs, runs), {{"content-type", "application/json"}})
                .status,
            202u);
  redis_probe redis;
  std::size_t total = 0;
  std::map<std::string, std::set<std::string>> shards_of_trace;
  for (int s = 0; s < 4; ++s) {
    auto key = "test:sharded:{" + std::to_string(s) + "}";
    auto entries = redis.entries(key);
    EXPECT_GT(entries.size(), 0u) << key;
    total += entries.size();
    for (const auto& e : entries) shards_of_trace[e.at("trace_id")].insert(key);
    redis.del(key);
  }
  EXPECT_EQ(total, 600u);
  for (const auto& [trace, keys] : shards_of_trace) EXPECT_EQ(keys.size(), 1u) << trace;
}

TEST(IngestRoundtrip, WaitReplicasWithoutReplicasAnswers503AndSaysWhy) {
  // The test stack's Redis has no replica: WAIT confirms 0 of 1.
  auto settings = test_settings("wait_replicas");
  settings.redis.wait_replicas = 1;
  settings.redis.wait_timeout = std::chrono::milliseconds(100);
  ingest_under_test ingest(settings);
  auto runs = make_runs(4, 9);
  auto a = loadgen::http_client(ingest.url())
               .request("POST", "/runs/batch", loadgen::batch_body(runs, runs), {{"content-type", "application/json"}});
  EXPECT_EQ(a.status, 503u);
  EXPECT_NE(a.body.find("0 of 1 replicas confirmed the write within 100 ms (redis.wait_replicas)"), std::string::npos)
      << a.body;
  // The entries are on the master all the same: a retry may enqueue them twice, which the sink collapses.
  EXPECT_EQ(redis_probe().entries(ingest.stream()).size(), 8u);
}

TEST(IngestRoundtrip, AWaitNoShorterThanACommandIsRefused) {
  auto settings = test_settings("wait_too_long");
  settings.redis.wait_replicas = 1;
  settings.redis.wait_timeout = settings.redis.command_timeout;
  try {
    ingest::runner runner(settings);
    FAIL() << "started";
  } catch (const config::error& e) {
    auto ms = std::to_string(settings.redis.command_timeout.count());
    EXPECT_EQ(std::string(e.what()),
              "redis.wait_timeout (" + ms + " ms) must be shorter than redis.command_timeout (" + ms + " ms)");
  }
}

}  // namespace
}  // namespace tracepipe::test
