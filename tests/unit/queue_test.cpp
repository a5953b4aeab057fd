#include "queue/error.hpp"
#include "queue/resp.hpp"
#include "queue/shard.hpp"

#include <gtest/gtest.h>

#include <fmt/format.h>

#include <array>
#include <cctype>
#include <random>
#include <set>
#include <string>

namespace tracepipe::queue {
namespace {

TEST(queue_resp, commands_are_written_as_redis_reads_them) {
  std::string out = "before";
  append_resp_command(out, {"XADD", "k", "*", "", std::string_view("a\r\n\0b", 5)});
  EXPECT_EQ(out, std::string("before*5\r\n$4\r\nXADD\r\n$1\r\nk\r\n$1\r\n*\r\n$0\r\n\r\n$5\r\na\r\n\0b\r\n", 51));
  std::string big(12345, 'x');
  out.clear();
  append_resp_command(out, {big});
  EXPECT_EQ(out, "*1\r\n$12345\r\n" + big + "\r\n");
}

TEST(shard_of, one_shard_or_none_is_shard_zero) {
  for (std::size_t shards : {0u, 1u})
    for (auto id : {"", "0f8fad5b-d9cb-469f-a165-70867728950e", "x"}) EXPECT_EQ(shard_of(id, shards), 0u) << id;
}

TEST(shard_of, is_a_stable_fnv1a_of_the_lower_cased_id) {
  // Golden values: a trace must stay on its shard across versions and restarts.
  struct golden {
    std::string_view id;
    std::size_t shards, want;
  } cases[] = {
      {"0f8fad5b-d9cb-469f-a165-70867728950e", 8, 3},   {"0f8fad5b-d9cb-469f-a165-70867728950e", 1024, 51},
      {"0f8fad5b-d9cb-469f-a165-70867728950e", 3, 2},   {"7c9e6679-7425-40de-944b-e07fc1f90ae7", 8, 5},
      {"7c9e6679-7425-40de-944b-e07fc1f90ae7", 1024, 157}, {"16fd2706-8baf-433b-82eb-8c7fada847da", 8, 1},
      {"16fd2706-8baf-433b-82eb-8c7fada847da", 1024, 185}, {"", 8, 3},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(shard_of(c.id, c.shards), c.want) << c.id << " over " << c.shards;
    EXPECT_EQ(shard_of(c.id, c.shards), shard_of(c.id, c.shards));
  }
}

std::string random_uuid(std::mt19937_64& rng) {
  auto hi = rng(), lo = rng();
  return fmt::format("{:08x}-{:04x}-{:04x}-{:04x}-{:012x}", hi >> 32, (hi >> 16) & 0xffff, hi & 0xffff, lo >> 48,
                     lo & 0xffffffffffffull);
}

TEST(shard_of, case_insensitive) {
  std::mt19937_64 rng(7);
  for (int i = 0; i < 1000; ++i) {
    auto id = random_uuid(rng);
    std::string upper = id;
    for (auto& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    for (std::size_t shards : {2u, 8u, 1024u}) ASSERT_EQ(shard_of(id, shards), shard_of(upper, shards)) << id;
  }
}

TEST(shard_of, in_range) {
  std::mt19937_64 rng(11);
  for (std::size_t shards : {2u, 3u, 7u, 8u, 16u, 1000u, 1024u}) {
    std::set<std::size_t> seen;
    for (int i = 0; i < 5000; ++i) {
      auto s = shard_of(random_uuid(rng), shards);
      ASSERT_LT(s, shards);
      seen.insert(s);
    }
    if (shards <= 16) {
      EXPECT_EQ(seen.size(), shards) << "every shard is used";
    }
  }
}

TEST(shard_of, spreads_evenly_over_8_shards) {
  std::mt19937_64 rng(2024);
  constexpr int n = 10'000;
  std::array<int, 8> counts{};
  for (int i = 0; i < n; ++i) ++counts[shard_of(random_uuid(rng), 8)];
  int total = 0;
  for (std::size_t s = 0; s < counts.size(); ++s) {
    total += counts[s];
    // 1250 expected, σ ≈ 33: ±10% is over 3.5σ
    EXPECT_GT(counts[s], 1125) << "shard " << s;
    EXPECT_LT(counts[s], 1375) << "shard " << s;
  }
  EXPECT_EQ(total, n);
}

TEST(stream_key, hash_tag_per_shard) {
  EXPECT_EQ(stream_key("tracepipe:runs", 3), "tracepipe:runs:{3}");
  EXPECT_EQ(stream_key("tracepipe:runs", 0), "tracepipe:runs:{0}");
  EXPECT_EQ(stream_key("tracepipe:runs", 1023), "tracepipe:runs:{1023}");
  EXPECT_EQ(stream_key("custom", 12), "custom:{12}");
  EXPECT_EQ(stream_key("", 1), ":{1}");
}

TEST(queue_error, messages_and_category) {
  const std::pair<error, std::string_view> cases[] = {
      {error::not_connected, "not connected to Redis"},
      {error::connection_lost, "connection to Redis lost before the reply"},
      {error::timeout, "Redis did not answer in time"},
      {error::server_error, "Redis answered with an error"},
      {error::unexpected_reply, "unexpected reply from Redis"},
  };
  std::set<int> values;
  for (auto [e, message] : cases) {
    boost::system::error_code ec = e;  // is_error_code_enum: implicit conversion
    EXPECT_TRUE(ec);
    EXPECT_EQ(ec.message(), message);
    EXPECT_EQ(ec.category(), queue_category());
    EXPECT_STREQ(ec.category().name(), "tracepipe.queue");
    EXPECT_EQ(ec, make_error_code(e));
    EXPECT_TRUE(ec == e);
    EXPECT_NE(ec.value(), 0);
    EXPECT_TRUE(values.insert(ec.value()).second);
  }
  EXPECT_EQ(make_error_code(error::not_connected).value(), 1);
  EXPECT_EQ(queue_category().message(0), "unknown queue error");
  EXPECT_EQ(queue_category().message(99), "unknown queue error");
  EXPECT_NE(boost::system::error_code(error::timeout), boost::system::error_code(error::connection_lost));
  EXPECT_NE(boost::system::error_code(error::timeout),
            boost::system::error_code(static_cast<int>(error::timeout), boost::system::generic_category()));
  EXPECT_EQ(&queue_category(), &queue_category());
}

}  // namespace
}  // namespace tracepipe::queue
