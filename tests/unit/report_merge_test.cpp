// `tracepipe report merge`'s pure parts: acknowledged_ops.txt both ways, and
// merging generators' results (counts, histograms, seconds, refusals).
#include <gtest/gtest.h>

#include <stdexcept>

#include "loadgen/run_ids.hpp"
#include "report/acknowledged_file.hpp"
#include "report/merge.hpp"
#include "report/report_files.hpp"

namespace tracepipe::report {
namespace {

using loadgen::acknowledged_ops;
using loadgen::load_result;
using loadgen::make_op;

acknowledged_ops post_patch_ops(std::uint64_t key, std::uint64_t requests, std::uint32_t runs) {
  acknowledged_ops a{key, {}};
  for (std::uint64_t k = 0; k < requests; ++k)
    for (std::uint32_t s = 0; s < runs; ++s) {
      a.ops.push_back(make_op(k, s, false));
      if (k + 1 < requests) a.ops.push_back(make_op(k, s, true));
    }
  std::sort(a.ops.begin(), a.ops.end());
  return a;
}

TEST(report_acknowledged_file, round_trips_several_loads_compactly) {
  std::vector<acknowledged_ops> loads{post_patch_ops(0xabc, 500, 50), {7, {0, 5, 6, 100}}, {9, {}}};
  auto text = acknowledged_ops_text(loads);
  auto back = parse_acknowledged_ops(text, "acknowledged_ops.txt");
  ASSERT_EQ(back.size(), 3u);
  for (std::size_t i = 0; i < loads.size(); ++i) {
    EXPECT_EQ(back[i].id_key, loads[i].id_key);
    EXPECT_EQ(back[i].ops, loads[i].ops);
  }
  // ~50,000 operations in a few lines per request, not one each.
  EXPECT_LT(std::count(text.begin(), text.end(), '\n'), 500 * 4 + 10);
}

TEST(report_acknowledged_file, malformed_files_are_refused_with_the_line) {
  auto refused = [](std::string_view text, std::string_view says) {
    try {
      parse_acknowledged_ops(text, "f.txt");
      ADD_FAILURE() << "accepted: " << text;
    } catch (const report_file_error& e) {
      EXPECT_NE(std::string(e.what()).find(says), std::string::npos) << e.what();
    }
  };
  refused("", "empty");
  refused("5\n", "not an acknowledged_ops.txt");
  refused("tpops1 key=10 count=3\n1*2\n", "2 operations, the section's header says 3");
  refused("tpops1 key=10 count=2\n1*3\n", "more operations than");
  refused("tpops1 key=10 count=2\n1\n0\n", "distinct and ascending");
  refused("tpops1 key=10 count=1\nx\n", "line 2: 'x' is not a number");
  refused("tpops1 key=zz count=1\n1\n", "'zz' is not a number");
}

load_result generator(std::uint64_t key, std::string segment, std::uint64_t start_us, std::uint64_t base_latency_us) {
  load_result r;
  r.segment = std::move(segment);
  r.start_wall_us = start_us;
  r.target = "http://ingest";
  r.runs_per_request = 10;
  r.duration_s = 4;
  r.elapsed_s = 4.2;
  r.target_rate = 500;
  r.achieved_rate = 499;
  r.offered = r.sent = 200;
  r.accepted = 190;
  r.rejected[429] = 10;
  r.retries = 10;
  r.runs_accepted = 1900;
  r.operations_accepted = 3800;
  for (std::uint64_t i = 0; i < 190; ++i) r.corrected.record(base_latency_us + i * 10);
  r.uncorrected = r.corrected;
  for (std::uint64_t s = 1; s <= 4; ++s) {
    loadgen::second_row row;
    row.second = s;
    row.accepted = 50;
    row.p99_us = base_latency_us * s;
    row.queue_depth = 100 * s;
    row.components.read_sent = 3;
    row.components.redis_memory_mib = 10.0 + static_cast<double>(s);
    r.timeseries.push_back(row);
  }
  r.acknowledged = {post_patch_ops(key, 190, 10)};
  auto& f = r.stack.emplace();
  f.reconciled = true;
  f.expected = f.found = 3800;
  f.visible_us.record(base_latency_us * 100);
  f.probes = 1;
  return r;
}

TEST(report_merge_runs, counts_add_up_histograms_merge_exactly_and_seconds_line_up) {
  auto a = generator(1, "0/2", 1'000'000'000, 1000), b = generator(2, "1/2", 1'000'000'000, 3000);
  auto merged = merge_runs({{"a", a}, {"b", b}});
  const auto& m = merged.result;
  EXPECT_TRUE(merged.notes.empty());
  EXPECT_EQ(m.segment, "0/2+1/2");
  EXPECT_EQ(m.accepted, 380u);
  EXPECT_EQ(m.rejected.at(429), 20u);
  EXPECT_EQ(m.runs_accepted, 3800u);
  EXPECT_DOUBLE_EQ(m.target_rate, 1000);
  auto both = a.corrected;
  both.merge(b.corrected);
  EXPECT_EQ(m.corrected, both);
  EXPECT_EQ(m.corrected.count(), 380u);
  ASSERT_EQ(m.timeseries.size(), 4u);
  EXPECT_EQ(m.timeseries[1].accepted, 100u);                    // counts add up
  EXPECT_EQ(m.timeseries[1].p99_us, 6000u);                     // the higher p99: an upper bound
  EXPECT_EQ(m.timeseries[1].queue_depth, 200u);                 // the same queue, seen twice
  EXPECT_DOUBLE_EQ(*m.timeseries[1].components.read_sent, 6);   // each generator's own reads
  EXPECT_DOUBLE_EQ(*m.timeseries[1].components.redis_memory_mib, 12);
  ASSERT_EQ(m.acknowledged.size(), 2u);
  ASSERT_TRUE(m.stack);
  EXPECT_EQ(m.stack->expected, 7600u);
  EXPECT_EQ(m.stack->visible_us.count(), 2u);
}

TEST(report_merge_runs, a_late_generator_is_placed_by_its_start_and_noted) {
  auto a = generator(1, "0/1", 1'000'000'000, 1000), b = generator(2, "0/1", 1'002'000'000, 1000);
  auto merged = merge_runs({{"a", a}, {"b", b}});
  ASSERT_EQ(merged.result.timeseries.size(), 6u);
  EXPECT_EQ(merged.result.timeseries[0].accepted, 50u);
  EXPECT_EQ(merged.result.timeseries[2].accepted, 100u);
  EXPECT_EQ(merged.result.timeseries[5].accepted, 50u);
  EXPECT_DOUBLE_EQ(merged.result.duration_s, 6);
  ASSERT_EQ(merged.notes.size(), 1u);
  EXPECT_NE(merged.notes[0].find("started 2 s after"), std::string::npos) << merged.notes[0];
}

TEST(report_merge_runs, refuses_what_cannot_be_one_load_and_notes_a_missing_segment) {
  auto a = generator(1, "0/3", 0, 1000), b = generator(2, "1/3", 0, 1000);
  auto partial = merge_runs({{"a", a}, {"b", b}});
  ASSERT_EQ(partial.notes.size(), 1u);
  EXPECT_NE(partial.notes[0].find("2 of 3 segments"), std::string::npos) << partial.notes[0];
  auto refused = [](const std::vector<generator_run>& runs, std::string_view says) {
    try {
      merge_runs(runs);
      ADD_FAILURE() << "merged";
    } catch (const std::invalid_argument& e) {
      EXPECT_NE(std::string(e.what()).find(says), std::string::npos) << e.what();
    }
  };
  refused({}, "nothing to merge");
  refused({{"a", a}, {"a2", a}}, "segment 0/3 is given twice");
  refused({{"a", generator(1, "0/1", 0, 1)}, {"a2", generator(1, "0/1", 0, 1)}}, "the same run given twice");
  refused({{"a", a}, {"c", generator(3, "1/2", 0, 1000)}}, "not a share of the others' split into 3");
}

}  // namespace
}  // namespace tracepipe::report
