// run_reader refusing invalid batches, naming where the problem is.
#include "ingest/run_reader.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "run_reader_test_support.hpp"

namespace tracepipe::ingest {
namespace {

using namespace run_reader_test;

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

}  // namespace
}  // namespace tracepipe::ingest
