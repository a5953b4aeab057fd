// OTLP exports into runs (ingest/otlp): the same spans in protobuf and in
// JSON give the same runs; ids, dotted_order, run type, inputs, outputs,
// error, metadata and project follow LangSmith's mapping; bad spans are
// refused one by one, an export of nothing but bad spans as a whole.
#include "ingest/otlp/export.hpp"

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>

#include <string>

#include "ingest/otlp/json_reader.hpp"
#include "trace.pb.h"

namespace tracepipe::ingest::otlp {
namespace {

const std::string trace_hex = "0102030405060708090a0b0c0d0e0f10";
const std::string root_hex = "1112131415161718";
const std::string child_hex = "2122232425262728";
const std::string trace_uuid = "01020304-0506-0708-090a-0b0c0d0e0f10";
const std::string root_run = "00000000-0000-0000-1112-131415161718";
const std::string child_run = "00000000-0000-0000-2122-232425262728";

/// An export of a root span and an LLM child, the child listed first (as an
/// SDK that exports spans when they end sends them).
std::string json_export(const std::string& trace_id = trace_hex, const std::string& child_id = child_hex) {
  return R"({"resourceSpans":[{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"svc"}}]},
    "scopeSpans":[{"scope":{"name":"test"},"spans":[
    {"traceId":")" + trace_id + R"(","spanId":")" + child_id + R"(","parentSpanId":")" + root_hex + R"(",
     "name":"chat gpt","kind":3,"startTimeUnixNano":"1700000000000123000","endTimeUnixNano":1700000001000000000,
     "unknownField":{"x":1},
     "attributes":[{"key":"gen_ai.operation.name","value":{"stringValue":"chat"}},
                   {"key":"gen_ai.system","value":{"stringValue":"openai"}},
                   {"key":"gen_ai.request.model","value":{"stringValue":"gpt-4o"}},
                   {"key":"gen_ai.request.temperature","value":{"doubleValue":0.5}},
                   {"key":"gen_ai.usage.input_tokens","value":{"intValue":"12"}},
                   {"key":"gen_ai.usage.output_tokens","value":{"intValue":30}},
                   {"key":"gen_ai.prompt.0.role","value":{"stringValue":"user"}},
                   {"key":"gen_ai.prompt.0.content","value":{"stringValue":"hi"}},
                   {"key":"gen_ai.completion.0.role","value":{"stringValue":"assistant"}},
                   {"key":"gen_ai.completion.0.content","value":{"stringValue":"hello"}}],
     "status":{"code":0}},
    {"traceId":")" + trace_id + R"(","spanId":")" + root_hex + R"(","name":"agent",
     "startTimeUnixNano":"1700000000000000000","endTimeUnixNano":"1700000002000000000",
     "attributes":[{"key":"langsmith.span.kind","value":{"stringValue":"CHAIN"}},
                   {"key":"langsmith.trace.name","value":{"stringValue":"My agent"}},
                   {"key":"langsmith.span.tags","value":{"stringValue":"a, b"}},
                   {"key":"langsmith.metadata.user","value":{"stringValue":"u1"}},
                   {"key":"gen_ai.prompt","value":{"stringValue":"{\"question\":\"why?\"}"}},
                   {"key":"output.value","value":{"stringValue":"because"}}],
     "events":[{"timeUnixNano":"1700000001500000000","name":"exception",
                "attributes":[{"key":"exception.message","value":{"stringValue":"boom"}},
                              {"key":"exception.stacktrace","value":{"stringValue":"at x"}}]}],
     "status":{"code":2,"message":"failed"}}]}]}]})";
}

export_runs read_ok(encoding e, std::string_view body, export_context context = {"", "default"}) {
  simdjson::dom::parser parser;
  auto read = read_export(e, body, context, parser);
  if (auto* r = std::get_if<rejection>(&read)) ADD_FAILURE() << r->status << " " << r->error << ": " << r->detail;
  return std::get_if<export_runs>(&read) ? std::get<export_runs>(read) : export_runs{};
}

rejection read_refused(encoding e, std::string_view body) {
  simdjson::dom::parser parser;
  auto read = read_export(e, body, {"", "default"}, parser);
  EXPECT_TRUE(std::holds_alternative<rejection>(read)) << "accepted: " << body.substr(0, 200);
  return std::holds_alternative<rejection>(read) ? std::get<rejection>(read) : rejection{};
}

