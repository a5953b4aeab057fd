#include "ingest/run_reader.hpp"

#include <gtest/gtest.h>

#include <simdjson.h>

#include <string>
#include <utility>
#include <vector>

namespace tracepipe::ingest {
namespace {

constexpr std::string_view root_id = "0f8fad5b-d9cb-469f-a165-70867728950e";
constexpr std::string_view child_id = "7c9e6679-7425-40de-944b-e07fc1f90ae7";
constexpr std::string_view other_id = "16fd2706-8baf-433b-82eb-8c7fada847da";

std::string json_str(std::string_view s) { return "\"" + std::string(s) + "\""; }

const std::string root_dotted = "20240501T120000123456Z" + std::string(root_id);
const std::string child_dotted = root_dotted + ".20240501T120000200000Z" + std::string(child_id);

/// A run object as an ordered list of fields with raw JSON values, so a test
/// can replace or drop one field of an otherwise valid run.
class run_json {
 public:
  run_json& set(std::string name, std::string raw) {
    for (auto& [n, v] : fields_)
      if (n == name) {
        v = std::move(raw);
        return *this;
      }
    fields_.emplace_back(std::move(name), std::move(raw));
    return *this;
  }
  run_json& drop(std::string_view name) {
    std::erase_if(fields_, [&](const auto& f) { return f.first == name; });
    return *this;
  }
  std::string str() const {
    std::string out = "{";
    for (const auto& [n, v] : fields_) out += (out.size() > 1 ? "," : "") + json_str(n) + ":" + v;
    return out + "}";
  }

