#include "ingest/multipart_runs.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "expect_rejection.hpp"

namespace tracepipe::ingest {
namespace {

const std::string id = "0f8fad5b-d9cb-469f-a165-70867728950e";
const std::string id_upper = "0F8FAD5B-D9CB-469F-A165-70867728950E";
const std::string child = "7c9e6679-7425-40de-944b-e07fc1f90ae7";
const std::string stranger = "16fd2706-8baf-433b-82eb-8c7fada847da";

/// The run JSON of a post.<id> part (large fields travel in their own parts).
std::string post_json(const std::string& run_id, const std::string& trace_id, const std::string& dotted) {
  return R"({"id":")" + run_id + R"(","trace_id":")" + trace_id + R"(","dotted_order":")" + dotted +
         R"(","name":"n","run_type":"chain","start_time":"2024-05-01T12:00:00.123456Z","session_name":"p"})";
}
std::string patch_json(const std::string& run_id, const std::string& trace_id, const std::string& dotted) {
  return R"({"id":")" + run_id + R"(","trace_id":")" + trace_id + R"(","dotted_order":")" + dotted +
         R"(","end_time":1714564801000})";
}

const std::string root_dotted = "20240501T120000123456Z" + id;
const std::string child_dotted = root_dotted + ".20240501T120000200000Z" + child;
const std::string root_post = post_json(id, id, root_dotted);
const std::string root_patch = patch_json(id, id, root_dotted);
const std::string child_post = post_json(child, id, child_dotted);
const std::string inputs = R"({"question":"2+2?"})";
const std::string outputs = R"({"answer":"4"})";
const std::string png = std::string("\x89PNG\r\n\x1a\n\0\0", 10);

constexpr std::string_view json = "application/json";

/// Parts as parse_multipart would return them; names and bodies (named strings
/// or literals) must outlive the parts.
multipart_part part(std::string_view name, std::string_view type, std::string_view body) {
  return {name, type, body};
}

struct multipart_ok : testing::Test {
  run_reader reader{{}};
  std::vector<run_op> ops;
  std::optional<rejection> read(const std::vector<multipart_part>& parts) { return read_multipart_runs(parts, reader, ops); }
};

std::string describe(const std::optional<rejection>& r) {
  return r ? std::to_string(r->status) + " " + r->error + ": " + r->detail : "accepted";
}

TEST_F(multipart_ok, post_with_field_and_attachment_parts) {
  const std::string post_name = "post." + id, inputs_name = "post." + id + ".inputs",
                    image_name = "attachment." + id + ".image", extra_name = "post." + id + ".extra";
  const std::string extra = R"({"metadata":{"a":1}})";
  std::vector<multipart_part> parts{part(post_name, json, root_post), part(inputs_name, json, inputs),
                                    part(image_name, "image/png", png), part(extra_name, json, extra)};
  auto r = read(parts);
  ASSERT_FALSE(r) << describe(r);
  ASSERT_EQ(ops.size(), 1u);
  const auto& op = ops[0];
  EXPECT_EQ(op.kind, op_kind::post);
  EXPECT_EQ(op.run_id, id);
  EXPECT_EQ(op.trace_id, id);
  EXPECT_EQ(op.project, "p");
  EXPECT_EQ(op.json, root_post);
  ASSERT_EQ(op.parts.size(), 3u);
  EXPECT_EQ(op.parts[0].name, "inputs");
  EXPECT_EQ(op.parts[0].content_type, "application/json");
  EXPECT_EQ(op.parts[0].bytes, inputs);
  EXPECT_EQ(op.parts[0].bytes.data(), inputs.data());  // a view into the body, not a copy
  EXPECT_EQ(op.parts[1].name, "attachment.image");
  EXPECT_EQ(op.parts[1].content_type, "image/png");
  EXPECT_EQ(op.parts[1].bytes, png);
  EXPECT_EQ(op.parts[1].bytes.size(), 10u);
  EXPECT_EQ(op.parts[2].name, "extra");
  EXPECT_EQ(op.parts[2].bytes, extra);
  EXPECT_EQ(op.bytes(), root_post.size() + inputs.size() + png.size() + extra.size());
}

TEST_F(multipart_ok, field_part_before_its_run_part) {
  const std::string post_name = "post." + id, inputs_name = "post." + id + ".inputs";
  auto r = read({part(inputs_name, json, inputs), part(post_name, json, root_post)});
  ASSERT_FALSE(r) << describe(r);
  ASSERT_EQ(ops.size(), 1u);
  ASSERT_EQ(ops[0].parts.size(), 1u);
  EXPECT_EQ(ops[0].parts[0].name, "inputs");
  EXPECT_EQ(ops[0].parts[0].bytes, inputs);
}