boost::json::object run_json(const run_op& op) { return boost::json::parse(op.json).as_object(); }
std::string text(const boost::json::value& v) { return v.is_string() ? std::string(v.as_string()) : "(not a string)"; }

TEST(otlp_ids, hex_either_case_or_base64_of_the_right_length) {
  EXPECT_EQ(id_bytes("0102030405060708", 8), std::string("\x01\x02\x03\x04\x05\x06\x07\x08", 8));
  EXPECT_EQ(id_bytes("ABCDEF0123456789", 8), id_bytes("abcdef0123456789", 8));
  EXPECT_EQ(id_bytes("AQIDBAUGBwg=", 8), id_bytes("0102030405060708", 8));  // base64, as Go's protojson writes it
  EXPECT_EQ(id_bytes("", 8), std::string{});
  // A 32-digit hex id is valid base64 of 24 bytes; it must be read as hex, to 16 bytes.
  EXPECT_EQ(id_bytes(trace_hex, 16)->size(), 16u);
  EXPECT_EQ(id_bytes(trace_hex, 16), id_bytes("AQIDBAUGBwgJCgsMDQ4PEA==", 16));
  EXPECT_FALSE(id_bytes("01020304050607", 8));      // too short
  EXPECT_FALSE(id_bytes("010203040506070g", 8));    // not hex, not base64 of 8 bytes
  EXPECT_FALSE(id_bytes(trace_hex, 8));             // a trace id where a span id belongs
}

TEST(otlp_export, spans_become_runs_with_langsmith_ids_and_dotted_order) {
  auto runs = read_ok(encoding::json, json_export());
  ASSERT_EQ(runs.ops.size(), 2u);
  EXPECT_EQ(runs.spans, 2);
  EXPECT_EQ(runs.rejected, 0);
  EXPECT_EQ(runs.parent_elsewhere, 0);
  const auto& child = runs.ops[0];
  const auto& root = runs.ops[1];
  EXPECT_EQ(child.kind, op_kind::post);
  EXPECT_EQ(child.run_id, child_run);
  EXPECT_EQ(root.run_id, root_run);
  EXPECT_EQ(child.trace_id, trace_uuid);
  auto c = run_json(child), r = run_json(root);
  EXPECT_EQ(text(c["parent_run_id"]), root_run);
  EXPECT_FALSE(r.contains("parent_run_id"));
  EXPECT_EQ(text(r["dotted_order"]), "20231114T221320000000Z" + root_run);
  EXPECT_EQ(text(c["dotted_order"]), "20231114T221320000000Z" + root_run + ".20231114T221320000123Z" + child_run);
  EXPECT_EQ(c["start_time"], "2023-11-14T22:13:20.000123Z");
  EXPECT_EQ(c["end_time"], "2023-11-14T22:13:21.000000Z");
}

TEST(otlp_export, content_follows_langsmith_mapping) {
  auto runs = read_ok(encoding::json, json_export());
  ASSERT_EQ(runs.ops.size(), 2u);
  auto c = run_json(runs.ops[0]), r = run_json(runs.ops[1]);
  EXPECT_EQ(c["run_type"], "llm");
  EXPECT_EQ(c["name"], "chat gpt");
  EXPECT_EQ(c["inputs"], boost::json::parse(R"({"messages":[{"role":"user","content":"hi"}]})"));
  EXPECT_EQ(c["outputs"], boost::json::parse(R"({"messages":[{"role":"assistant","content":"hello"}]})"));
  auto& meta = c["extra"].as_object()["metadata"].as_object();
  EXPECT_EQ(meta["ls_provider"], "openai");
  EXPECT_EQ(meta["ls_model_name"], "gpt-4o");
  EXPECT_EQ(meta["usage_metadata"], boost::json::parse(R"({"input_tokens":12,"output_tokens":30,"total_tokens":42})"));
  EXPECT_EQ(text(meta["OTEL_TRACE_ID"]), trace_hex);
  EXPECT_EQ(text(meta["OTEL_SPAN_ID"]), child_hex);
  EXPECT_EQ(c["extra"].as_object()["invocation_params"], boost::json::parse(R"({"model":"gpt-4o","temperature":0.5})"));
  EXPECT_FALSE(c.contains("error"));

  EXPECT_EQ(r["run_type"], "chain");
  EXPECT_EQ(r["name"], "My agent");
  EXPECT_EQ(r["tags"], boost::json::parse(R"(["a","b"])"));
  EXPECT_EQ(r["inputs"], boost::json::parse(R"({"question":"why?"})"));
  EXPECT_EQ(r["outputs"], boost::json::parse(R"({"output":"because"})"));
  EXPECT_EQ(r["error"], "boom\n\nat x");
  EXPECT_EQ(r["extra"].as_object()["metadata"].as_object()["user"], "u1");
}

