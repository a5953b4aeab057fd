// The replica router: round robin over the replicas that answer, a replica
// that gives no answer skipped until a ping answers, pings paced by the probe
// interval — with time scripted by the test.
// The header comes first: it must compile on its own.
#include "sink/replica_router.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <vector>

namespace tracepipe::sink {
namespace {

using namespace std::chrono_literals;
using clock_type = replica_router::clock;

const clock_type::time_point t0 = clock_type::time_point{} + 1000h;

std::vector<std::size_t> picks(replica_router& r, int n) {
  std::vector<std::size_t> out;
  for (int i = 0; i < n; ++i) out.push_back(r.pick());
  return out;
}

TEST(sink_replica_router, round_robin_from_the_first_given) {
  replica_router r(3, 1, 1s);
  EXPECT_EQ(picks(r, 7), (std::vector<std::size_t>{1, 2, 0, 1, 2, 0, 1}));
}

TEST(sink_replica_router, one_replica_is_always_picked) {
  replica_router r(1, 5, 1s);
  EXPECT_EQ(picks(r, 3), (std::vector<std::size_t>{0, 0, 0}));
  r.unanswered(0, t0);
  EXPECT_EQ(r.pick(), 0u) << "out, but the only one: requests still go there";
}

TEST(sink_replica_router, no_replicas_is_refused) { EXPECT_THROW(replica_router(0, 0, 1s), std::invalid_argument); }

TEST(sink_replica_router, a_retry_after_an_error_answer_goes_to_the_next_replica) {
  replica_router r(3, 0, 1s);
  auto first = r.pick();
  r.answered(first);  // e.g. code 252, too many parts: the server is up
  EXPECT_TRUE(r.in(first));
  EXPECT_NE(r.pick(), first);
}

TEST(sink_replica_router, a_replica_without_answer_is_skipped_until_a_ping_answers) {
  replica_router r(3, 0, 1s);
  EXPECT_EQ(r.pick(), 0u);
  r.unanswered(0, t0);
  EXPECT_FALSE(r.in(0));
  EXPECT_EQ(picks(r, 4), (std::vector<std::size_t>{1, 2, 1, 2}));
  EXPECT_TRUE(r.due_probes(t0 + 999ms).empty()) << "not before a probe interval";
  EXPECT_EQ(r.due_probes(t0 + 1s), std::vector<std::size_t>{0});
  EXPECT_TRUE(r.due_probes(t0 + 1s).empty()) << "one ping per interval";
  r.probed(0, false, t0 + 1100ms);
  EXPECT_TRUE(r.due_probes(t0 + 2s).empty()) << "a failed ping restarts the interval";
  EXPECT_EQ(r.due_probes(t0 + 2100ms), std::vector<std::size_t>{0});
  r.probed(0, true, t0 + 2100ms);
  EXPECT_TRUE(r.in(0));
  auto after = picks(r, 3);
  EXPECT_EQ(std::count(after.begin(), after.end(), 0u), 1) << "back in the rotation";
}

TEST(sink_replica_router, all_out_goes_to_the_one_out_longest_then_rotates) {
  replica_router r(3, 0, 1s);
  r.unanswered(2, t0);
  r.unanswered(0, t0 + 1s);
  r.unanswered(1, t0 + 2s);
  EXPECT_EQ(r.pick(), 2u);
  r.unanswered(2, t0 + 3s);  // still out: out_since stays t0
  EXPECT_EQ(r.pick(), 2u) << "out since t0, longest";
  r.answered(1);
  EXPECT_EQ(picks(r, 2), (std::vector<std::size_t>{1, 1})) << "the one answering takes everything";
}

TEST(sink_replica_router, an_answer_to_a_request_brings_a_replica_back_without_a_ping) {
  replica_router r(2, 0, 10s);
  r.unanswered(0, t0);
  r.unanswered(1, t0 + 1s);
  EXPECT_EQ(r.pick(), 0u);
  r.answered(0);
  EXPECT_TRUE(r.in(0));
  EXPECT_TRUE(r.due_probes(t0 + 10s).empty());
  EXPECT_EQ(r.due_probes(t0 + 11s), std::vector<std::size_t>{1});
}

}  // namespace
}  // namespace tracepipe::sink