TEST_F(multipart_ok, post_and_patch_of_a_trace_each_get_their_fields) {
  const std::string names[] = {"post." + id,           "post." + id + ".inputs", "post." + child,
                               "patch." + id,          "patch." + id + ".outputs", "patch." + id + ".error",
                               "post." + child + ".events"};
  const std::string events = R"([{"name":"new_token"}])", error = R"("boom")";
  auto r = read({part(names[0], json, root_post), part(names[1], json, inputs), part(names[2], json, child_post),
                 part(names[3], json, root_patch), part(names[4], json, outputs), part(names[5], json, error),
                 part(names[6], json, events)});
  ASSERT_FALSE(r) << describe(r);
  ASSERT_EQ(ops.size(), 3u);
  EXPECT_EQ(ops[0].kind, op_kind::post);
  EXPECT_EQ(ops[0].run_id, id);
  ASSERT_EQ(ops[0].parts.size(), 1u);
  EXPECT_EQ(ops[0].parts[0].name, "inputs");
  EXPECT_EQ(ops[1].kind, op_kind::post);
  EXPECT_EQ(ops[1].run_id, child);
  EXPECT_EQ(ops[1].trace_id, id);
  ASSERT_EQ(ops[1].parts.size(), 1u);
  EXPECT_EQ(ops[1].parts[0].name, "events");
  EXPECT_EQ(ops[1].parts[0].bytes, events);
  EXPECT_EQ(ops[2].kind, op_kind::patch);
  EXPECT_EQ(ops[2].run_id, id);
  ASSERT_EQ(ops[2].parts.size(), 2u);
  EXPECT_EQ(ops[2].parts[0].name, "outputs");
  EXPECT_EQ(ops[2].parts[0].bytes, outputs);
  EXPECT_EQ(ops[2].parts[1].name, "error");
  EXPECT_EQ(ops[2].parts[1].bytes, error);
}

TEST_F(multipart_ok, attachment_joins_a_patch_when_there_is_no_post) {
  const std::string patch_name = "patch." + id, file_name = "attachment." + id + ".report";
  auto r = read({part(patch_name, json, root_patch), part(file_name, "application/pdf", "%PDF-1.7")});
  ASSERT_FALSE(r) << describe(r);
  ASSERT_EQ(ops.size(), 1u);
  EXPECT_EQ(ops[0].kind, op_kind::patch);
  ASSERT_EQ(ops[0].parts.size(), 1u);
  EXPECT_EQ(ops[0].parts[0].name, "attachment.report");
  EXPECT_EQ(ops[0].parts[0].content_type, "application/pdf");
}

TEST_F(multipart_ok, attachment_prefers_the_post_of_its_run) {
  const std::string names[] = {"patch." + id, "post." + id, "attachment." + id + ".a"};
  auto r = read({part(names[0], json, root_patch), part(names[1], json, root_post), part(names[2], "text/plain", "x")});
  ASSERT_FALSE(r) << describe(r);
  ASSERT_EQ(ops.size(), 2u);
  EXPECT_EQ(ops[0].kind, op_kind::patch);
  EXPECT_TRUE(ops[0].parts.empty());
  EXPECT_EQ(ops[1].kind, op_kind::post);
  ASSERT_EQ(ops[1].parts.size(), 1u);
  EXPECT_EQ(ops[1].parts[0].name, "attachment.a");
}

TEST_F(multipart_ok, ids_in_part_names_compare_whatever_their_case) {
  const std::string post_name = "post." + id_upper, inputs_name = "post." + id + ".inputs",
                    outputs_name = "post." + id_upper + ".outputs", file_name = "attachment." + id_upper + ".f";
  auto r = read({part(post_name, json, root_post), part(inputs_name, json, inputs), part(outputs_name, json, outputs),
                 part(file_name, "text/plain", "x")});
  ASSERT_FALSE(r) << describe(r);
  ASSERT_EQ(ops.size(), 1u);
  EXPECT_EQ(ops[0].run_id, id);
  EXPECT_EQ(ops[0].parts.size(), 3u);
}

TEST_F(multipart_ok, content_type_is_compared_case_insensitively) {
  const std::string post_name = "post." + id, inputs_name = "post." + id + ".inputs";
  auto r = read({part(post_name, "Application/JSON", root_post), part(inputs_name, "APPLICATION/json", inputs)});
  ASSERT_FALSE(r) << describe(r);
  EXPECT_EQ(ops.size(), 1u);
}

TEST_F(multipart_ok, feedback_parts_are_ignored) {
  const std::string post_name = "post." + id, feedback_name = "feedback." + id, other_feedback = "feedback." + stranger;
  auto r = read({part(feedback_name, json, R"({"score":1})"), part(post_name, json, root_post),
                 part(other_feedback, "text/plain", "not json")});
  ASSERT_FALSE(r) << describe(r);
  ASSERT_EQ(ops.size(), 1u);
  EXPECT_TRUE(ops[0].parts.empty());
}