TEST(otlp_export, protobuf_and_json_give_the_same_runs) {
  auto from_json = read_ok(encoding::json, json_export());
  // The same export, built as the protobuf encoding carries it.
  simdjson::dom::parser parser;
  wire::ExportTraceServiceRequest request;
  ASSERT_EQ(read_json_export(json_export(), parser, request), std::nullopt);
  auto from_proto = read_ok(encoding::protobuf, request.SerializeAsString());
  ASSERT_EQ(from_proto.ops.size(), from_json.ops.size());
  for (std::size_t i = 0; i < from_json.ops.size(); ++i) EXPECT_EQ(from_proto.ops[i].json, from_json.ops[i].json);
  // Base64 ids (LangChain's collector proxy documents them) read as the hex ones.
  auto from_base64 = read_ok(encoding::json, json_export("AQIDBAUGBwgJCgsMDQ4PEA==", "ISIjJCUmJyg="));
  ASSERT_EQ(from_base64.ops.size(), 2u);
  EXPECT_EQ(from_base64.ops[0].json, from_json.ops[0].json);
}

TEST(otlp_export, project_from_span_attribute_then_header_then_default) {
  auto runs = read_ok(encoding::json, json_export(), {"from-header", "default"});
  EXPECT_EQ(runs.ops[0].project, "from-header");
  EXPECT_TRUE(runs.ops[0].project_named);
  auto plain = read_ok(encoding::json, json_export());
  EXPECT_EQ(plain.ops[0].project, "default");
  EXPECT_FALSE(plain.ops[0].project_named);
  wire::ExportTraceServiceRequest request;
  auto* span = request.add_resource_spans()->add_scope_spans()->add_spans();
  span->set_trace_id(std::string(16, '\x01'));
  span->set_span_id(std::string(8, '\x02'));
  span->set_start_time_unix_nano(1);
  auto* kv = span->add_attributes();
  kv->set_key("langsmith.trace.session_name");
  kv->mutable_value()->set_string_value("from-span");
  auto named = read_ok(encoding::protobuf, request.SerializeAsString(), {"from-header", "default"});
  ASSERT_EQ(named.ops.size(), 1u);
  EXPECT_EQ(named.ops[0].project, "from-span");
}

TEST(otlp_export, bad_spans_are_refused_one_by_one_and_all_bad_is_a_400) {
  wire::ExportTraceServiceRequest request;
  auto* spans = request.add_resource_spans()->add_scope_spans();
  auto* good = spans->add_spans();
  good->set_trace_id(std::string(16, '\x01'));
  good->set_span_id(std::string(8, '\x02'));
  good->set_parent_span_id(std::string(8, '\x03'));  // not in this export
  good->set_start_time_unix_nano(1'700'000'000'000'000'000ull);
  auto* zero_trace = spans->add_spans();
  *zero_trace = *good;
  zero_trace->set_trace_id(std::string(16, '\0'));
  auto* short_span = spans->add_spans();
  *short_span = *good;
  short_span->set_span_id("1234");
  auto runs = read_ok(encoding::protobuf, request.SerializeAsString());
  EXPECT_EQ(runs.ops.size(), 1u);
  EXPECT_EQ(runs.rejected, 2);
  EXPECT_EQ(runs.parent_elsewhere, 1);
  EXPECT_NE(runs.first_problem.find("trace_id"), std::string::npos) << runs.first_problem;
  EXPECT_EQ(run_json(runs.ops[0])["dotted_order"], "20231114T221320000000Z00000000-0000-0000-0202-020202020202");
  // The answer's partial_success counts them.
  wire::ExportTraceServiceResponse answer;
  ASSERT_TRUE(answer.ParseFromString(answer_body(encoding::protobuf, runs)));
  EXPECT_EQ(answer.partial_success().rejected_spans(), 2);
  EXPECT_NE(answer.partial_success().error_message().find("2 of 3 spans"), std::string::npos);

  spans->mutable_spans()->DeleteSubrange(0, 1);
  auto all_bad = read_refused(encoding::protobuf, request.SerializeAsString());
  EXPECT_EQ(all_bad.status, 400u);
  EXPECT_NE(all_bad.detail.find("logs"), std::string::npos) << all_bad.detail;
}

