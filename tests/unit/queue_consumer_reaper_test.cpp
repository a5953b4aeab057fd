#include "queue/consumer_reaper.hpp"

#include <gtest/gtest.h>

namespace tracepipe::queue {
namespace {

using std::chrono::milliseconds;

consumer_state at(const char* stream, const char* name, std::uint64_t pending, long long idle_ms, bool alive = false) {
  return {stream, name, pending, milliseconds(idle_ms), alive};
}

TEST(consumer_reaper, removes_a_consumer_empty_silent_and_idle_on_every_stream) {
  std::vector<consumer_state> seen{
      at("s0", "gone", 0, 700'000), at("s1", "gone", 0, 650'000),      // empty and idle everywhere
      at("s0", "holding", 0, 700'000), at("s1", "holding", 3, 700'000),  // entries still to reclaim
      at("s0", "reading", 0, 700'000), at("s1", "reading", 0, 200),     // it read a shard lately
      at("s0", "live", 0, 50),
      // Reading often but finding nothing: Redis 7.0 calls it idle; its heartbeat says otherwise.
      at("s0", "beating", 0, 700'000, true), at("s1", "beating", 0, 700'000, false)};
  EXPECT_EQ(consumers_to_remove(seen, milliseconds(600'000), {}), std::vector<std::string>{"gone"});
}

TEST(consumer_reaper, never_its_own_nor_with_expiry_off) {
  std::vector<consumer_state> seen{at("s0", "b", 0, 900'000), at("s0", "a", 0, 900'000), at("s0", "me", 0, 900'000)};
  EXPECT_EQ(consumers_to_remove(seen, milliseconds(600'000), {"me"}), (std::vector<std::string>{"a", "b"}));
  EXPECT_TRUE(consumers_to_remove(seen, milliseconds(0), {}).empty());
  EXPECT_TRUE(consumers_to_remove({}, milliseconds(600'000), {}).empty());
  EXPECT_EQ(consumers_to_remove({at("s0", "edge", 0, 600'000)}, milliseconds(600'000), {}),
            std::vector<std::string>{"edge"})
      << "idle exactly the expiry";
}

}  // namespace
}  // namespace tracepipe::queue