 private:
  std::vector<std::pair<std::string, std::string>> fields_;
};

/// A root run's post as the Python SDK sends it in a batch.
run_json root_post() {
  return run_json()
      .set("id", json_str(root_id))
      .set("trace_id", json_str(root_id))
      .set("dotted_order", json_str(root_dotted))
      .set("name", R"("RunnableSequence")")
      .set("run_type", R"("chain")")
      .set("start_time", R"("2024-05-01T12:00:00.123456")")
      .set("inputs", R"({"question":"what is 2+2?"})")
      .set("extra", R"({"metadata":{"ls_run_depth":0},"runtime":{"sdk":"langsmith-py"}})")
      .set("serialized", "{}")
      .set("events", R"([{"name":"start","time":"2024-05-01T12:00:00.123456+00:00"}])")
      .set("tags", R"(["demo"])")
      .set("session_name", R"("my-project")");
}

/// A child run's post as the JS SDK sends it: epoch-millisecond times.
run_json child_post() {
  return run_json()
      .set("id", json_str(child_id))
      .set("trace_id", json_str(root_id))
      .set("parent_run_id", json_str(root_id))
      .set("dotted_order", json_str(child_dotted))
      .set("name", R"("ChatOpenAI")")
      .set("run_type", R"("llm")")
      .set("start_time", "1714564800200")
      .set("inputs", R"({"messages":[{"role":"user","content":"what is 2+2?"}]})")
      .set("extra", R"({"metadata":{"ls_provider":"openai"}})")
      .set("tags", "[]")
      .set("session_name", R"("my-project")");
}

/// The root run's patch at its end.
run_json root_patch() {
  return run_json()
      .set("id", json_str(root_id))
      .set("trace_id", json_str(root_id))
      .set("dotted_order", json_str(root_dotted))
      .set("end_time", R"("2024-05-01T12:00:01.000000Z")")
      .set("outputs", R"({"answer":"4"})")
      .set("error", "null")
      .set("session_name", R"("my-project")");
}

std::string batch(const std::vector<run_json>& posts, const std::vector<run_json>& patches = {}) {
  auto list = [](const std::vector<run_json>& runs) {
    std::string out = "[";
    for (const auto& r : runs) out += (out.size() > 1 ? "," : "") + r.str();
    return out + "]";
  };
  return R"({"post":)" + list(posts) + R"(,"patch":)" + list(patches) + "}";
}

std::string minified(std::string_view json) {
  simdjson::dom::parser parser;
  simdjson::dom::element e;
  EXPECT_EQ(parser.parse(json.data(), json.size()).get(e), simdjson::SUCCESS) << json;
  return simdjson::minify(e);
}

std::string describe(const std::optional<rejection>& r) {
  return r ? std::to_string(r->status) + " " + r->error + ": " + r->detail : "accepted";
}

// ---- valid runs ----

TEST(run_reader, batch_of_posts_and_patches_as_the_sdks_send_them) {
  run_reader reader({});
  auto root = root_post(), child = child_post(), patch = root_patch();
  std::vector<run_op> ops;
  auto r = reader.read_batch(batch({root, child}, {patch}), ops);
  ASSERT_FALSE(r) << describe(r);
  ASSERT_EQ(ops.size(), 3u);

  EXPECT_EQ(ops[0].kind, op_kind::post);
  EXPECT_EQ(ops[0].run_id, root_id);
  EXPECT_EQ(ops[0].trace_id, root_id);
  EXPECT_EQ(ops[0].project, "my-project");
  EXPECT_EQ(ops[0].json, minified(root.str()));
  EXPECT_TRUE(ops[0].parts.empty());

  EXPECT_EQ(ops[1].kind, op_kind::post);
  EXPECT_EQ(ops[1].run_id, child_id);
  EXPECT_EQ(ops[1].trace_id, root_id);
  EXPECT_EQ(ops[1].json, minified(child.str()));

  EXPECT_EQ(ops[2].kind, op_kind::patch);
  EXPECT_EQ(ops[2].run_id, root_id);
  EXPECT_EQ(ops[2].trace_id, root_id);
  EXPECT_EQ(ops[2].project, "my-project");
  EXPECT_EQ(ops[2].json, minified(patch.str()));
  EXPECT_EQ(ops[2].bytes(), ops[2].json.size());
}

TEST(run_reader, op_json_is_compact_and_reparses_to_the_same_run) {
  run_reader reader({});
  std::string pretty = "{\n  \"id\" : \"" + std::string(root_id) + "\",\n  \"trace_id\": \"" + std::string(root_id) +
                       "\",\n  \"dotted_order\": \"" + root_dotted +
                       "\",\n  \"name\": \"x \\\"quoted\\\" \\u00e9\",\n  \"run_type\": \"tool\",\n  \"inputs\": "
                       "{ \"a\" : [ 1 , 2.5 , true , null ] }\n}\n";
  std::vector<run_op> ops;
  auto r = reader.read_single_post(pretty, ops);
  ASSERT_FALSE(r) << describe(r);
  ASSERT_EQ(ops.size(), 1u);
  EXPECT_EQ(ops[0].json, minified(pretty));
  EXPECT_EQ(ops[0].json.find('\n'), std::string::npos);
  EXPECT_EQ(minified(ops[0].json), ops[0].json);
  EXPECT_NE(ops[0].json.find(R"("inputs":{"a":[1,2.5,true,null]})"), std::string::npos) << ops[0].json;
}

TEST(run_reader, ids_are_canonical_lower_case) {
  run_reader reader({});
  auto upper = [](std::string_view s) {
    std::string out(s);
    for (auto& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    return out;
  };
  auto root = root_post()
                  .set("id", json_str(upper(root_id)))
                  .set("trace_id", json_str(upper(root_id)))
                  .set("dotted_order", json_str("20240501T120000123456Z" + upper(root_id)));
  std::vector<run_op> ops;
  auto r = reader.read_batch(batch({root}), ops);
  ASSERT_FALSE(r) << describe(r);
  ASSERT_EQ(ops.size(), 1u);
  EXPECT_EQ(ops[0].run_id, root_id);
  EXPECT_EQ(ops[0].trace_id, root_id);
}

struct project_case {
  std::string name;
  run_json run;
  std::string project;
};

TEST(run_reader, project_from_session_name_then_session_id_then_default) {
  const project_case cases[] = {
      {"session_name", root_post(), "my-project"},
      {"session_id", root_post().drop("session_name").set("session_id", json_str(other_id)), std::string(other_id)},
      {"session_name wins", root_post().set("session_id", json_str(other_id)), "my-project"},
      {"null session_name", root_post().set("session_name", "null").set("session_id", json_str(other_id)),
       std::string(other_id)},
      {"neither", root_post().drop("session_name"), "fallback"},
      {"both null", root_post().set("session_name", "null").set("session_id", "null"), "fallback"},
  };
  run_reader reader({.default_project = "fallback"});
  for (const auto& c : cases) {
    std::vector<run_op> ops;
    auto r = reader.read_batch(batch({c.run}), ops);
    ASSERT_FALSE(r) << c.name << ": " << describe(r);
    ASSERT_EQ(ops.size(), 1u) << c.name;
    EXPECT_EQ(ops[0].project, c.project) << c.name;
  }
}

TEST(run_reader, optional_fields_may_be_null_or_absent) {
  run_reader reader({});
  const run_json cases[] = {
      root_post().set("parent_run_id", "null").set("reference_example_id", "null"),
      root_post().set("reference_example_id", json_str(other_id)),
      root_post().set("start_time", "null").set("end_time", "null"),
      root_post().drop("start_time"),
      root_post().set("start_time", "1714564800.5"),            // epoch seconds
      root_post().set("start_time", "1714564800123456"),        // epoch µs
      root_post().set("start_time", R"("2024-05-01 12:00:00")"),
      root_post().set("start_time", R"("2024-05-01T14:00:00.123+02:00")"),
      root_post().set("inputs", "null").set("outputs", "null").set("extra", "null").set("serialized", "null"),
      root_post().set("events", "null").set("tags", "null").set("error", "null"),
      root_post().set("error", R"("Traceback ...")").set("outputs", "{}"),
      root_post().drop("inputs").drop("extra").drop("serialized").drop("events").drop("tags"),
      root_post().set("unknown_field", R"({"kept":true})"),
      root_post().set("attachments", "{}"),
  };
  for (const auto& run : cases) {
    std::vector<run_op> ops;
    auto r = reader.read_batch(batch({run}), ops);
    EXPECT_FALSE(r) << run.str() << "\n" << describe(r);
    EXPECT_EQ(ops.size(), r ? 0u : 1u);
  }
}

TEST(run_reader, same_id_may_be_posted_and_patched_in_one_batch) {
  run_reader reader({});
  std::vector<run_op> ops;
  auto r = reader.read_batch(batch({root_post()}, {root_patch()}), ops);
  ASSERT_FALSE(r) << describe(r);
  ASSERT_EQ(ops.size(), 2u);
  EXPECT_EQ(ops[0].run_id, ops[1].run_id);
}

TEST(run_reader, batch_with_only_post_only_patch_or_neither) {
  run_reader reader({});
  struct {
    std::string body;
    std::size_t ops;
  } cases[] = {
      {R"({"post":[)" + root_post().str() + "]}", 1},
      {R"({"patch":[)" + root_patch().str() + "]}", 1},
      {R"({"post":null,"patch":[)" + root_patch().str() + "]}", 1},
      {R"({"post":[],"patch":[]})", 0},
      {"{}", 0},
      {R"({"other":1})", 0},
  };
  for (const auto& c : cases) {
    std::vector<run_op> ops;
    auto r = reader.read_batch(c.body, ops);
    EXPECT_FALSE(r) << c.body << "\n" << describe(r);
    EXPECT_EQ(ops.size(), c.ops) << c.body;
  }
}

TEST(run_reader, exactly_max_runs_is_accepted) {
  run_reader reader({.max_runs = 2});
  std::vector<run_op> ops;
  auto r = reader.read_batch(batch({root_post()}, {root_patch()}), ops);
  EXPECT_FALSE(r) << describe(r);
  EXPECT_EQ(ops.size(), 2u);
}

/// k levels of alternating objects and arrays around a scalar, the outermost an object.
std::string nested(int k) {
  std::string v = "1";
  for (int i = 0; i < k; ++i) {
    bool object = (k - 1 - i) % 2 == 0;
    v = (object ? "{\"k\":" : "[") + v + (object ? "}" : "]");
  }
  return v;
}

TEST(run_reader, nesting_below_json_depth_is_accepted) {
  // {"post":[{"extra": …k levels… }]}: the body, the array and the run are 3 levels.
  run_reader reader({.json_depth = 8});
  std::vector<run_op> ops;
  auto r = reader.read_batch(batch({root_post().set("extra", nested(4))}), ops);  // 7 levels
  EXPECT_FALSE(r) << describe(r);
  EXPECT_EQ(ops.size(), 1u);
  ops.clear();
  r = reader.read_batch(batch({root_post().set("extra", nested(6))}), ops);  // 9 levels
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 400u);
  EXPECT_EQ(r->error, "json_too_deep");
  EXPECT_EQ(r->detail, "the body nests objects/arrays deeper than 8 levels");
}

TEST(run_reader, nesting_of_exactly_json_depth_is_accepted) {
  run_reader reader({.json_depth = 8});
  std::vector<run_op> ops;
  auto r = reader.read_batch(batch({root_post().set("extra", nested(5))}), ops);  // 8 levels
  EXPECT_FALSE(r) << describe(r);
}

TEST(run_reader, parser_grows_past_its_initial_capacity) {
  run_reader reader({});
  std::string big(300 * 1024, 'x');
  std::vector<run_op> ops;
  auto r = reader.read_batch(batch({root_post().set("inputs", R"({"text":")" + big + "\"}")}), ops);
  ASSERT_FALSE(r) << describe(r);
  ASSERT_EQ(ops.size(), 1u);
  EXPECT_GT(ops[0].json.size(), big.size());
}

TEST(run_reader, reader_is_reusable_after_a_rejection) {
  run_reader reader({});
  std::vector<run_op> ops;
  EXPECT_TRUE(reader.read_batch("{", ops));
  ops.clear();
  auto r = reader.read_batch(batch({root_post()}), ops);
  EXPECT_FALSE(r) << describe(r);
  EXPECT_EQ(ops.size(), 1u);
}

// ---- invalid requests ----

struct invalid_case {
  std::string name;
  std::string body;
  unsigned status;
  std::string error;
  std::string detail;  ///< exact, or a prefix when prefix_only
  bool prefix_only = false;
};

void expect_rejected(run_reader& reader, const invalid_case& c,
                     std::optional<rejection> (run_reader::*read)(std::string_view, std::vector<run_op>&)) {
  SCOPED_TRACE(c.name);
  std::vector<run_op> ops;
  auto r = (reader.*read)(c.body, ops);
  ASSERT_TRUE(r) << "accepted: " << c.body;
  EXPECT_EQ(r->status, c.status);
  EXPECT_EQ(r->error, c.error);
  if (c.prefix_only)
    EXPECT_EQ(r->detail.substr(0, c.detail.size()), c.detail) << r->detail;
  else
    EXPECT_EQ(r->detail, c.detail);
}

std::vector<invalid_case> invalid_batches() {
  const std::string one_of = "must be one of llm, tool, chain, retriever, embedding, prompt, parser";
  const std::string iso = "is not an ISO-8601 time such as 2024-05-01T12:00:00.000Z";
  const std::string iso_or_number = "must be an ISO-8601 string or a non-negative epoch number";
  const std::string malformed_segment = "segment 0 is not <%Y%m%dT%H%M%S%fZ><uuid>";
  auto root = root_post();
  auto second = [&](run_json run) { return batch({root, std::move(run)}); };
  auto child = child_post();
  return {
      // JSON itself
      {"malformed JSON", R"({"post":[})", 400, "invalid_json", "the body is not valid JSON: ", true},
      {"truncated JSON", batch({root}).substr(0, 40), 400, "invalid_json", "the body is not valid JSON: ", true},
      {"two documents", "{} {}", 400, "invalid_json", "the body is not valid JSON: ", true},
      {"empty body", "", 400, "invalid_json", "the body is empty"},
      {"blank body", " \r\n\t", 400, "invalid_json", "the body is empty"},
      {"invalid UTF-8", second(child_post().set("name", "\"bad \xff byte\"")), 400, "invalid_json",
       "the body is not valid JSON: The input is not valid UTF-8"},
      {"overlong UTF-8", second(child_post().set("name", "\"\xc0\xaf\"")), 400, "invalid_json",
       "the body is not valid JSON: The input is not valid UTF-8"},
      {"number out of range", second(child_post().set("inputs", R"({"x":1e400})")), 400, "invalid_json",
       "the body is not valid JSON: ", true},
      {"integer beyond 64 bits", second(child_post().set("inputs", R"({"x":123456789012345678901234567890})")), 400,
       "invalid_json", "the body is not valid JSON: ", true},
      // batch shape
      {"batch is an array", "[]", 422, "invalid_batch", R"(the body must be an object {"post": [...], "patch": [...]})"},
      {"batch is a string", R"("post")", 422, "invalid_batch",
       R"(the body must be an object {"post": [...], "patch": [...]})"},
      {"batch is null", "null", 422, "invalid_batch", R"(the body must be an object {"post": [...], "patch": [...]})"},
      {"post is an object", R"({"post":{}})", 422, "invalid_batch", "'post' must be an array of runs"},
      {"post is a string", R"({"post":"runs"})", 422, "invalid_batch", "'post' must be an array of runs"},
      {"patch is a number", R"({"post":[],"patch":1})", 422, "invalid_batch", "'patch' must be an array of runs"},
      {"run is a number", R"({"post":[1]})", 422, "invalid_run", "post[0] is not a JSON object"},
      {"run is an array", R"({"post":[)" + root.str() + ",[]]}", 422, "invalid_run",
       "post[1] is not a JSON object"},
      {"run is null", R"({"post":[],"patch":[null]})", 422, "invalid_run", "patch[0] is not a JSON object"},
      // required fields
      {"missing id", second(child_post().drop("id")), 422, "invalid_run", "post[1].id is required"},
      {"null id", second(child_post().set("id", "null")), 422, "invalid_run", "post[1].id is required"},
      {"missing trace_id", second(child_post().drop("trace_id")), 422, "invalid_run", "post[1].trace_id is required"},
      {"missing dotted_order", second(child_post().drop("dotted_order")), 422, "invalid_run",
       "post[1].dotted_order is required"},
      {"null dotted_order", second(child_post().set("dotted_order", "null")), 422, "invalid_run",
       "post[1].dotted_order is required"},
      {"missing run_type", second(child_post().drop("run_type")), 422, "invalid_run", "post[1].run_type is required"},
      {"missing name", second(child_post().drop("name")), 422, "invalid_run",
       "post[1].name is required and must be a non-empty string"},
      {"empty name", second(child_post().set("name", R"("")")), 422, "invalid_run",
       "post[1].name is required and must be a non-empty string"},
      {"name not a string", second(child_post().set("name", "7")), 422, "invalid_run",
       "post[1].name is required and must be a non-empty string"},
      {"patch missing trace_id", batch({}, {root_patch().drop("trace_id")}), 422, "invalid_run",
       "patch[0].trace_id is required"},
      {"patch missing dotted_order", batch({}, {root_patch().drop("dotted_order")}), 422, "invalid_run",
       "patch[0].dotted_order is required"},
      // UUIDs
      {"bad UUID id", second(child_post().set("id", R"("not-a-uuid")")), 422, "invalid_run",
       "post[1].id must be a UUID string"},
      {"numeric id", second(child_post().set("id", "42")), 422, "invalid_run", "post[1].id must be a UUID string"},
      {"braced UUID id", second(child_post().set("id", json_str("{" + std::string(child_id) + "}"))), 422,
       "invalid_run", "post[1].id must be a UUID string"},
      {"bad trace_id", second(child_post().set("trace_id", R"("0f8fad5b")")), 422, "invalid_run",
       "post[1].trace_id must be a UUID string"},
      {"bad parent_run_id", second(child_post().set("parent_run_id", R"("parent")")), 422, "invalid_run",
       "post[1].parent_run_id must be a UUID string"},
      {"bad reference_example_id", second(child_post().set("reference_example_id", "[]")), 422, "invalid_run",
       "post[1].reference_example_id must be a UUID string"},
      // run_type
      {"bad run_type", second(child_post().set("run_type", R"("agent")")), 422, "invalid_run", "post[1].run_type " + one_of},
      {"upper-case run_type", second(child_post().set("run_type", R"("LLM")")), 422, "invalid_run",
       "post[1].run_type " + one_of},
      {"null run_type on a post", second(child_post().set("run_type", "null")), 422, "invalid_run",
       "post[1].run_type is required"},
      {"run_type not a string", second(child_post().set("run_type", "1")), 422, "invalid_run",
       "post[1].run_type " + one_of},
      // times
      {"start_time not ISO", second(child_post().set("start_time", R"("yesterday")")), 422, "invalid_run",
       "post[1].start_time " + iso},
      {"start_time Feb 30", second(child_post().set("start_time", R"("2024-02-30T00:00:00Z")")), 422, "invalid_run",
       "post[1].start_time " + iso},
      {"start_time negative", second(child_post().set("start_time", "-5")), 422, "invalid_run",
       "post[1].start_time " + iso_or_number},
      {"end_time boolean", batch({root}, {root_patch().set("end_time", "true")}), 422, "invalid_run",
       "patch[0].end_time " + iso_or_number},
      {"end_time object", batch({root}, {root_patch().set("end_time", "{}")}), 422, "invalid_run",
       "patch[0].end_time " + iso_or_number},
      // dotted_order
      {"dotted_order of another run", second(child_post().set("dotted_order", json_str(root_dotted))), 422,
       "invalid_run", "post[1].dotted_order its last segment does not end with the run's id"},
      {"dotted_order of another trace", second(child_post().set("trace_id", json_str(other_id))), 422, "invalid_run",
       "post[1].dotted_order its first segment does not end with the trace_id"},
      {"dotted_order malformed", second(child_post().set("dotted_order", json_str("2024-05-01" + std::string(child_id)))),
       422, "invalid_run", "post[1].dotted_order " + malformed_segment},
      {"dotted_order bad date", second(child_post().set("dotted_order", json_str("20241301T000000000000Z" + std::string(child_id)))),
       422, "invalid_run", "post[1].dotted_order " + malformed_segment},
      {"dotted_order not a string", second(child_post().set("dotted_order", "1")), 422, "invalid_run",
       "post[1].dotted_order must be a string"},
      // duplicates and limits
      {"duplicate ids", batch({root, child, child}), 422, "invalid_run",
       "post[2].id '" + std::string(child_id) + "' appears twice in 'post'"},
      {"duplicate ids in other case", batch({root, root_post().set("id", json_str("0F8FAD5B-D9CB-469F-A165-70867728950E"))}),
       422, "invalid_run", "post[1].id '" + std::string(root_id) + "' appears twice in 'post'"},
      {"duplicate patch ids", batch({}, {root_patch(), root_patch()}), 422, "invalid_run",
       "patch[1].id '" + std::string(root_id) + "' appears twice in 'patch'"},
      // payload field types
      {"inputs an array", second(child_post().set("inputs", "[1]")), 422, "invalid_run", "post[1].inputs must be an object"},
      {"inputs a string", second(child_post().set("inputs", R"("hi")")), 422, "invalid_run",
       "post[1].inputs must be an object"},
      {"outputs a string", batch({root}, {root_patch().set("outputs", R"("4")")}), 422, "invalid_run",
       "patch[0].outputs must be an object"},
      {"extra an array", second(child_post().set("extra", "[]")), 422, "invalid_run", "post[1].extra must be an object"},
      {"serialized a number", second(child_post().set("serialized", "0")), 422, "invalid_run",
       "post[1].serialized must be an object"},
      {"events an object", second(child_post().set("events", "{}")), 422, "invalid_run", "post[1].events must be an array"},
      {"tags a string", second(child_post().set("tags", R"("a,b")")), 422, "invalid_run", "post[1].tags must be an array"},
      {"error an object", batch({root}, {root_patch().set("error", R"({"msg":"x"})")}), 422, "invalid_run",
       "patch[0].error must be a string"},
      {"session_name a number", second(child_post().set("session_name", "3")), 422, "invalid_run",
       "post[1].session_name must be a string"},
      {"session_id a boolean", second(child_post().set("session_id", "false")), 422, "invalid_run",
       "post[1].session_id must be a string"},
  };
}

TEST(run_reader, invalid_batches_are_refused_naming_where) {
  run_reader reader({});
  auto cases = invalid_batches();
  EXPECT_GE(cases.size(), 25u);
  for (const auto& c : cases) expect_rejected(reader, c, &run_reader::read_batch);
}

TEST(run_reader, nesting_deeper_than_json_depth) {
  run_reader reader({.json_depth = 64});
  std::string deep = std::string(65, '[') + "1" + std::string(65, ']');
  expect_rejected(reader, {"65 arrays", deep, 400, "json_too_deep", "the body nests objects/arrays deeper than 64 levels"},
                  &run_reader::read_batch);
  std::string ok = std::string(64, '[') + "1" + std::string(64, ']');
  expect_rejected(reader, {"64 arrays", ok, 422, "invalid_batch", R"(the body must be an object {"post": [...], "patch": [...]})"},
                  &run_reader::read_batch);
  std::string deep_inputs = "1";
  for (int i = 0; i < 70; ++i) deep_inputs = R"({"a":)" + deep_inputs + "}";
  expect_rejected(reader, {"deep inputs", batch({root_post().set("inputs", deep_inputs)}), 400, "json_too_deep",
                           "the body nests objects/arrays deeper than 64 levels"},
                  &run_reader::read_batch);
}

TEST(run_reader, more_runs_than_max_runs) {
  run_reader reader({.max_runs = 2});
  expect_rejected(reader, {"three posts", batch({root_post(), child_post(), child_post()}), 413, "too_many_runs",
                           "the batch has more than 2 runs"},
                  &run_reader::read_batch);
  expect_rejected(reader, {"posts plus patches", batch({root_post(), child_post()}, {root_patch()}), 413,
                           "too_many_runs", "the batch has more than 2 runs"},
                  &run_reader::read_batch);
  expect_rejected(reader, {"three patches", batch({}, {root_patch(), root_patch(), root_patch()}), 413, "too_many_runs",
                           "the batch has more than 2 runs"},
                  &run_reader::read_batch);
}

// ---- POST /runs ----

TEST(run_reader, single_post) {
  run_reader reader({});
  std::vector<run_op> ops;
  auto run = child_post();
  auto r = reader.read_single_post(run.str(), ops);
  ASSERT_FALSE(r) << describe(r);
  ASSERT_EQ(ops.size(), 1u);
  EXPECT_EQ(ops[0].kind, op_kind::post);
  EXPECT_EQ(ops[0].run_id, child_id);
  EXPECT_EQ(ops[0].trace_id, root_id);
  EXPECT_EQ(ops[0].project, "my-project");
  EXPECT_EQ(ops[0].json, minified(run.str()));
}

TEST(run_reader, single_post_appends_to_out) {
  run_reader reader({});
  std::vector<run_op> ops(1);
  auto r = reader.read_single_post(root_post().str(), ops);
  ASSERT_FALSE(r) << describe(r);
  ASSERT_EQ(ops.size(), 2u);
  EXPECT_EQ(ops[1].run_id, root_id);
}

TEST(run_reader, invalid_single_posts) {
  run_reader reader({});
  const invalid_case cases[] = {
      {"empty", "", 400, "invalid_json", "the body is empty"},
      {"malformed", "{\"id\":", 400, "invalid_json", "the body is not valid JSON: ", true},
      {"array", "[]", 422, "invalid_run", "run is not a JSON object"},
      {"missing id", root_post().drop("id").str(), 422, "invalid_run", "run.id is required"},
      {"missing trace_id", root_post().drop("trace_id").str(), 422, "invalid_run", "run.trace_id is required"},
      {"missing dotted_order", root_post().drop("dotted_order").str(), 422, "invalid_run", "run.dotted_order is required"},
      {"bad run_type", root_post().set("run_type", R"("Chain")").str(), 422, "invalid_run",
       "run.run_type must be one of llm, tool, chain, retriever, embedding, prompt, parser"},
      {"tags object", root_post().set("tags", "{}").str(), 422, "invalid_run", "run.tags must be an array"},
  };
  for (const auto& c : cases) expect_rejected(reader, c, &run_reader::read_single_post);
}

// ---- PATCH /runs/{id} ----

TEST(run_reader, patch_takes_its_id_from_the_url) {
  run_reader reader({});
  struct {
    std::string name;
    run_json body;
    std::string_view url_id;
    std::string trace_id;
  } cases[] = {
      {"full patch", root_patch(), root_id, std::string(root_id)},
      {"body without id", root_patch().drop("id"), root_id, std::string(root_id)},
      {"null id", root_patch().set("id", "null"), root_id, std::string(root_id)},
      {"upper-case URL id", root_patch(), "0F8FAD5B-D9CB-469F-A165-70867728950E", std::string(root_id)},
      {"only end_time", run_json().set("end_time", "1714564801000"), root_id, ""},
      {"outputs and error", run_json().set("outputs", "{}").set("error", R"("boom")"), root_id, ""},
      {"dotted_order without trace_id", root_patch().drop("trace_id"), root_id, ""},
      {"empty object", run_json(), child_id, ""},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    std::vector<run_op> ops;
    auto r = reader.read_patch(c.body.str(), c.url_id, ops);
    ASSERT_FALSE(r) << describe(r);
    ASSERT_EQ(ops.size(), 1u);
    EXPECT_EQ(ops[0].kind, op_kind::patch);
    EXPECT_EQ(ops[0].run_id, std::string(c.url_id == child_id ? child_id : root_id));
    EXPECT_EQ(ops[0].trace_id, c.trace_id);
    EXPECT_EQ(ops[0].json, minified(c.body.str()));
  }
}

TEST(run_reader, invalid_patches) {
  run_reader reader({});
  struct patch_case {
    invalid_case c;
    std::string_view url_id;
  };
  const patch_case cases[] = {
      {{"URL id not a UUID", root_patch().str(), 422, "invalid_run", "the run id in the path, 'abc', is not a UUID"}, "abc"},
      {{"empty URL id", root_patch().str(), 422, "invalid_run", "the run id in the path, '', is not a UUID"}, ""},
      {{"body id differs", root_patch().str(), 422, "invalid_run",
        "run.id '" + std::string(root_id) + "' does not match the id '" + std::string(child_id) + "' it is sent under"},
       child_id},
      {{"body id not a UUID", root_patch().set("id", R"("x")").str(), 422, "invalid_run", "run.id must be a UUID string"},
       root_id},
      {{"malformed body", "{", 400, "invalid_json", "the body is not valid JSON: ", true}, root_id},
      {{"empty body", "", 400, "invalid_json", "the body is empty"}, root_id},
      {{"array body", "[]", 422, "invalid_run", "run is not a JSON object"}, root_id},
      {{"bad end_time", run_json().set("end_time", R"("2024-13-01T00:00:00Z")").str(), 422, "invalid_run",
        "run.end_time is not an ISO-8601 time such as 2024-05-01T12:00:00.000Z"},
       root_id},
      {{"dotted_order of another run", run_json().set("dotted_order", json_str(child_dotted)).str(), 422, "invalid_run",
        "run.dotted_order its last segment does not end with the run's id"},
       root_id},
      {{"bad run_type", run_json().set("run_type", R"("x")").str(), 422, "invalid_run",
        "run.run_type must be one of llm, tool, chain, retriever, embedding, prompt, parser"},
       root_id},
      {{"outputs an array", run_json().set("outputs", "[]").str(), 422, "invalid_run", "run.outputs must be an object"},
       root_id},
      {{"events a string", run_json().set("events", R"("e")").str(), 422, "invalid_run", "run.events must be an array"},
       root_id},
  };
  for (const auto& pc : cases) {
    SCOPED_TRACE(pc.c.name);
    std::vector<run_op> ops;
    auto r = reader.read_patch(pc.c.body, pc.url_id, ops);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, pc.c.status);
    EXPECT_EQ(r->error, pc.c.error);
    if (pc.c.prefix_only)
      EXPECT_EQ(r->detail.substr(0, pc.c.detail.size()), pc.c.detail) << r->detail;
    else
      EXPECT_EQ(r->detail, pc.c.detail);
    EXPECT_TRUE(ops.empty());
  }
}

