// `tracepipe load --protocol langfuse`: each request is a Langfuse v3
// ingestion batch that ingest's own reader takes whole, as exactly the
// events of the runs a LangSmith plan of the same seed carries (each root a
// trace-create, each run an observation's create and, by the pattern, its
// update), with run and event ids stamped per request that map back to
// their operation; the 207 answer judged; and what a reconcile and
// acknowledged_ops.txt make of (body id, event id) pairs.
#include <gtest/gtest.h>

#include <boost/json/parse.hpp>

#include <algorithm>
#include <set>
#include <stdexcept>

#include <fmt/format.h>

#include "common/run_fields.hpp"
#include "ingest/credentials.hpp"
#include "ingest/langfuse/event_reader.hpp"
#include "ingest/run_reader.hpp"
#include "loadgen/langfuse_body.hpp"
#include "loadgen/request_exchange.hpp"
#include "loadgen/request_template.hpp"
#include "observe/reconcile.hpp"
#include "report/acknowledged_file.hpp"

namespace tracepipe::loadgen {
namespace {

using common::langfuse::entity;

constexpr int runs_per_request = 20;

body_options plan_options(protocol p, run_pattern pattern) {
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

/// What ingest makes of one request's batch; every event accepted.
ingest::langfuse::batch_result read_back(const prepared_request& r) {
  ingest::langfuse::event_reader reader(64);
  ingest::langfuse::batch_result out;
  if (auto bad = reader.read(r.body, out)) ADD_FAILURE() << bad->status << " " << bad->error << ": " << bad->detail;
  for (const auto& e : out.errors) ADD_FAILURE() << e.id << ": " << e.problem;
  EXPECT_EQ(out.successes.size(), out.events.size()) << "every event has a body id, so every one is stored";
  return out;
}

/// The operation an event stands for, which must be one this plan made.
op_key op_of(const request_plan& plan, const ingest::langfuse::event& e) {
  auto op = parse_op(plan.id_key(), e.body_id, e.event_id, id_form::langfuse);
  EXPECT_TRUE(op) << e.body_id << " " << e.event_id;
  return op.value_or(0);
}

TEST(loadgen_langfuse, each_request_reads_back_as_the_events_of_the_runs_a_langsmith_plan_of_the_seed_carries) {
  request_plan langfuse(plan_options(protocol::langfuse, run_pattern::combined));
  request_plan langsmith(plan_options(protocol::langsmith, run_pattern::combined));
  ASSERT_EQ(langfuse.id_key(), langsmith.id_key());
  EXPECT_EQ(langfuse.run_id_form(), id_form::langfuse);
  ingest::run_reader reader({});
  std::vector<prepared_request> out, reference;
  std::set<std::string> event_ids;
  for (std::uint64_t k = 0; k < 8; ++k) {
    langfuse.build(k, out);
    langsmith.build(k, reference);
    ASSERT_EQ(out.size(), 1u);
    EXPECT_EQ(out[0].target, "/api/public/ingestion");
    EXPECT_EQ(out[0].content_type, "application/json");
    EXPECT_EQ(out[0].runs, runs_per_request);
    auto batch = read_back(out[0]);
    EXPECT_EQ(static_cast<int>(batch.events.size()), out[0].operations);
    std::vector<ingest::run_op> ops;  // the posts, then the patches
    ASSERT_FALSE(reader.read_batch(reference[0].body, ops));
    ASSERT_EQ(ops.size(), std::size_t{2 * runs_per_request});
    // Every operation the request acknowledges is one event, and back.
    std::vector<op_key> expected;
    langfuse.operations(k, 0, expected);
    std::multiset<op_key> got;
    for (const auto& e : batch.events) {
      SCOPED_TRACE(fmt::format("request {} event {}", k, e.json));
      auto op = op_of(langfuse, e);
      got.insert(op);
      EXPECT_TRUE(event_ids.insert(e.event_id).second) << "event id reused";
      EXPECT_EQ(e.stored_as, op_is_trace(op) ? entity::trace : entity::observation);
      auto slot = op_slot(op);
      ASSERT_LT(slot, std::uint32_t{runs_per_request});
      const auto& post = ops[slot];
      EXPECT_EQ(e.body_id, post.run_id);
      EXPECT_EQ(e.trace_id, post.trace_id) << "the root's whole id, as LangSmith's plan has it";
      auto event = boost::json::parse(e.json).as_object();
      const auto& body = event.at("body").as_object();
      auto run = boost::json::parse(post.json).as_object();
      auto patch = boost::json::parse(ops[runs_per_request + slot].json).as_object();
      if (op_is_trace(op)) {
        EXPECT_EQ(event.at("type"), "trace-create");
        EXPECT_FALSE(run.contains("parent_run_id")) << "roots only";
        EXPECT_EQ(body.at("name"), run.at("name"));
        EXPECT_EQ(body.at("input"), run.at("inputs"));
        EXPECT_EQ(body.at("tags"), run.at("tags"));
        continue;
      }
      bool llm = run.at("run_type") == "llm";
      if (op_is_patch(op)) {
        EXPECT_EQ(event.at("type"), llm ? "generation-update" : "span-update");
        EXPECT_EQ(body.at("output"), patch.at("outputs"));
        auto end_us = common::parse_iso8601_us(body.at("endTime").as_string());
        ASSERT_TRUE(end_us);
        EXPECT_EQ(*end_us / 1000, patch.at("end_time").as_int64());
        continue;
      }
      EXPECT_EQ(event.at("type"), llm ? "generation-create" : "span-create");
      EXPECT_EQ(body.at("name"), run.at("name"));
      EXPECT_EQ(body.at("input"), run.at("inputs"));
      EXPECT_EQ(body.at("startTime"), run.at("start_time"));
      EXPECT_EQ(body.at("metadata").at("run_type"), run.at("run_type"));
      if (const auto* parent = run.if_contains("parent_run_id")) EXPECT_EQ(body.at("parentObservationId"), *parent);
      else EXPECT_FALSE(body.contains("parentObservationId"));
    }
    EXPECT_EQ(got, std::multiset<op_key>(expected.begin(), expected.end()));
  }
}

TEST(loadgen_langfuse, post_patch_updates_the_previous_requests_runs_and_post_ends_runs_in_their_creates) {
  request_plan post_patch(plan_options(protocol::langfuse, run_pattern::post_patch));
  std::vector<prepared_request> out;
  post_patch.build(0, out);
  for (const auto& e : read_back(out[0]).events) {
    EXPECT_FALSE(op_is_patch(op_of(post_patch, e))) << "nothing to end yet";
    EXPECT_FALSE(boost::json::parse(e.json).at("body").as_object().contains("endTime")) << "ended by request 1";
  }
  post_patch.build(6, out);
  int updates = 0;
  for (const auto& e : read_back(out[0]).events) {
    auto op = op_of(post_patch, e);
    EXPECT_EQ(op_request(op), op_is_patch(op) ? 5u : 6u);
    updates += op_is_patch(op) ? 1 : 0;
  }
  EXPECT_EQ(updates, runs_per_request);

  request_plan post(plan_options(protocol::langfuse, run_pattern::post));
  post.build(3, out);
  for (const auto& e : read_back(out[0]).events) {
    auto op = op_of(post, e);
    EXPECT_FALSE(op_is_patch(op));
    auto body = boost::json::parse(e.json).at("body").as_object();
    if (op_is_trace(op)) continue;
    EXPECT_TRUE(body.contains("endTime") && body.contains("output")) << e.json;
  }
}

TEST(loadgen_langfuse, event_ids_are_fresh_per_key_and_name_their_event) {
  auto body_id = run_id(1, 123456, 77);
  auto create = event_id(1, 123456, 77, langfuse_event::observation_create);
  EXPECT_NE(create, body_id);
  EXPECT_NE(create, event_id(2, 123456, 77, langfuse_event::observation_create)) << "another load's must not collapse";
  EXPECT_EQ(parse_op(1, body_id, create, id_form::langfuse), make_op(123456, 77, false));
  EXPECT_EQ(parse_op(1, body_id, event_id(1, 123456, 77, langfuse_event::observation_update), id_form::langfuse),
            make_op(123456, 77, true));
  auto trace = parse_op(1, body_id, event_id(1, 123456, 77, langfuse_event::trace_create), id_form::langfuse);
  ASSERT_TRUE(trace);
  EXPECT_TRUE(op_is_trace(*trace));
  EXPECT_EQ(op_request(*trace), 123456u);
  EXPECT_EQ(op_slot(*trace), 77u);
  EXPECT_FALSE(parse_op(1, body_id, event_id(1, 123456, 78, langfuse_event::observation_create), id_form::langfuse));
  EXPECT_FALSE(parse_op(2, body_id, create, id_form::langfuse)) << "another key's";
  EXPECT_FALSE(parse_op(1, body_id, "post", id_form::langfuse));
}

TEST(loadgen_langfuse, only_the_batch_endpoint_is_carried) {
  auto multipart = plan_options(protocol::langfuse, run_pattern::post);
  multipart.endpoint = wire::multipart;
  EXPECT_THROW(request_plan{multipart}, std::invalid_argument);
}

TEST(loadgen_langfuse, requests_carry_basic_credentials_whose_secret_is_the_key_and_a_207_with_errors_refuses) {
  request_plan plan(plan_options(protocol::langfuse, run_pattern::post));
  std::vector<prepared_request> out;
  plan.build(0, out);
  url_parts url{"127.0.0.1", "8080", ""};
  boost::beast::http::request<boost::beast::http::string_body> req;
  std::string scratch;
  ASSERT_TRUE(write_request(req, out[0], headers_for(url, protocol::langfuse, "sk-secret", {}), scratch));
  EXPECT_EQ(ingest::presented_key(req), "sk-secret");
  EXPECT_EQ(req.target(), "/api/public/ingestion");

  ingest::langfuse::batch_result answer;
  answer.successes = {"a", "b"};
  EXPECT_TRUE(answer_accepts(protocol::langfuse, 207, ingest::langfuse::answer_body(answer)));
  answer.errors.push_back({"c", "batch[2].body.id: is required"});
  EXPECT_FALSE(answer_accepts(protocol::langfuse, 207, ingest::langfuse::answer_body(answer)));
  EXPECT_FALSE(answer_accepts(protocol::langfuse, 207, "not json"));
  EXPECT_FALSE(answer_accepts(protocol::langfuse, 400, R"({"successes":[],"errors":[]})"));
}

/// One langfuse_reconcile_query row of an event found `rows` times.
std::string event_row(std::uint64_t key, op_key op, std::uint64_t at, int rows = 1) {
  auto e = op_is_trace(op)     ? langfuse_event::trace_create
           : op_is_patch(op) ? langfuse_event::observation_update
                             : langfuse_event::observation_create;
  return fmt::format("{}\t{}\t{}\t{}\t{}\n", run_id(key, op_request(op), op_slot(op)),
                     event_id(key, op_request(op), op_slot(op), e), rows, at, at - 1000);
}

TEST(loadgen_langfuse, a_reconcile_finds_each_acknowledged_event_by_body_and_event_id) {
  acknowledged_ops load{11, {make_op(0, 0, false), make_op(0, 0, true), make_op(0, 1, false), make_trace_op(0, 0)},
                        id_form::langfuse};
  std::sort(load.ops.begin(), load.ops.end());
  const std::uint64_t start = 1'700'000'000'000'000;
  std::string tsv;
  for (auto op : load.ops) tsv += event_row(11, op, start + 1000, op_is_trace(op) ? 2 : 1);
  tsv += event_row(11, make_op(1, 0, false), start);  // sent, never acknowledged
  tsv += event_row(22, make_op(0, 0, false), start);  // another load's
  observe::reconcile_options o;
  o.start_us = start;
  auto r = observe::tally(tsv, {load}, o);
  EXPECT_EQ(r.expected, 4u);
  EXPECT_EQ(r.found, 4u);
  EXPECT_EQ(r.lost, 0u);
  EXPECT_EQ(r.duplicates, 1u);
  EXPECT_EQ(r.unacknowledged, 1u);
  ASSERT_EQ(r.per_second.size(), 1u);
  EXPECT_EQ(r.per_second[0].runs, 2u) << "observations' creates: a trace-create is no run";

  auto text = report::acknowledged_ops_text({load});
  EXPECT_NE(text.find("tpops1 key=000000000000000b count=4 ids=langfuse\n"), std::string::npos) << text;
  auto back = report::parse_acknowledged_ops(text, "acknowledged_ops.txt");
  ASSERT_EQ(back.size(), 1u);
  EXPECT_EQ(back[0].ids, id_form::langfuse);
  EXPECT_EQ(back[0].ops, load.ops);
}

}  // namespace
}  // namespace tracepipe::loadgen