TEST_F(multipart_ok, run_part_without_id_in_its_json_takes_the_part_name_id) {
  const std::string post_name = "post." + id;
  std::string body = root_post;
  body.erase(1, body.find(','));  // drop "id":"…",
  ASSERT_EQ(body.substr(0, 11), "{\"trace_id\"");
  auto r = read({part(post_name, json, body)});
  ASSERT_FALSE(r) << describe(r);
  ASSERT_EQ(ops.size(), 1u);
  EXPECT_EQ(ops[0].run_id, id);
}

struct refused_case {
  std::string name;
  std::vector<std::pair<std::string, std::string>> parts;  ///< name, body; content type below
  std::vector<std::string> types;                          ///< per part; application/json when absent
  unsigned status;
  std::string error;
  std::string detail;
  bool prefix_only = false;
};

TEST(multipart_runs, refusals) {
  const std::string no_field = "names no known field (inputs, outputs, events, extra, error, serialized)";
  const std::string bad_attachment = "must be attachment.<run_id>.<name> with a name without '.'";
  const refused_case cases[] = {
      {"no parts at all", {}, {}, 422, "invalid_multipart_part", "the request has no post.<id> or patch.<id> part"},
      {"only feedback", {{"feedback." + id, "{}"}}, {}, 422, "invalid_multipart_part",
       "the request has no post.<id> or patch.<id> part"},
      {"field part for an unknown run", {{"post." + id, root_post}, {"post." + stranger + ".inputs", inputs}}, {}, 422,
       "invalid_multipart_part",
       "part 'post." + stranger + ".inputs' belongs to no post." + stranger + " part of this request"},
      {"patch field without its patch", {{"post." + id, root_post}, {"patch." + id + ".outputs", outputs}}, {}, 422,
       "invalid_multipart_part", "part 'patch." + id + ".outputs' belongs to no patch." + id + " part of this request"},
      {"field part alone", {{"post." + id + ".inputs", inputs}}, {}, 422, "invalid_multipart_part",
       "part 'post." + id + ".inputs' belongs to no post." + id + " part of this request"},
      {"attachment for an unknown run", {{"post." + id, root_post}, {"attachment." + stranger + ".f", "x"}},
       {"application/json", "text/plain"}, 422, "invalid_multipart_part",
       "part 'attachment." + stranger + ".f' belongs to no run of this request"},
      {"duplicate run part", {{"post." + id, root_post}, {"post." + id, root_post}}, {}, 422, "invalid_multipart_part",
       "part 'post." + id + "' appears twice"},
      {"duplicate run part in other case", {{"post." + id, root_post}, {"post." + id_upper, root_post}}, {}, 422,
       "invalid_multipart_part", "part 'post." + id_upper + "' appears twice"},
      {"duplicate field part", {{"post." + id, root_post}, {"post." + id + ".inputs", inputs}, {"post." + id + ".inputs", inputs}},
       {}, 422, "invalid_multipart_part", "part 'post." + id + ".inputs' appears twice"},
      {"duplicate attachment", {{"post." + id, root_post}, {"attachment." + id + ".f", "1"}, {"attachment." + id + ".f", "2"}},
       {"application/json", "text/plain", "text/plain"}, 422, "invalid_multipart_part",
       "part 'attachment." + id + ".f' appears twice"},
      {"unknown field", {{"post." + id, root_post}, {"post." + id + ".metadata", "{}"}}, {}, 422, "invalid_multipart_part",
       "part 'post." + id + ".metadata' " + no_field},
      {"field named like a run field that has no part", {{"post." + id, root_post}, {"post." + id + ".name", "\"x\""}}, {},
       422, "invalid_multipart_part", "part 'post." + id + ".name' " + no_field},
      {"nested field", {{"post." + id, root_post}, {"post." + id + ".inputs.x", "{}"}}, {}, 422, "invalid_multipart_part",
       "part 'post." + id + ".inputs.x' " + no_field},
      {"attachment name with a dot", {{"post." + id, root_post}, {"attachment." + id + ".image.png", png}},
       {"application/json", "image/png"}, 422, "invalid_multipart_part",
       "part 'attachment." + id + ".image.png' " + bad_attachment},
      {"attachment without a name", {{"post." + id, root_post}, {"attachment." + id, png}}, {"application/json", "image/png"},
       422, "invalid_multipart_part", "part 'attachment." + id + "' " + bad_attachment},
      {"unknown part kind", {{"post." + id, root_post}, {"comment." + id, "{}"}}, {}, 422, "invalid_multipart_part",
       "part 'comment." + id + "' is not post.<id>, patch.<id>, post.<id>.<field>, attachment.<id>.<name> or feedback.<id>"},
      {"bare name", {{"post." + id, root_post}, {"file", "x"}}, {}, 422, "invalid_multipart_part",
       "part 'file' is not post.<id>, patch.<id>, post.<id>.<field>, attachment.<id>.<name> or feedback.<id>"},
      {"run part of text/plain", {{"post." + id, root_post}}, {"text/plain"}, 415, "unsupported_media_type",
       "part 'post." + id + "' must be application/json, not 'text/plain'"},
      {"run part without content type", {{"patch." + id, root_patch}}, {""}, 415, "unsupported_media_type",
       "part 'patch." + id + "' must be application/json, not ''"},
      {"field part of octet-stream", {{"post." + id, root_post}, {"post." + id + ".inputs", inputs}},
       {"application/json", "application/octet-stream"}, 415, "unsupported_media_type",
       "part 'post." + id + ".inputs' must be application/json, not 'application/octet-stream'"},
      {"field part of application/jsonx", {{"post." + id, root_post}, {"post." + id + ".inputs", inputs}},
       {"application/json", "application/jsonx"}, 415, "unsupported_media_type",
       "part 'post." + id + ".inputs' must be application/json, not 'application/jsonx'"},
      {"run part name without a UUID", {{"post.abc", root_post}}, {}, 422, "invalid_run",
       "part 'post.abc' does not name a run UUID"},
      {"run part name with no id", {{"post", root_post}}, {}, 422, "invalid_run", "part 'post' does not name a run UUID"},
      {"run part JSON id differs from its name", {{"post." + stranger, root_post}}, {}, 422, "invalid_run",
       "post." + stranger + ".id '" + id + "' does not match the id '" + stranger + "' it is sent under"},
      {"run part invalid JSON", {{"post." + id, "{\"id\":"}}, {}, 400, "invalid_json",
       "part 'post." + id + "' is not valid JSON: ", true},
      {"run part missing trace_id", {{"post." + id, R"({"name":"n","run_type":"llm"})"}}, {}, 422, "invalid_run",
       "post." + id + ".trace_id is required"},
      {"run part missing dotted_order", {{"patch." + id, R"({"trace_id":")" + id + "\"}"}}, {}, 422, "invalid_run",
       "patch." + id + ".dotted_order is required"},
      {"field part of the wrong JSON type", {{"post." + id, root_post}, {"post." + id + ".inputs", "[1,2]"}}, {}, 422,
       "invalid_run", "part 'post." + id + ".inputs' must be an object"},
      {"events part not an array", {{"post." + id, root_post}, {"post." + id + ".events", "{}"}}, {}, 422, "invalid_run",
       "part 'post." + id + ".events' must be an array"},
      {"field part invalid JSON", {{"post." + id, root_post}, {"post." + id + ".outputs", "{"}}, {}, 400,
       "invalid_json", "part 'post." + id + ".outputs' is not valid JSON: ", true},
      {"field part empty", {{"post." + id, root_post}, {"post." + id + ".outputs", ""}}, {}, 400, "invalid_json",
       "part 'post." + id + ".outputs' is empty"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    std::vector<multipart_part> parts;
    for (std::size_t i = 0; i < c.parts.size(); ++i)
      parts.push_back({c.parts[i].first, i < c.types.size() ? std::string_view(c.types[i]) : json, c.parts[i].second});
    run_reader reader({});
    std::vector<run_op> ops;
    expect_rejection(read_multipart_runs(parts, reader, ops), c.status, c.error, c.detail, c.prefix_only);
  }
}

TEST(multipart_runs, more_run_parts_than_max_runs) {
  run_reader reader({.max_runs = 1});
  const std::string a = "post." + id, b = "post." + child, c = "patch." + id;
  std::vector<run_op> ops;
  auto r = read_multipart_runs({part(a, json, root_post)}, reader, ops);
  ASSERT_FALSE(r) << describe(r);
  EXPECT_EQ(ops.size(), 1u);
  ops.clear();
  r = read_multipart_runs({part(a, json, root_post), part(b, json, child_post)}, reader, ops);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 413u);
  EXPECT_EQ(r->error, "too_many_runs");
  EXPECT_EQ(r->detail, "the request has more than 1 runs");
  ops.clear();
  r = read_multipart_runs({part(a, json, root_post), part(c, json, root_patch)}, reader, ops);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 413u);
}

TEST(multipart_runs, part_name_with_an_empty_field_is_refused) {
  const std::string name = "post." + id + ".";
  run_reader reader({});
  std::vector<run_op> ops;
  auto r = read_multipart_runs({part(name, json, root_post)}, reader, ops);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 422u);
  EXPECT_EQ(r->error, "invalid_multipart_part");
}

}  // namespace
}  // namespace tracepipe::ingest
