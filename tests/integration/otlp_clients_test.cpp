// Real OTLP clients through the whole write path (ingest → Redis → workers →
// ClickHouse): the OpenTelemetry JS SDK's own exporters — protobuf with gzip
// and an x-api-key (LangSmith's way), JSON with Basic credentials at
// Langfuse's path — and the LangSmith JS SDK in OTel mode. Every span lands
// once, as the run LangSmith's mapping makes of it. Bad exports (truncated
// protobuf, OTLP logs posted to the traces URL, a wrong content type) get
// the specification's answer and enqueue nothing.
// The client side is tests/integration/js_sdk/{otel_exporter,langsmith_otel}.mjs.
#include <gtest/gtest.h>
#include <simdjson.h>

#include <filesystem>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "child_process.hpp"
#include "ingest/api_keys.hpp"
#include "ingest_harness.hpp"
#include "loadgen/http_client.hpp"
#include "sink/worker.hpp"
#include "sink_harness.hpp"
#include "trace.pb.h"

namespace tracepipe::test {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

const fs::path scripts = fs::path(TRACEPIPE_SOURCE_DIR) / "tests/integration/js_sdk";
const std::string api_key = "otlp-test-key";


/// Runs a script with node; its one line of JSON output, parsed.
simdjson::dom::element run_script(simdjson::dom::parser& parser, const std::vector<std::string>& args,
                                  const std::vector<std::pair<std::string, std::string>>& env) {
  auto node = find_on_path("node");
  if (!node) throw std::runtime_error("node is not on PATH (tools/setup.sh installs it)");
  std::vector<std::string> argv{*node};
  argv.insert(argv.end(), args.begin(), args.end());
  // Only the settings given: none of this shell's LangSmith or OTel ones.
  auto run = run_captured(argv, environment_without({"LANGSMITH_", "LANGCHAIN_", "OTEL_"}, env), 120s);
  if (run.exit_code != 0)
    throw std::runtime_error("the client failed (exit " + std::to_string(run.exit_code) + "): " + run.err + run.out);
  return parser.parse(run.out);
}

std::string pad(std::string_view span_hex) {
  std::string hex = "0000000000000000" + std::string(span_hex);
  return hex.substr(0, 8) + "-" + hex.substr(8, 4) + "-" + hex.substr(12, 4) + "-" + hex.substr(16, 4) + "-" +
         hex.substr(20);
}
std::string uuid(std::string_view hex) {
  return std::string(hex.substr(0, 8)) + "-" + std::string(hex.substr(8, 4)) + "-" + std::string(hex.substr(12, 4)) +
         "-" + std::string(hex.substr(16, 4)) + "-" + std::string(hex.substr(20));
}

config::settings otlp_settings(const std::string& name) {
  auto s = sink_settings(name);
  s.ingest.api_keys = {{ingest::api_key_entry(api_key).substr(7), ""}};
  return s;
}

/// The runs table's rows (merged post + patch), by id.
std::map<std::string, std::map<std::string, std::string>> runs_by_id(clickhouse_probe& ch) {
  std::map<std::string, std::map<std::string, std::string>> by_id;
  for (auto& row : ch.rows("SELECT id, trace_id, parent_run_id, dotted_order, name, run_type, project, error, "
                           "start_time_us, end_time_us FROM " + ch.table() + "_merged"))
    by_id[row["id"]] = row;
  return by_id;
}

void expect_each_once(clickhouse_probe& ch, std::size_t n) {
  ASSERT_TRUE(eventually([&] { return ch.distinct_ops() >= n; }, 60s)) << ch.distinct_ops() << " of " << n;
  EXPECT_EQ(ch.distinct_ops(), n);
  EXPECT_EQ(ch.duplicates_after_final(), 0u);
}

TEST(OtlpClients, OpenTelemetryExportersEverySpanOnceAsItsRun) {
  auto s = otlp_settings("otlp_exporters");
  ingest_under_test ingest(s);
  sink::worker worker(s);
  worker.start();
  struct side {
    std::string mode, path, project;
  };
  const side sides[] = {{"proto", "/otel/v1/traces", "otel-proto"}, {"json", "/api/public/otel/v1/traces", "default"}};
  std::map<std::string, std::map<std::string, std::string>> want;  // run id → column → value
  for (const auto& side : sides) {
    simdjson::dom::parser parser;
    auto report = run_script(parser, {(scripts / "otel_exporter.mjs").string(), side.mode, "20"},
                             {{"OTLP_URL", ingest.url() + side.path}, {"OTLP_KEY", api_key}});
    std::size_t exports = 0;
    for (auto code : report["results"].get_array()) {
      EXPECT_EQ(std::int64_t(code), 0) << side.mode << ": an export failed";
      ++exports;
    }
    EXPECT_GE(exports, 1u) << side.mode;
    for (auto span : report["spans"].get_array()) {
      std::string_view span_id = span["span_id"], parent = span["parent_span_id"], trace_id = span["trace_id"],
                       name = span["name"];
      auto& row = want[pad(span_id)];
      row["trace_id"] = uuid(trace_id);
      row["parent_run_id"] = parent.empty() ? "" : pad(parent);
      row["name"] = std::string(name);
      row["run_type"] = name == "agent" ? "chain" : name == "search" ? "tool" : "llm";
      row["project"] = side.project;
    }
  }
  ASSERT_EQ(want.size(), 2u * 20 * 3);
  clickhouse_probe ch(s);
  expect_each_once(ch, want.size());
  auto got = runs_by_id(ch);
  for (const auto& [id, columns] : want) {
    SCOPED_TRACE(id);
    ASSERT_EQ(got.count(id), 1u);
    auto& row = got[id];
    for (const auto& [column, value] : columns) EXPECT_EQ(row[column], value) << column;
    EXPECT_NE(row["dotted_order"].find(id), std::string::npos);
    EXPECT_LT(std::stoll(row["start_time_us"]), std::stoll(row["end_time_us"]) + 1);
    if (columns.at("name") == "search") {
      EXPECT_NE(row["error"].find("failed"), std::string::npos) << row["error"];
    }
  }
  worker.stop();
  EXPECT_EQ(worker.metrics().dead_lettered.load(), 0u);
}

TEST(OtlpClients, LangSmithSdkInOtelModeEveryRunOnce) {
  auto s = otlp_settings("otlp_langsmith");
  ingest_under_test ingest(s);
  sink::worker worker(s);
  worker.start();
  simdjson::dom::parser parser;
  constexpr int traces = 10;
  auto report = run_script(parser, {(scripts / "langsmith_otel.mjs").string(), std::to_string(traces)},
                           {{"LANGSMITH_TRACING", "true"}, {"LANGSMITH_OTEL_ENABLED", "true"},
                            {"LANGSMITH_ENDPOINT", ingest.url()}, {"LANGSMITH_API_KEY", api_key},
                            {"LANGSMITH_PROJECT", "ls-otel"}});
  // In OTel mode the SDK names a root run by its span id, right-aligned in
  // a zero UUID: the id LangSmith's backend gives the span, and tracepipe too.
  std::set<std::string> roots;
  for (auto run : report["runs"].get_array())
    if (std::string_view(run["name"]) == "pipeline") roots.insert(std::string(std::string_view(run["id"])));
  ASSERT_EQ(roots.size(), std::size_t(traces));
  clickhouse_probe ch(s);
  expect_each_once(ch, 3 * traces);
  auto got = runs_by_id(ch);
  std::map<std::string, std::multiset<std::string>> children;  // root id → child "name/type"
  for (auto& [id, row] : got) {
    EXPECT_EQ(row["project"], "ls-otel") << id;
    if (row["parent_run_id"].empty()) {
      EXPECT_EQ(roots.count(id), 1u) << id << " is a root the SDK did not name";
      EXPECT_EQ(row["run_type"], "chain");
    } else {
      children[row["parent_run_id"]].insert(row["name"] + "/" + row["run_type"]);
      EXPECT_EQ(row["dotted_order"].find(got[row["parent_run_id"]]["dotted_order"]), 0u)
          << "a child's dotted_order starts with its parent's when they came in one export";
    }
  }
  ASSERT_EQ(children.size(), std::size_t(traces));
  for (const auto& [root, kids] : children) {
    EXPECT_EQ(roots.count(root), 1u);
    EXPECT_EQ(kids, (std::multiset<std::string>{"answer/llm", "retrieve/retriever"})) << root;
  }
  worker.stop();
}

TEST(OtlpClients, BadExportsGetTheSpecsAnswerAndChangeNothing) {
  auto s = otlp_settings("otlp_bad");
  ingest_under_test ingest(s);
  loadgen::http_client client(ingest.url());
  const std::map<std::string, std::string> proto{{"content-type", "application/x-protobuf"}, {"x-api-key", api_key}};
  // A span's worth of protobuf, cut short.
  ingest::otlp::wire::ExportTraceServiceRequest request;
  auto* span = request.add_resource_spans()->add_scope_spans()->add_spans();
  span->set_trace_id(std::string(16, '\x01'));
  span->set_span_id(std::string(8, '\x02'));
  span->set_name("cut");
  span->set_start_time_unix_nano(1);
  auto whole = request.SerializeAsString();
  auto truncated = client.request("POST", "/otel/v1/traces", whole.substr(0, whole.size() - 5), proto);
  EXPECT_EQ(truncated.status, 400u) << truncated.body;
  EXPECT_EQ(truncated.headers["content-type"], "application/x-protobuf");
  ingest::otlp::wire::RpcStatus status;
  ASSERT_TRUE(status.ParseFromString(truncated.body));
  EXPECT_EQ(status.code(), 3);  // INVALID_ARGUMENT
  EXPECT_EQ(truncated.headers.count("retry-after"), 0u) << "a 400 must not invite a retry";
  // OTLP logs (ExportLogsServiceRequest: resource_logs=1 → scope_logs=2 →
  // log_records=2 with time_unix_nano=1 fixed64, severity_number=2, body=5),
  // by hand: their field numbers overlap the traces' and must not pass for spans.
  std::string log_record = std::string("\x09", 1) + std::string(8, '\x01') + "\x10\x09" + "\x2a\x07\x0a\x05hello";
  std::string scope_logs = "\x12" + std::string(1, char(log_record.size())) + log_record;
  std::string resource_logs = "\x12" + std::string(1, char(scope_logs.size())) + scope_logs;
  std::string logs = "\x0a" + std::string(1, char(resource_logs.size())) + resource_logs;
  auto as_traces = client.request("POST", "/otel/v1/traces", logs, proto);
  EXPECT_EQ(as_traces.status, 400u) << as_traces.body;
  ASSERT_TRUE(status.ParseFromString(as_traces.body));
  EXPECT_NE(status.message().find("logs"), std::string::npos) << status.message();
  // A content type OTLP does not have: 415, answered as JSON.
  auto text = client.request("POST", "/otel/v1/traces", whole, {{"content-type", "text/plain"}, {"x-api-key", api_key}});
  EXPECT_EQ(text.status, 415u) << text.body;
  EXPECT_NE(text.body.find("\"code\":3"), std::string::npos) << text.body;
  // JSON with a bad id names where it is.
  auto bad_id = client.request("POST", "/otel/v1/traces",
                               R"({"resourceSpans":[{"scopeSpans":[{"spans":[{"traceId":"nothex","spanId":"0102030405060708"}]}]}]})",
                               {{"content-type", "application/json"}, {"x-api-key", api_key}});
  EXPECT_EQ(bad_id.status, 400u);
  EXPECT_NE(bad_id.body.find("resourceSpans[0].scopeSpans[0].spans[0].traceId"), std::string::npos) << bad_id.body;
  // No key: 401 in the request's encoding.
  auto no_key = client.request("POST", "/otel/v1/traces", whole, {{"content-type", "application/x-protobuf"}});
  EXPECT_EQ(no_key.status, 401u);
  ASSERT_TRUE(status.ParseFromString(no_key.body));
  EXPECT_EQ(status.code(), 16);  // UNAUTHENTICATED
  EXPECT_EQ(redis_probe().xlen(ingest.stream()), 0) << "a refused export enqueued something";
  // The same whole export is accepted: an empty ExportTraceServiceResponse.
  auto ok = client.request("POST", "/otel/v1/traces", whole, proto);
  EXPECT_EQ(ok.status, 200u) << ok.body;
  EXPECT_EQ(ok.body, "");
  EXPECT_EQ(redis_probe().xlen(ingest.stream()), 1);
}

}  // namespace
}  // namespace tracepipe::test