// ---- multipart pieces ----

TEST(run_reader, part_run_and_field_checks) {
  run_reader reader({});
  run_op op;
  auto r = reader.read_part_run(root_post().drop("inputs").str(), op_kind::post, root_id, "post." + std::string(root_id), op);
  ASSERT_FALSE(r) << describe(r);
  EXPECT_EQ(op.run_id, root_id);
  EXPECT_EQ(op.kind, op_kind::post);

  r = reader.read_part_run(root_post().drop("id").str(), op_kind::post, root_id, "post.x", op);
  EXPECT_FALSE(r) << describe(r);
  EXPECT_EQ(op.run_id, root_id);

  r = reader.read_part_run(root_post().str(), op_kind::post, "nope", "post.nope", op);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 422u);
  EXPECT_EQ(r->detail, "part 'post.nope' does not name a run UUID");

  r = reader.read_part_run("{", op_kind::post, root_id, "post.p", op);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 400u);
  EXPECT_EQ(r->detail.substr(0, 32), "part 'post.p' is not valid JSON:");

  EXPECT_FALSE(reader.check_field(R"({"a":1})", "inputs", "post.x.inputs"));
  EXPECT_FALSE(reader.check_field("null", "outputs", "post.x.outputs"));
  EXPECT_FALSE(reader.check_field("[]", "events", "post.x.events"));
  EXPECT_FALSE(reader.check_field(R"("boom")", "error", "post.x.error"));
  r = reader.check_field("[]", "inputs", "post.x.inputs");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 422u);
  EXPECT_EQ(r->error, "invalid_run");
  EXPECT_EQ(r->detail, "part 'post.x.inputs' must be an object");
  r = reader.check_field("{", "inputs", "post.x.inputs");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 400u);
  EXPECT_EQ(r->error, "invalid_json");
}

}  // namespace
}  // namespace tracepipe::ingest
