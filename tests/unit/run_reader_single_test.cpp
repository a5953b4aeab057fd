// run_reader on single runs: POST /runs, PATCH /runs/{id}, and the run and field parts of multipart bodies.
#include "ingest/run_reader.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "run_reader_test_support.hpp"

namespace tracepipe::ingest {
namespace {

using namespace run_reader_test;

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
