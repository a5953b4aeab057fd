// The load generator's run ids traced back to their requests, and the
// reconcile's tally of what ClickHouse holds: exact counts for found, lost,
// duplicated, late and never-acknowledged operations.
#include "observe/reconcile.hpp"

#include <gtest/gtest.h>

#include <set>

#include <fmt/format.h>

#include "loadgen/run_ids.hpp"

namespace tracepipe::observe {

using namespace tracepipe::loadgen;

namespace {

TEST(loadgen_run_ids, an_id_parses_back_to_its_operation_and_only_with_its_key) {
  auto key = id_key(7, 12345);
  for (std::uint64_t k : {0ull, 1ull, 999ull, (1ull << 48) - 1})
    for (std::uint32_t slot : {0u, 5u, 16383u}) {
      auto id = run_id(key, k, slot);
      auto post = parse_op(key, id, "post");
      ASSERT_TRUE(post) << id;
      EXPECT_EQ(op_request(*post), k);
      EXPECT_EQ(op_slot(*post), slot);
      EXPECT_FALSE(op_is_patch(*post));
      EXPECT_TRUE(op_is_patch(*parse_op(key, id, "patch")));
      EXPECT_FALSE(parse_op(id_key(7, 12346), id, "post")) << "another salt's ids are not ours";
      EXPECT_FALSE(parse_op(key, id, "delete"));
    }
  EXPECT_FALSE(parse_op(key, "not-an-id", "post"));
  EXPECT_FALSE(parse_op(key, "00000000-0000-4000-8000-00000000000g", "post"));
}

TEST(loadgen_run_ids, the_salt_changes_every_id_and_zero_keeps_the_seed) {
  EXPECT_EQ(id_key(5, 0), 5u);
  EXPECT_NE(run_id(id_key(5, 1), 3, 2), run_id(id_key(5, 2), 3, 2));
}

body_options batch_of(int runs, run_pattern pattern, wire endpoint = wire::batch) {
  body_options o;
  o.runs_per_request = runs;
  o.pattern = pattern;
  o.endpoint = endpoint;
  o.ring = 4;
  return o;
}

TEST(loadgen_acknowledged_operations, post_patch_request_carries_its_posts_and_the_previous_patches) {
  request_plan plan(batch_of(10, run_pattern::post_patch));
  auto first = acknowledged_operations(plan, {{0, 0}});
  EXPECT_EQ(first.size(), 10u);  // request 0 has nothing to patch yet
  for (auto op : first) EXPECT_FALSE(op_is_patch(op));
  auto fifth = acknowledged_operations(plan, {{5, 0}});
  ASSERT_EQ(fifth.size(), 20u);
  std::set<std::uint64_t> posts_of, patches_of;
  for (auto op : fifth) (op_is_patch(op) ? patches_of : posts_of).insert(op_request(op));
  EXPECT_EQ(posts_of, std::set<std::uint64_t>{5});
  EXPECT_EQ(patches_of, std::set<std::uint64_t>{4});
  // Requests 0..9 acknowledged: 100 posts and the patches of runs 0..8's requests.
  std::vector<accepted_request> all;
  for (std::uint64_t k = 0; k < 10; ++k) all.push_back({k, 0});
  EXPECT_EQ(acknowledged_operations(plan, all).size(), 100u + 90u);
}

TEST(loadgen_acknowledged_operations, single_posts_and_patches_are_separate_requests) {
  request_plan plan(batch_of(1, run_pattern::post_patch, wire::single));
  auto post = acknowledged_operations(plan, {{3, 0}});
  auto patch = acknowledged_operations(plan, {{3, 1}});
  ASSERT_EQ(post.size(), 1u);
  ASSERT_EQ(patch.size(), 1u);
  EXPECT_EQ(post[0], make_op(3, 0, false));
  EXPECT_EQ(patch[0], make_op(2, 0, true));
}

TEST(loadgen_acknowledged_operations, combined_patches_its_own_runs_and_ids_match_the_bodies) {
  request_plan plan(batch_of(4, run_pattern::combined));
  auto ops = acknowledged_operations(plan, {{2, 0}});
  ASSERT_EQ(ops.size(), 8u);
  std::vector<prepared_request> out;
  plan.build(2, out);
  for (auto op : ops) {
    auto id = run_id(plan.id_key(), op_request(op), op_slot(op));
    EXPECT_NE(out[0].body.find(id), std::string::npos) << id << " is not in the body it was counted for";
  }
  EXPECT_EQ(plan.first_post_id(2, 0), run_id(plan.id_key(), 2, 0));
}

/// One reconcile_query row: id, kind, rows, first inserted_at_us, received_at_us.
std::string row(std::uint64_t key, op_key op, int rows, std::uint64_t inserted, std::uint64_t received) {
  return fmt::format("{}\t{}\t{}\t{}\t{}\n", run_id(key, op_request(op), op_slot(op)),
                     op_is_patch(op) ? "patch" : "post", rows, inserted, received);
}

TEST(loadgen_reconcile_tally, counts_found_lost_duplicates_late_and_unacknowledged_exactly) {
  const std::uint64_t key = id_key(1, 9), start = 1'700'000'000'000'000;
  std::vector<op_key> expected;
  for (std::uint32_t s = 0; s < 10; ++s) expected.push_back(make_op(1, s, false));
  std::sort(expected.begin(), expected.end());
  reconcile_options o;
  o.start_us = start;
  o.late_after = std::chrono::milliseconds(5000);
  std::string tsv;
  for (std::uint32_t s = 0; s < 7; ++s)  // 7 of 10 found, inserted in second 1, lag 100 ms
    tsv += row(key, make_op(1, s, false), s == 2 ? 3 : 1, start + 500'000, start + 400'000);
  tsv += row(key, make_op(1, 7, false), 1, start + 9'000'000, start + 1'000'000);  // 8 s lag: late, second 10
  tsv += row(key, make_op(2, 0, false), 1, start + 600'000, start + 500'000);      // never acknowledged
  tsv += row(id_key(2, 9), make_op(1, 9, false), 1, start, start);                 // someone else's run
  tsv += "foreign-id\tpost\t1\t1\t1\n";
  auto r = tally(tsv, {{key, expected}}, o);
  EXPECT_EQ(r.expected, 10u);
  EXPECT_EQ(r.found, 8u);
  EXPECT_EQ(r.lost, 2u);
  EXPECT_EQ(r.duplicates, 2u);  // one operation with 3 rows
  EXPECT_EQ(r.late, 1u);
  EXPECT_EQ(r.unacknowledged, 1u);
  EXPECT_EQ(r.lag_us.count(), 8u);
  EXPECT_NEAR(static_cast<double>(r.lag_us.max()), 8'000'000, 8'000'000 * 0.01);
  ASSERT_EQ(r.per_second.size(), 2u);
  EXPECT_EQ(r.per_second[0].second, 1u);
  EXPECT_EQ(r.per_second[0].runs, 7u);
  EXPECT_NEAR(r.per_second[0].lag_p99_ms, 100, 1);
  EXPECT_EQ(r.per_second[1].second, 10u);
  EXPECT_EQ(r.per_second[1].runs, 1u);
}

TEST(loadgen_reconcile_tally, patches_count_as_operations_not_runs) {
  const std::uint64_t key = 3, start = 1'000'000;
  std::vector<op_key> expected{make_op(0, 0, false), make_op(0, 0, true)};
  reconcile_options o;
  o.start_us = start;
  auto r = tally(row(key, expected[0], 1, start + 10, start) + row(key, expected[1], 1, start + 20, start),
                 {{key, expected}}, o);
  EXPECT_EQ(r.found, 2u);
  EXPECT_EQ(r.lost, 0u);
  ASSERT_EQ(r.per_second.size(), 1u);
  EXPECT_EQ(r.per_second[0].runs, 1u);
  EXPECT_EQ(r.per_second[0].operations, 2u);
}

TEST(loadgen_reconcile_tally, several_generators_loads_are_each_matched_by_their_own_key) {
  const std::uint64_t a = id_key(1, 11), b = id_key(1, 12), start = 1'000'000;
  std::vector<op_key> ops{make_op(0, 0, false), make_op(0, 1, false)};
  reconcile_options o;
  o.start_us = start;
  // The same operation numbers under two keys are two generators' different runs.
  auto tsv = row(a, ops[0], 1, start, start) + row(a, ops[1], 2, start, start) + row(b, ops[0], 1, start, start) +
             row(b, make_op(5, 0, false), 1, start, start);
  auto r = tally(tsv, {{a, ops}, {b, ops}}, o);
  EXPECT_EQ(r.expected, 4u);
  EXPECT_EQ(r.found, 3u);
  EXPECT_EQ(r.lost, 1u);  // b's slot 1
  EXPECT_EQ(r.duplicates, 1u);
  EXPECT_EQ(r.unacknowledged, 1u);  // b's request 5
}

}  // namespace
}  // namespace tracepipe::observe
