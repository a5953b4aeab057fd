// Bodies with the generator's mixes: tree-shaped traces whose links and
// dotted orders are the SDKs', sizes drawn per run, run types by position,
// valid for the ingest's readers after stamping (batch and multipart),
// repeatable from the seed, and compressed bodies that decode to the stamped one.
#include <gtest/gtest.h>

#include <simdjson.h>

#include <map>
#include <set>

#include "common/run_fields.hpp"
#include "ingest/decompress.hpp"
#include "ingest/multipart.hpp"
#include "ingest/multipart_runs.hpp"
#include "ingest/run_reader.hpp"
#include "loadgen/request_template.hpp"
#include "sink/clickhouse_client.hpp"

namespace tracepipe::loadgen {
namespace {

size_distribution size(std::string_view text) { return *size_distribution::parse(text, nullptr); }

/// Levels from the root: a dotted order has one segment per level.
int depth_of(const std::string& dotted_order) {
  return 1 + static_cast<int>(std::count(dotted_order.begin(), dotted_order.end(), '.'));
}

TEST(loadgen_trace_shape, bounded_depth_makes_trees_with_the_sdks_links) {
  run_factory f(11);
  auto leaves = *run_type_mix::parse("llm:70,tool:30", nullptr);
  std::map<int, int> deepest;  // depth → traces
  int not_previous = 0;
  for (int t = 0; t < 200; ++t) {
    trace_shape shape{.runs_per_trace = 12, .project = "p", .max_depth = 3, .leaf_types = &leaves};
    auto runs = f.trace(shape);
    ASSERT_EQ(runs.size(), 12u);
    std::map<std::string, const generated_run*> by_id;
    std::set<std::string> parents;
    int max_depth = 0;
    for (std::size_t i = 0; i < runs.size(); ++i) {
      const auto& r = runs[i];
      EXPECT_EQ(common::check_dotted_order(r.dotted_order, r.id, r.trace_id), std::nullopt) << r.dotted_order;
      EXPECT_EQ(r.trace_id, runs[0].id);
      if (i > 0) {
        ASSERT_TRUE(by_id.count(r.parent_run_id)) << "the parent is an earlier run of the trace";
        const auto& parent = *by_id[r.parent_run_id];
        EXPECT_EQ(r.dotted_order, parent.dotted_order + "." + dotted_time(r.start_us) + r.id);
        EXPECT_GT(r.start_us, parent.start_us);
        EXPECT_LT(r.end_us, parent.end_us) << "a child ends before its parent";
        parents.insert(r.parent_run_id);
        not_previous += r.parent_run_id != runs[i - 1].id;
      }
      max_depth = std::max(max_depth, depth_of(r.dotted_order));
      by_id[r.id] = &r;
    }
    EXPECT_LE(max_depth, 3);
    ++deepest[max_depth];
    for (const auto& r : runs) {
      if (parents.count(r.id)) EXPECT_EQ(r.run_type, "chain") << "a run with children";
      else EXPECT_TRUE(r.run_type == "llm" || r.run_type == "tool") << r.run_type;
      EXPECT_FALSE(r.name.empty());
      EXPECT_NE(r.name, r.run_type);
    }
  }
  EXPECT_GT(deepest[3], 150) << "12 runs within 3 levels nearly always reach the third";
  EXPECT_GT(not_previous, 200 * 5) << "not a chain";
  // Depth 2: every run a child of the root.
  for (const auto& r : f.trace({.runs_per_trace = 6, .max_depth = 2}))
    EXPECT_LE(depth_of(r.dotted_order), 2);
}

TEST(loadgen_trace_shape, sizes_are_drawn_per_run) {
  run_factory f(3);
  auto in = size("50%:100,50%:5000"), out = size("2KB");
  std::map<std::size_t, int> inputs;
  for (int t = 0; t < 50; ++t)
    for (const auto& r : f.trace({.runs_per_trace = 4, .inputs_size = &in, .outputs_size = &out})) {
      ++inputs[r.inputs_json.size() - std::string_view(R"({"input":""})").size()];
      EXPECT_EQ(r.outputs_json.size(), std::string_view(R"({"output":""})").size() + 2000);
    }
  ASSERT_EQ(inputs.size(), 2u);
  EXPECT_NEAR(inputs[100] / 200.0, 0.5, 0.12);
}

body_options mixed(wire endpoint) {
  body_options o;
  o.endpoint = endpoint;
  o.runs_per_request = 40;
  o.runs_per_trace = {1, 20};
  o.trace_depth = count_range{2, 4};
  o.inputs_size = size("70%:50-300,30%:1KB-4KB");
  o.outputs_size = size("lognormal:median=500,sigma=1,max=20KB");
  o.leaf_types = *run_type_mix::parse("llm:50,tool:30,retriever:20", nullptr);
  o.ring = 6;
  o.seed = 99;
  return o;
}

/// Reads one stamped request's operations as the ingest would.
std::vector<ingest::run_op> read_back(const prepared_request& r, wire endpoint, ingest::run_reader& reader) {
  std::vector<ingest::run_op> ops;
  if (endpoint == wire::batch) {
    auto rej = reader.read_batch(r.body, ops);
    EXPECT_FALSE(rej) << rej->detail;
    return ops;
  }
  auto boundary = std::get<std::string>(ingest::multipart_boundary(r.content_type));
  std::vector<ingest::multipart_part> parts;
  auto rej = ingest::parse_multipart(r.body, boundary, 100000, parts);
  EXPECT_FALSE(rej) << rej->detail;
  if (!rej) rej = ingest::read_multipart_runs(parts, reader, ops);
  EXPECT_FALSE(rej) << rej->detail;
  return ops;
}

class mixed_bodies : public testing::TestWithParam<wire> {};

TEST_P(mixed_bodies, stamped_bodies_are_valid_and_every_parent_posted_first) {
  request_plan plan(mixed(GetParam()));
  ingest::run_reader reader({});
  simdjson::dom::parser parser;
  std::vector<prepared_request> out;
  std::map<std::string, std::string> dotted_of;  // posted run → dotted order
  std::set<std::string> types;
  int children = 0;
  for (std::uint64_t k = 0; k < 20; ++k) {
    plan.build(k, out);
    ASSERT_EQ(out.size(), 1u);
    auto ops = read_back(out[0], GetParam(), reader);
    ASSERT_EQ(static_cast<int>(ops.size()), out[0].operations);
    for (const auto& op : ops) {
      if (op.kind != ingest::op_kind::post) continue;
      simdjson::dom::element run;
      ASSERT_EQ(parser.parse(op.json).get(run), simdjson::SUCCESS);
      std::string_view dotted, type, parent;
      ASSERT_EQ(run["dotted_order"].get(dotted), simdjson::SUCCESS);
      ASSERT_EQ(run["run_type"].get(type), simdjson::SUCCESS);
      types.insert(std::string(type));
      EXPECT_EQ(common::check_dotted_order(dotted, op.run_id, op.trace_id), std::nullopt) << dotted;
      if (run["parent_run_id"].get(parent) == simdjson::SUCCESS) {
        ++children;
        ASSERT_TRUE(dotted_of.count(std::string(parent))) << "parent " << parent << " not posted before its child";
        EXPECT_EQ(dotted.substr(0, dotted.rfind('.')), dotted_of[std::string(parent)]);
        EXPECT_LE(depth_of(std::string(dotted)), 4);
      } else {
        EXPECT_EQ(op.trace_id, op.run_id) << "a root is its own trace";
      }
      EXPECT_TRUE(dotted_of.emplace(std::string(op.run_id), std::string(dotted)).second) << "id reused";
    }
  }
  EXPECT_EQ(dotted_of.size(), 20u * 40);
  EXPECT_GT(children, 400);
  EXPECT_EQ(types, (std::set<std::string>{"chain", "llm", "tool", "retriever"}));
}

TEST_P(mixed_bodies, same_seed_same_bodies) {
  auto o = mixed(GetParam());
  request_plan a(o), b(o);
  o.seed = 100;
  request_plan c(o);
  std::vector<prepared_request> ra, rb, rc;
  for (std::uint64_t k = 0; k < 12; ++k) {
    a.build(k, ra);
    b.build(k, rb);
    c.build(k, rc);
    ASSERT_EQ(ra[0].body, rb[0].body) << k;
    EXPECT_NE(ra[0].body, rc[0].body) << k;
  }
}

INSTANTIATE_TEST_SUITE_P(both, mixed_bodies, testing::Values(wire::batch, wire::multipart),
                         [](const auto& info) { return info.param == wire::batch ? "batch" : "multipart"; });

TEST(loadgen_request_plan, ring_holds_2000_runs_within_the_memory_budget) {
  body_options o;
  o.runs_per_request = 100;
  EXPECT_EQ(request_plan(o).options().ring, 20);
  o.runs_per_request = 7;
  EXPECT_EQ(request_plan(o).options().ring, 286);
  o.runs_per_request = 10;
  o.inputs_size = size("100KB");
  o.outputs_size = size("76KB");
  o.template_budget = 10'000'000;  // ~1.77 MB a template: 5 fit
  EXPECT_EQ(request_plan(o).options().ring, 5);
  o.template_budget = 1;  // post-patch needs two
  EXPECT_EQ(request_plan(o).options().ring, 2);
  o.ring = 3;  // asked for: kept
  EXPECT_EQ(request_plan(o).options().ring, 3);
}

class compressed : public testing::TestWithParam<sink::body_compression> {};

TEST_P(compressed, bodies_decode_to_the_stamped_body) {
  request_plan plan(mixed(wire::batch));
  std::vector<prepared_request> out;
  std::string packed, storage;
  std::set<std::string> seen;
  for (std::uint64_t k = 0; k < 8; ++k) {
    plan.build(k, out);
    ASSERT_TRUE(sink::compress_body(GetParam(), out[0].body, packed));
    EXPECT_LT(packed.size(), out[0].body.size());
    EXPECT_TRUE(seen.insert(packed).second) << "ids differ per request, so do the compressed bodies";
    auto decoded = ingest::decode_body(GetParam() == sink::body_compression::gzip ? "gzip" : "zstd", packed,
                                       out[0].body.size() + 1, storage);
    ASSERT_TRUE(std::holds_alternative<std::string_view>(decoded));
    EXPECT_EQ(std::get<std::string_view>(decoded), out[0].body) << k;
  }
}

INSTANTIATE_TEST_SUITE_P(both, compressed, testing::Values(sink::body_compression::gzip, sink::body_compression::zstd),
                         [](const auto& info) { return info.param == sink::body_compression::gzip ? "gzip" : "zstd"; });

}  // namespace
}  // namespace tracepipe::loadgen