TEST(otlp_export, undecodable_bodies_are_400_naming_where) {
  auto truncated = read_refused(encoding::protobuf, std::string("\x0a\x10\x12\x0e", 4));
  EXPECT_EQ(truncated.status, 400u);
  EXPECT_EQ(read_refused(encoding::json, "{not json").status, 400u);
  auto bad_id = read_refused(encoding::json, json_export("xyz"));
  EXPECT_NE(bad_id.detail.find("resourceSpans[0].scopeSpans[0].spans[0].traceId"), std::string::npos) << bad_id.detail;
  auto bad_time = read_refused(
      encoding::json, R"({"resourceSpans":[{"scopeSpans":[{"spans":[{"startTimeUnixNano":"soon"}]}]}]})");
  EXPECT_NE(bad_time.detail.find("startTimeUnixNano"), std::string::npos) << bad_time.detail;
  auto bad_type = read_refused(encoding::json, R"({"resourceSpans":{"x":1}})");
  EXPECT_NE(bad_type.detail.find("resourceSpans: must be an array"), std::string::npos) << bad_type.detail;
}

TEST(otlp_export, an_empty_export_succeeds_with_nothing_to_enqueue) {
  for (auto body : {"{}", R"({"resourceSpans":[]})"}) {
    auto runs = read_ok(encoding::json, body);
    EXPECT_TRUE(runs.ops.empty());
    EXPECT_EQ(answer_body(encoding::json, runs), "{}");
  }
  EXPECT_TRUE(read_ok(encoding::protobuf, "").ops.empty());
  EXPECT_EQ(answer_body(encoding::protobuf, {}), "");  // an empty ExportTraceServiceResponse
}

TEST(otlp_export, a_parent_cycle_ends_and_every_span_gets_a_dotted_order) {
  wire::ExportTraceServiceRequest request;
  auto* spans = request.add_resource_spans()->add_scope_spans();
  for (char a : {'\x01', '\x02'}) {
    auto* s = spans->add_spans();
    s->set_trace_id(std::string(16, '\x09'));
    s->set_span_id(std::string(8, a));
    s->set_parent_span_id(std::string(8, a == '\x01' ? '\x02' : '\x01'));
    s->set_start_time_unix_nano(1);
  }
  auto runs = read_ok(encoding::protobuf, request.SerializeAsString());
  ASSERT_EQ(runs.ops.size(), 2u);
  for (const auto& op : runs.ops) EXPECT_FALSE(run_json(op)["dotted_order"].as_string().empty());
}

TEST(otlp_encoding, answers_in_the_request_encoding) {
  EXPECT_EQ(encoding_of("application/x-protobuf"), encoding::protobuf);
  EXPECT_EQ(encoding_of("application/json; charset=utf-8"), encoding::json);
  EXPECT_EQ(encoding_of("text/plain"), std::nullopt);
  EXPECT_EQ(success_body(encoding::json, 3, "three \"bad\""),
            R"({"partialSuccess":{"rejectedSpans":"3","errorMessage":"three \"bad\""}})");
  EXPECT_EQ(status_body(encoding::json, 429, "slow down"), R"({"code":8,"message":"slow down"})");
  wire::RpcStatus status;
  ASSERT_TRUE(status.ParseFromString(status_body(encoding::protobuf, 400, "bad")));
  EXPECT_EQ(status.code(), 3);
  EXPECT_EQ(status.message(), "bad");
}

}  // namespace
}  // namespace tracepipe::ingest::otlp
