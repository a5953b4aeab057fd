#include "loadgen/run_factory.hpp"
#include "loadgen/wire_format.hpp"

#include <gtest/gtest.h>

#include <simdjson.h>

#include <algorithm>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "common/run_fields.hpp"
#include "ingest/multipart.hpp"
#include "ingest/multipart_runs.hpp"
#include "ingest/run_reader.hpp"

namespace tracepipe::loadgen {
namespace {

using ingest::op_kind;

std::string describe(const std::optional<ingest::rejection>& r) {
  return r ? std::to_string(r->status) + " " + r->error + ": " + r->detail : "accepted";
}

TEST(dotted_time, format) {
  const std::pair<std::int64_t, std::string_view> cases[] = {
      {1'714'564'800'123'456, "20240501T120000123456Z"},
      {1'714'564'800'000'000, "20240501T120000000000Z"},
      {1'714'564'800'000'001, "20240501T120000000001Z"},
      {1'700'000'000'000'000, "20231114T221320000000Z"},
      {0, "19700101T000000000000Z"},
      {951'782'400'999'999, "20000229T000000999999Z"},
      {253'402'300'799'999'999, "99991231T235959999999Z"},
  };
  for (auto [us, want] : cases) EXPECT_EQ(dotted_time(us), want) << us;
}

TEST(iso_time, format) {
  const std::pair<std::int64_t, std::string_view> cases[] = {
      {1'714'564'800'123'456, "2024-05-01T12:00:00.123456Z"},
      {1'714'564'800'000'000, "2024-05-01T12:00:00.000000Z"},
      {1'714'564'800'000'001, "2024-05-01T12:00:00.000001Z"},
      {0, "1970-01-01T00:00:00.000000Z"},
      {951'782'400'500'000, "2000-02-29T00:00:00.500000Z"},
  };
  for (auto [us, want] : cases) EXPECT_EQ(iso_time(us), want) << us;
}

TEST(iso_time, round_trips_through_the_ingest_parsers) {
  std::mt19937_64 rng(3);
  std::uniform_int_distribution<std::int64_t> times(0, 4'102'444'800'000'000);  // 1970 .. 2100
  for (int i = 0; i < 2000; ++i) {
    auto us = times(rng);
    ASSERT_EQ(common::parse_iso8601_us(iso_time(us)), us) << iso_time(us);
    auto dotted = dotted_time(us) + "0f8fad5b-d9cb-469f-a165-70867728950e";
    ASSERT_EQ(common::check_dotted_order(dotted, "0f8fad5b-d9cb-469f-a165-70867728950e", ""), std::nullopt) << dotted;
  }
}

TEST(dotted_time, before_1970) {
  EXPECT_EQ(dotted_time(-1), "19691231T235959999999Z");
  EXPECT_EQ(iso_time(-1), "1969-12-31T23:59:59.999999Z");
}

TEST(run_factory, uuids_are_lower_case_version_4) {
  run_factory f(42);
  std::set<std::string> seen;
  for (int i = 0; i < 10'000; ++i) {
    auto id = f.uuid();
    ASSERT_TRUE(common::is_uuid(id)) << id;
    ASSERT_EQ(common::canonical_uuid(id), id);
    ASSERT_EQ(id[14], '4') << id;
    ASSERT_NE(std::string_view("89ab").find(id[19]), std::string_view::npos) << id;
    ASSERT_TRUE(seen.insert(id).second) << "repeated " << id;
  }
}

TEST(run_factory, trace_is_a_chain_of_runs) {
  run_factory f(1);
  trace_shape shape{.runs_per_trace = 4, .payload_bytes = 50, .project = "proj"};
  auto runs = f.trace(shape);
  ASSERT_EQ(runs.size(), 4u);
  const auto& root = runs[0];
  EXPECT_EQ(root.trace_id, root.id);
  EXPECT_TRUE(root.parent_run_id.empty());
  EXPECT_EQ(root.run_type, "chain");
  EXPECT_EQ(root.dotted_order, dotted_time(root.start_us) + root.id);
  for (std::size_t i = 0; i < runs.size(); ++i) {
    SCOPED_TRACE(i);
    const auto& r = runs[i];
    EXPECT_TRUE(common::is_uuid(r.id));
    EXPECT_EQ(r.trace_id, root.id);
    EXPECT_EQ(r.project, "proj");
    EXPECT_TRUE(common::is_run_type(r.run_type)) << r.run_type;
    EXPECT_EQ(r.run_type == "chain", i + 1 < runs.size()) << "a run with children is a chain, a leaf is not";
    EXPECT_FALSE(r.name.empty());
    EXPECT_LT(r.start_us, r.end_us);
    EXPECT_EQ(common::check_dotted_order(r.dotted_order, r.id, r.trace_id), std::nullopt) << r.dotted_order;
    EXPECT_EQ(r.inputs_json.size(), std::string_view(R"({"input":""})").size() + 50);
    EXPECT_EQ(r.outputs_json.size(), std::string_view(R"({"output":""})").size() + 50);
    EXPECT_TRUE(r.inputs_json.starts_with(R"({"input":")"));
    EXPECT_TRUE(r.outputs_json.starts_with(R"({"output":")"));
    if (i == 0) continue;
    const auto& parent = runs[i - 1];
    EXPECT_EQ(r.parent_run_id, parent.id);
    EXPECT_EQ(r.dotted_order, parent.dotted_order + "." + dotted_time(r.start_us) + r.id);
    EXPECT_EQ(r.start_us, parent.start_us + 1000);
    EXPECT_LT(r.end_us, parent.end_us) << "a child ends before its parent";
    EXPECT_GT(r.end_us, runs.back().start_us);
  }
}

TEST(run_factory, trace_sizes) {
  run_factory f(5);
  EXPECT_TRUE(f.trace({.runs_per_trace = 0}).empty());
  auto one = f.trace({.runs_per_trace = 1, .payload_bytes = 0});
  ASSERT_EQ(one.size(), 1u);
  EXPECT_EQ(one[0].inputs_json, R"({"input":""})");
  EXPECT_EQ(one[0].project, "tracepipe-demo");
  EXPECT_EQ(f.trace({}).size(), 3u);
  auto deep = f.trace({.runs_per_trace = 50});
  ASSERT_EQ(deep.size(), 50u);
  EXPECT_EQ(std::count(deep.back().dotted_order.begin(), deep.back().dotted_order.end(), '.'), 49);
}

TEST(run_factory, same_seed_same_runs_different_seed_different_runs) {
  run_factory a(99), b(99), c(100);
  for (int t = 0; t < 5; ++t) {
    auto ra = a.trace({}), rb = b.trace({}), rc = c.trace({});
    ASSERT_EQ(ra.size(), rb.size());
    for (std::size_t i = 0; i < ra.size(); ++i) {
      EXPECT_EQ(ra[i].post_json(), rb[i].post_json());
      EXPECT_EQ(ra[i].patch_json(), rb[i].patch_json());
      EXPECT_EQ(ra[i].inputs_json, rb[i].inputs_json);
      EXPECT_NE(ra[i].id, rc[i].id);
    }
  }
}

TEST(run_factory, successive_traces_move_the_clock_on) {
  run_factory f(8);
  auto first = f.trace({}), second = f.trace({});
  EXPECT_GT(second.front().start_us, first.front().end_us);
  EXPECT_NE(first.front().trace_id, second.front().trace_id);
}

TEST(generated_run, post_and_patch_json_pass_run_reader_validation) {
  run_factory f(2024);
  ingest::run_reader reader({});
  for (int t = 0; t < 20; ++t) {
    for (const auto& r : f.trace({.runs_per_trace = 5})) {
      SCOPED_TRACE(r.post_json());
      std::vector<ingest::run_op> ops;
      auto rej = reader.read_single_post(r.post_json(), ops);
      ASSERT_FALSE(rej) << describe(rej);
      rej = reader.read_patch(r.patch_json(), r.id, ops);
      ASSERT_FALSE(rej) << describe(rej);
      rej = reader.read_single_post(r.post_json(false), ops);
      ASSERT_FALSE(rej) << describe(rej);
      rej = reader.read_patch(r.patch_json(false), r.id, ops);
      ASSERT_FALSE(rej) << describe(rej);
      ASSERT_EQ(ops.size(), 4u);
      for (const auto& op : ops) {
        EXPECT_EQ(op.run_id, r.id);
        EXPECT_EQ(op.trace_id, r.trace_id);
        EXPECT_EQ(op.project, r.project);
      }
      EXPECT_EQ(ops[0].kind, op_kind::post);
      EXPECT_EQ(ops[1].kind, op_kind::patch);
      EXPECT_NE(ops[0].json.find(R"("inputs":{"input":)"), std::string::npos);
      EXPECT_EQ(ops[2].json.find(R"("inputs")"), std::string::npos);
      EXPECT_NE(ops[1].json.find(R"("outputs":{"output":)"), std::string::npos);
      EXPECT_EQ(ops[3].json.find(R"("outputs")"), std::string::npos);
    }
  }
}

TEST(generated_run, json_carries_the_times_and_links) {
  run_factory f(6);
  auto runs = f.trace({.runs_per_trace = 2});
  const auto& child = runs[1];
  simdjson::dom::parser parser;
  simdjson::dom::element post;
  ASSERT_EQ(parser.parse(child.post_json()).get(post), simdjson::SUCCESS);
  std::string_view s;
  ASSERT_EQ(post["start_time"].get(s), simdjson::SUCCESS);
  EXPECT_EQ(common::parse_iso8601_us(s), child.start_us);
  ASSERT_EQ(post["parent_run_id"].get(s), simdjson::SUCCESS);
  EXPECT_EQ(s, runs[0].id);
  ASSERT_EQ(post["dotted_order"].get(s), simdjson::SUCCESS);
  EXPECT_EQ(s, child.dotted_order);
  ASSERT_EQ(post["session_name"].get(s), simdjson::SUCCESS);
  EXPECT_EQ(s, "tracepipe-demo");
  ASSERT_EQ(post["extra"]["metadata"]["generator"].get(s), simdjson::SUCCESS);
  EXPECT_EQ(s, "tracepipe");

  simdjson::dom::parser parser2;
  simdjson::dom::element patch;
  ASSERT_EQ(parser2.parse(child.patch_json()).get(patch), simdjson::SUCCESS);
  std::int64_t end_ms = 0;
  ASSERT_EQ(patch["end_time"].get(end_ms), simdjson::SUCCESS);  // epoch milliseconds, as the JS SDK sends
  EXPECT_EQ(end_ms, child.end_us / 1000);
  EXPECT_EQ(common::epoch_number_to_us(static_cast<double>(end_ms)), child.end_us / 1000 * 1000);

  simdjson::dom::element root_post;
  ASSERT_EQ(parser.parse(runs[0].post_json()).get(root_post), simdjson::SUCCESS);
  EXPECT_EQ(root_post["parent_run_id"].error(), simdjson::NO_SUCH_FIELD) << "roots have no parent_run_id";
}

TEST(wire_format, batch_body_reads_back_as_its_runs) {
  run_factory f(77);
  std::vector<generated_run> runs;
  for (int t = 0; t < 4; ++t)
    for (auto& r : f.trace({.runs_per_trace = 3})) runs.push_back(std::move(r));
  std::vector<generated_run> patches(runs.begin(), runs.begin() + 5);
  auto body = batch_body(runs, patches);
  ingest::run_reader reader({});
  std::vector<ingest::run_op> ops;
  auto rej = reader.read_batch(body, ops);
  ASSERT_FALSE(rej) << describe(rej);
  ASSERT_EQ(ops.size(), runs.size() + patches.size());
  for (std::size_t i = 0; i < runs.size(); ++i) {
    EXPECT_EQ(ops[i].kind, op_kind::post);
    EXPECT_EQ(ops[i].run_id, runs[i].id);
    EXPECT_EQ(ops[i].trace_id, runs[i].trace_id);
    EXPECT_EQ(ops[i].json, runs[i].post_json());  // already compact
  }
  for (std::size_t i = 0; i < patches.size(); ++i) {
    const auto& op = ops[runs.size() + i];
    EXPECT_EQ(op.kind, op_kind::patch);
    EXPECT_EQ(op.run_id, patches[i].id);
    EXPECT_EQ(op.json, patches[i].patch_json());
  }
}

TEST(wire_format, empty_batch_body) {
  EXPECT_EQ(batch_body({}, {}), R"({"post":[],"patch":[]})");
  ingest::run_reader reader({});
  std::vector<ingest::run_op> ops;
  EXPECT_FALSE(reader.read_batch(batch_body({}, {}), ops));
  EXPECT_TRUE(ops.empty());
}

class multipart_styles : public testing::TestWithParam<part_length_style> {};

TEST_P(multipart_styles, builder_output_parses_part_by_part) {
  run_factory f(31);
  auto runs = f.trace({.runs_per_trace = 3, .payload_bytes = 300});
  const std::vector<attachment> files{{"prompt", "text/plain", "an attachment\r\nwith lines"},
                                      {"image", "image/png", std::string("\x89PNG\r\n\x1a\n\0\xff", 10)}};
  multipart_builder builder("tracepipe-test-boundary", GetParam());
  builder.post(runs[0], files);
  for (std::size_t i = 1; i < runs.size(); ++i) builder.post(runs[i]);
  for (const auto& r : runs) builder.patch(r);
  auto body = builder.finish();

  EXPECT_EQ(body.boundary, "tracepipe-test-boundary");
  EXPECT_EQ(body.content_type(), "multipart/form-data; boundary=tracepipe-test-boundary");
  auto boundary = ingest::multipart_boundary(body.content_type());
  ASSERT_TRUE(std::holds_alternative<std::string>(boundary));
  EXPECT_EQ(std::get<std::string>(boundary), body.boundary);
  EXPECT_TRUE(body.body.ends_with("--tracepipe-test-boundary--\r\n"));

  std::vector<ingest::multipart_part> parts;
  auto rej = ingest::parse_multipart(body.body, body.boundary, 1000, parts);
  ASSERT_FALSE(rej) << describe(rej);

  struct expected_part {
    std::string name, type, bytes;
  };
  std::vector<expected_part> want;
  want.push_back({"post." + runs[0].id, "application/json", runs[0].post_json(false)});
  want.push_back({"post." + runs[0].id + ".inputs", "application/json", runs[0].inputs_json});
  for (const auto& file : files) want.push_back({"attachment." + runs[0].id + "." + file.name, file.content_type, file.bytes});
  for (std::size_t i = 1; i < runs.size(); ++i) {
    want.push_back({"post." + runs[i].id, "application/json", runs[i].post_json(false)});
    want.push_back({"post." + runs[i].id + ".inputs", "application/json", runs[i].inputs_json});
  }
  for (const auto& r : runs) {
    want.push_back({"patch." + r.id, "application/json", r.patch_json(false)});
    want.push_back({"patch." + r.id + ".outputs", "application/json", r.outputs_json});
  }
  ASSERT_EQ(parts.size(), want.size());
  for (std::size_t i = 0; i < parts.size(); ++i) {
    SCOPED_TRACE(want[i].name);
    EXPECT_EQ(parts[i].name, want[i].name);
    EXPECT_EQ(parts[i].content_type, want[i].type);
    EXPECT_EQ(parts[i].body, want[i].bytes);
  }
}

TEST_P(multipart_styles, builder_output_reads_as_run_operations) {
  run_factory f(32);
  auto runs = f.trace({.runs_per_trace = 4});
  multipart_builder builder("b0undary", GetParam());
  for (const auto& r : runs) builder.post(r, {{"notes", "text/plain", "n"}});
  for (const auto& r : runs) builder.patch(r);
  auto body = builder.finish();

  std::vector<ingest::multipart_part> parts;
  auto rej = ingest::parse_multipart(body.body, body.boundary, 1000, parts);
  ASSERT_FALSE(rej) << describe(rej);
  ingest::run_reader reader({});
  std::vector<ingest::run_op> ops;
  rej = ingest::read_multipart_runs(parts, reader, ops);
  ASSERT_FALSE(rej) << describe(rej);
  ASSERT_EQ(ops.size(), 2 * runs.size());
  for (std::size_t i = 0; i < runs.size(); ++i) {
    const auto& post = ops[i];                  // all posts first, in order,
    const auto& patch = ops[runs.size() + i];  // then the patches
    EXPECT_EQ(post.kind, op_kind::post);
    EXPECT_EQ(post.run_id, runs[i].id);
    EXPECT_EQ(post.trace_id, runs[i].trace_id);
    ASSERT_EQ(post.parts.size(), 2u);
    EXPECT_EQ(post.parts[0].name, "inputs");
    EXPECT_EQ(post.parts[0].bytes, runs[i].inputs_json);
    EXPECT_EQ(post.parts[1].name, "attachment.notes");
    EXPECT_EQ(post.parts[1].bytes, "n");
    EXPECT_EQ(patch.kind, op_kind::patch);
    EXPECT_EQ(patch.run_id, runs[i].id);
    ASSERT_EQ(patch.parts.size(), 1u);
    EXPECT_EQ(patch.parts[0].name, "outputs");
    EXPECT_EQ(patch.parts[0].bytes, runs[i].outputs_json);
  }
}

TEST_P(multipart_styles, declared_length_matches_each_part) {
  multipart_builder builder("bnd", GetParam());
  builder.part("feedback.x", "application/json", "{}");
  builder.part("attachment.x.empty", "text/plain", "");
  auto body = builder.finish();
  const std::string_view declares = GetParam() == part_length_style::js ? "Content-Type: application/json; length=2\r\n"
                                                                        : "Content-Length: 2\r\n";
  EXPECT_NE(body.body.find(declares), std::string::npos) << body.body;
  std::vector<ingest::multipart_part> parts;
  auto rej = ingest::parse_multipart(body.body, body.boundary, 10, parts);
  ASSERT_FALSE(rej) << describe(rej);
  ASSERT_EQ(parts.size(), 2u);
  EXPECT_EQ(parts[0].body, "{}");
  EXPECT_EQ(parts[1].name, "attachment.x.empty");
  EXPECT_EQ(parts[1].body, "");
}

INSTANTIATE_TEST_SUITE_P(both, multipart_styles, testing::Values(part_length_style::js, part_length_style::python),
                         [](const auto& info) { return info.param == part_length_style::js ? "js" : "python"; });

}  // namespace
}  // namespace tracepipe::loadgen
