// stream_consumer's reply parsing (queue/stream_replies.hpp) on raw RESP
// bytes, read by hiredis's reader as the consumer's connection reads them.
#include "queue/stream_replies.hpp"

#include <gtest/gtest.h>

#include <hiredis/hiredis.h>

#include <memory>
#include <string>

namespace tracepipe::queue {
namespace {

struct reply_deleter {
  void operator()(redisReply* r) const { freeReplyObject(r); }
};
using reply_ptr = std::unique_ptr<redisReply, reply_deleter>;

reply_ptr parse(const std::string& resp) {
  std::unique_ptr<redisReader, void (*)(redisReader*)> reader(redisReaderCreate(), redisReaderFree);
  EXPECT_EQ(redisReaderFeed(reader.get(), resp.data(), resp.size()), REDIS_OK);
  void* r = nullptr;
  EXPECT_EQ(redisReaderGetReply(reader.get(), &r), REDIS_OK);
  EXPECT_NE(r, nullptr);
  return reply_ptr(static_cast<redisReply*>(r));
}

TEST(stream_replies, read_group_entries_per_stream) {
  auto r = parse(
      "*2\r\n"
      "*2\r\n$1\r\na\r\n*2\r\n*2\r\n$3\r\n5-0\r\n*2\r\n$2\r\nop\r\n$4\r\npost\r\n*2\r\n$3\r\n5-1\r\n*-1\r\n"
      "*2\r\n$1\r\nb\r\n*0\r\n");
  std::vector<stream_message> out;
  EXPECT_FALSE(replies::read_group(r.get(), out));
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[0].stream, "a");
  EXPECT_EQ(out[0].id, "5-0");
  EXPECT_EQ(out[0].field("op"), "post");
  EXPECT_EQ(out[0].enqueued_at_ms(), 5u);
  EXPECT_TRUE(out[1].fields.empty());  // deleted while pending
}

TEST(stream_replies, read_group_timeout_and_malformed) {
  std::vector<stream_message> out;
  EXPECT_FALSE(replies::read_group(parse("*-1\r\n").get(), out));
  EXPECT_EQ(replies::read_group(parse(":1\r\n").get(), out), error::unexpected_reply);
  EXPECT_EQ(replies::read_group(parse("*1\r\n*1\r\n$1\r\na\r\n").get(), out), error::unexpected_reply);
  EXPECT_FALSE(replies::read_group(parse("*1\r\n*2\r\n$1\r\na\r\n$-1\r\n").get(), out));
  EXPECT_TRUE(out.empty());
}

TEST(stream_replies, consumers_by_key_skipping_malformed_entries) {
  // Redis 7.0's XINFO CONSUMERS; 7.2 adds "inactive", read past.
  auto r = parse(
      "*3\r\n"
      "*6\r\n$4\r\nname\r\n$5\r\nvm-1a\r\n$7\r\npending\r\n:2\r\n$4\r\nidle\r\n:1500\r\n"
      "*8\r\n$4\r\nname\r\n$2\r\nb2\r\n$7\r\npending\r\n:0\r\n$4\r\nidle\r\n:9\r\n"
      "$8\r\ninactive\r\n:9\r\n"
      "*4\r\n$4\r\nname\r\n$1\r\nc\r\n$7\r\npending\r\n:0\r\n");
  std::vector<consumer_state> out;
  replies::consumers("s0", r.get(), out);
  ASSERT_EQ(out.size(), 2u) << "the third has no idle";
  EXPECT_EQ(out[0].stream, "s0");
  EXPECT_EQ(out[0].name, "vm-1a");
  EXPECT_EQ(out[0].pending, 2u);
  EXPECT_EQ(out[0].idle, std::chrono::milliseconds(1500));
  EXPECT_EQ(out[1].name, "b2");
  replies::consumers("s0", parse(":1\r\n").get(), out);
  EXPECT_EQ(out.size(), 2u);
}

TEST(stream_replies, pending_gives_delivery_counts) {
  std::vector<std::pair<std::string, std::uint64_t>> out;
  EXPECT_FALSE(replies::pending(
      parse("*2\r\n*4\r\n$3\r\n1-0\r\n$1\r\nc\r\n:600\r\n:3\r\n*4\r\n$3\r\n1-1\r\n$1\r\nc\r\n:600\r\n:1\r\n").get(),
      out));
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[0], (std::pair<std::string, std::uint64_t>{"1-0", 3}));
  EXPECT_EQ(out[1], (std::pair<std::string, std::uint64_t>{"1-1", 1}));
  EXPECT_EQ(replies::pending(parse("*1\r\n*2\r\n$3\r\n1-0\r\n$1\r\nc\r\n").get(), out), error::unexpected_reply);
}

TEST(stream_replies, claimed_skips_entries_deleted_meanwhile) {
  std::vector<stream_message> out;
  replies::claimed("s", parse("*2\r\n*2\r\n$3\r\n1-0\r\n*0\r\n$-1\r\n").get(), out);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].stream, "s");
  EXPECT_EQ(out[0].id, "1-0");
}

}  // namespace
}  // namespace tracepipe::queue
