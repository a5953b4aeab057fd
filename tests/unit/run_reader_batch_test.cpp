// run_reader on valid batches (POST /runs/batch) as the SDKs send them.
#include "ingest/run_reader.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "run_reader_test_support.hpp"

namespace tracepipe::ingest {
namespace {

using namespace run_reader_test;

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

TEST(run_reader, op_json_is_the_run_compacted_and_reparses_to_the_same_run) {
  run_reader reader({});
  std::string pretty = "{\n  \"id\" : \"" + std::string(root_id) + "\",\n  \"trace_id\": \"" + std::string(root_id) +
                       "\",\n  \"dotted_order\": \"" + root_dotted +
                       "\",\n  \"name\": \"x \\\"quoted\\\" \\u00e9\",\n  \"run_type\": \"tool\",\n  \"inputs\": "
                       "{ \"a\" : [ 1 , 2.5 , true , null ] }\n}\n";
  std::vector<run_op> ops;
  auto r = reader.read_single_post(pretty, ops);
  ASSERT_FALSE(r) << describe(r);
  ASSERT_EQ(ops.size(), 1u);
  // Whitespace outside strings goes; strings (escapes and all) stay as sent.
  EXPECT_EQ(ops[0].json, "{\"id\":\"" + std::string(root_id) + "\",\"trace_id\":\"" + std::string(root_id) +
                             "\",\"dotted_order\":\"" + root_dotted +
                             "\",\"name\":\"x \\\"quoted\\\" \\u00e9\",\"run_type\":\"tool\",\"inputs\":{\"a\":[1,2.5,true,null]}}");
  EXPECT_EQ(minified(ops[0].json), minified(pretty));
  EXPECT_NE(ops[0].json.find(R"("inputs":{"a":[1,2.5,true,null]})"), std::string::npos) << ops[0].json;
}

TEST(run_reader, batch_runs_are_their_own_text_compacted) {
  run_reader reader({});
  auto root = root_post(), child = child_post();
  // Whitespace between and inside the runs, and a string with spaces and escapes.
  child.set("name", R"("Chat \"Open\" AI")");
  std::string body = "{ \"post\" : [\n  " + root.str() + " ,\n  " + child.str() + "\n] , \"patch\": [ ] }";
  std::vector<run_op> ops;
  auto r = reader.read_batch(body, ops);
  ASSERT_FALSE(r) << describe(r);
  ASSERT_EQ(ops.size(), 2u);
  EXPECT_EQ(ops[0].json, root.str());
  EXPECT_EQ(ops[1].json, child.str());
}

TEST(run_reader, an_escaped_top_level_key_takes_the_run_the_parser_took) {
  // "p\u006fst" is "post" to the parser, which takes the first of two; the
  // runs must be that one's, never the second's unchecked text.
  run_reader reader({});
  auto first = root_post(), second = root_post();
  second.set("name", R"("not the one checked")").set("run_type", R"("no such type")");
  std::string body = R"({"p\u006fst":[)" + first.str() + R"(],"post":[)" + second.str() + "]}";
  std::vector<run_op> ops;
  auto r = reader.read_batch(body, ops);
  ASSERT_FALSE(r) << describe(r);
  ASSERT_EQ(ops.size(), 1u);
  EXPECT_EQ(ops[0].json, minified(first.str()));
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

}  // namespace
}  // namespace tracepipe::ingest
