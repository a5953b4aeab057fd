// `tracepipe load --protocol otlp-proto|otlp-json`: each request is an OTLP
// export that ingest's own reader takes as exactly the runs a LangSmith
// plan of the same seed carries (names, types, inputs, outputs, times,
// parents, trace ids), with span ids stamped per request that map back to
// their operation; and what a reconcile and acknowledged_ops.txt make of
// such span-form ids.
#include <gtest/gtest.h>

#include <boost/json/parse.hpp>

#include <algorithm>
#include <set>
#include <stdexcept>
#include <variant>

#include <fmt/format.h>

#include "common/run_fields.hpp"
#include "ingest/otlp/encoding.hpp"
#include "ingest/otlp/export.hpp"
#include "ingest/run_reader.hpp"
#include "loadgen/otlp_body.hpp"
#include "loadgen/request_template.hpp"
#include "observe/reconcile.hpp"
#include "report/acknowledged_file.hpp"

namespace tracepipe::loadgen {
namespace {

constexpr int runs_per_request = 20;

body_options plan_options(protocol p, run_pattern pattern = run_pattern::post) {
  body_options o;
  o.protocol = p;
  o.pattern = pattern;
  o.runs_per_request = runs_per_request;
  o.runs_per_trace = {1, 7};
  o.trace_depth = count_range{2, 4};
  o.inputs_size = size_distribution::fixed(300);
  o.outputs_size = size_distribution::fixed(900);
  o.ring = 3;
  o.seed = 5;
  o.id_salt = 17;
  return o;
}

ingest::otlp::encoding ingest_encoding(protocol p) {
  return p == protocol::otlp_json ? ingest::otlp::encoding::json : ingest::otlp::encoding::protobuf;
}

/// The runs ingest makes of one request's export.
ingest::otlp::export_runs read_back(const prepared_request& r, protocol p) {
  simdjson::dom::parser parser;
  auto read = ingest::otlp::read_export(ingest_encoding(p), r.body, {"", "default"}, parser);
  if (const auto* bad = std::get_if<ingest::rejection>(&read)) {
    ADD_FAILURE() << bad->status << " " << bad->error << ": " << bad->detail;
    return {};
  }
  return std::get<ingest::otlp::export_runs>(std::move(read));
}

class loadgen_otlp_plan : public testing::TestWithParam<protocol> {};

TEST_P(loadgen_otlp_plan, each_request_reads_back_as_the_runs_a_langsmith_plan_of_the_seed_carries) {
  request_plan otlp(plan_options(GetParam()));
  // The same seed's runs as LangSmith posts and patches, in one request each.
  request_plan langsmith(plan_options(protocol::langsmith, run_pattern::combined));
  ASSERT_EQ(otlp.id_key(), langsmith.id_key());
  EXPECT_EQ(otlp.run_id_form(), id_form::span);
  ingest::run_reader reader({});
  std::vector<prepared_request> out, reference;
  std::set<std::string> ids;
  for (std::uint64_t k = 0; k < 8; ++k) {
    otlp.build(k, out);
    langsmith.build(k, reference);
    ASSERT_EQ(out.size(), 1u);
    EXPECT_EQ(out[0].target, "/otel/v1/traces");
    EXPECT_EQ(out[0].content_type, otlp_content_type(otlp_encoding_of(GetParam())));
    EXPECT_EQ(out[0].operations, runs_per_request);
    EXPECT_EQ(out[0].runs, runs_per_request);
    auto runs = read_back(out[0], GetParam());
    ASSERT_EQ(runs.ops.size(), std::size_t{runs_per_request});
    EXPECT_EQ(runs.rejected, 0);
    EXPECT_EQ(runs.parent_elsewhere, 0) << "a trace is whole in its export";
    std::vector<ingest::run_op> ops;  // the posts, then the patches
    ASSERT_FALSE(reader.read_batch(reference[0].body, ops));
    ASSERT_EQ(ops.size(), std::size_t{2 * runs_per_request});
    for (std::uint32_t slot = 0; slot < runs_per_request; ++slot) {
      const auto& got = runs.ops[slot];
      auto run = boost::json::parse(got.json).as_object();
      auto post = boost::json::parse(ops[slot].json).as_object();
      auto patch = boost::json::parse(ops[runs_per_request + slot].json).as_object();
      SCOPED_TRACE(fmt::format("request {} run {}", k, slot));
      EXPECT_EQ(got.kind, ingest::op_kind::post);
      EXPECT_EQ(got.run_id, span_run_id(otlp.id_key(), k, slot));
      EXPECT_TRUE(ids.insert(got.run_id).second) << "id reused: " << got.run_id;
      EXPECT_EQ(got.trace_id, ops[slot].trace_id) << "the root's whole id, as LangSmith's plan has it";
      EXPECT_EQ(got.project, "tracepipe-load");
      for (const char* field : {"name", "run_type", "inputs", "start_time", "tags"})
        EXPECT_EQ(run[field], post[field]) << field;
      EXPECT_EQ(run["extra"].at("metadata").at("generator"), "tracepipe");
      EXPECT_EQ(run["outputs"], patch["outputs"]);
      auto end_us = common::parse_iso8601_us(run["end_time"].as_string());
      ASSERT_TRUE(end_us);
      EXPECT_EQ(*end_us / 1000, patch["end_time"].as_int64());
      if (const auto* parent = post.if_contains("parent_run_id")) {
        auto parent_op = parse_op(langsmith.id_key(), parent->as_string(), "post");
        ASSERT_TRUE(parent_op);
        EXPECT_EQ(run["parent_run_id"], span_run_id(otlp.id_key(), k, op_slot(*parent_op)).c_str());
      } else {
        EXPECT_FALSE(run.contains("parent_run_id"));
      }
    }
  }
  EXPECT_EQ(ids.size(), 8u * runs_per_request);
}

TEST_P(loadgen_otlp_plan, a_request_acknowledges_its_posts_whose_span_form_ids_map_back) {
  request_plan plan(plan_options(GetParam()));
  auto ops = acknowledged_operations(plan, {{4, 0}, {9, 0}});
  ASSERT_EQ(ops.size(), 2u * runs_per_request);
  for (auto op : ops) {
    EXPECT_FALSE(op_is_patch(op));
    auto id = span_run_id(plan.id_key(), op_request(op), op_slot(op));
    EXPECT_EQ(parse_op(plan.id_key(), id, "post", id_form::span), op) << id;
  }
  EXPECT_EQ(plan.first_post_id(4, 0), span_run_id(plan.id_key(), 4, 0));
  EXPECT_EQ(plan.first_post_trace_id(4, 0), run_id(plan.id_key(), 4, 0)) << "the first run is a root";
}

INSTANTIATE_TEST_SUITE_P(both, loadgen_otlp_plan, testing::Values(protocol::otlp_proto, protocol::otlp_json),
                         [](const auto& info) { return info.param == protocol::otlp_json ? "json" : "proto"; });

TEST(loadgen_otlp, options_otlp_cannot_carry_are_refused) {
  auto multipart = plan_options(protocol::otlp_proto);
  multipart.endpoint = wire::multipart;
  EXPECT_THROW(request_plan{multipart}, std::invalid_argument);
  EXPECT_THROW(request_plan{plan_options(protocol::otlp_json, run_pattern::post_patch)}, std::invalid_argument);
  EXPECT_THROW(request_plan{plan_options(protocol::otlp_json, run_pattern::combined)}, std::invalid_argument);
}

TEST(loadgen_otlp, span_form_ids_are_fresh_per_key_and_parse_back_only_as_posts) {
  auto id = span_run_id(1, 123456, 77);
  EXPECT_EQ(id.substr(0, 19), "00000000-0000-0000-");
  EXPECT_NE(id, span_run_id(2, 123456, 77)) << "another load run's rows must not collapse with these";
  EXPECT_EQ(parse_op(1, id, "post", id_form::span), make_op(123456, 77, false));
  EXPECT_FALSE(parse_op(1, id, "patch", id_form::span));
  EXPECT_FALSE(parse_op(1, id, "post")) << "not a whole id of the key";
  EXPECT_FALSE(parse_op(1, run_id(1, 123456, 77), "post", id_form::span));
  // No room for a check of the key: another key's ids may parse, but never
  // as the operations they are (the masks differ).
  for (std::uint64_t other = 2; other < 40; ++other)
    for (std::uint32_t slot = 0; slot < 50; ++slot)
      EXPECT_NE(parse_op(1, span_run_id(other, 9, slot), "post", id_form::span), make_op(9, slot, false));
}

TEST(loadgen_otlp, partial_success_is_read_from_ingests_answers_in_both_encodings) {
  for (auto e : {otlp_encoding::protobuf, otlp_encoding::json}) {
    auto ingest_e = e == otlp_encoding::json ? ingest::otlp::encoding::json : ingest::otlp::encoding::protobuf;
    EXPECT_EQ(otlp_rejected_spans(ingest::otlp::success_body(ingest_e, 0, ""), e), 0);
    EXPECT_EQ(otlp_rejected_spans(ingest::otlp::success_body(ingest_e, 3, "3 of 20 spans were refused"), e), 3);
    EXPECT_EQ(otlp_rejected_spans(ingest::otlp::success_body(ingest_e, 300, "x"), e), 300);
  }
  EXPECT_EQ(otlp_rejected_spans("\x0a\x05", otlp_encoding::protobuf), 0) << "cut short";
}

/// One reconcile_query row of a span-form operation found once.
std::string span_row(std::uint64_t key, op_key op, std::uint64_t at) {
  return fmt::format("{}\tpost\t1\t{}\t{}\n", span_run_id(key, op_request(op), op_slot(op)), at, at - 1000);
}

TEST(loadgen_otlp, a_reconcile_gives_each_span_form_id_to_the_load_that_acknowledged_it) {
  // Two generators' OTLP loads (--segment 0/2 and 1/2): requests 0, 2 and 1, 3.
  acknowledged_ops even{11, {}, id_form::span}, odd{22, {}, id_form::span};
  for (std::uint64_t k = 0; k < 4; ++k)
    for (std::uint32_t s = 0; s < 3; ++s) (k % 2 ? odd : even).ops.push_back(make_op(k, s, false));
  std::sort(even.ops.begin(), even.ops.end());
  std::sort(odd.ops.begin(), odd.ops.end());
  const std::uint64_t start = 1'700'000'000'000'000;
  std::string tsv;
  for (const auto* load : {&even, &odd})
    for (auto op : load->ops) tsv += span_row(load->id_key, op, start + 1000);
  tsv += span_row(22, make_op(5, 0, false), start);           // request 5: sent, never acknowledged
  tsv += run_id(11, 0, 0) + "\tpost\t1\t1\t1\n";             // a LangSmith-form id: not an OTLP load's
  observe::reconcile_options o;
  o.start_us = start;
  auto r = observe::tally(tsv, {even, odd}, o);
  EXPECT_EQ(r.expected, 12u);
  EXPECT_EQ(r.found, 12u);
  EXPECT_EQ(r.lost, 0u);
  EXPECT_EQ(r.unacknowledged, 1u);
}

TEST(loadgen_otlp, acknowledged_ops_file_keeps_the_id_form) {
  std::vector<acknowledged_ops> loads{{0xabc, {2, 4, 6}, id_form::span}, {0xdef, {8}}};
  auto text = report::acknowledged_ops_text(loads);
  EXPECT_NE(text.find("tpops1 key=0000000000000abc count=3 ids=span\n"), std::string::npos) << text;
  EXPECT_NE(text.find("tpops1 key=0000000000000def count=1\n"), std::string::npos) << "LangSmith's, as before";
  auto back = report::parse_acknowledged_ops(text, "acknowledged_ops.txt");
  ASSERT_EQ(back.size(), 2u);
  EXPECT_EQ(back[0].ids, id_form::span);
  EXPECT_EQ(back[0].ops, loads[0].ops);
  EXPECT_EQ(back[1].ids, id_form::uuid);
  EXPECT_EQ(back[1].ops, loads[1].ops);
}

}  // namespace
}  // namespace tracepipe::loadgen
