// Redis reply handling of the sink's queue adapter (queue/stream_replies):
// raw RESP bytes through hiredis's reader, as stream_consumer receives them,
// then each reply through the XREADGROUP, XPENDING and XCLAIM parsers.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include <hiredis/hiredis.h>

#include "fuzz/fuzz_check.hpp"
#include "queue/stream_replies.hpp"

using namespace tracepipe;

namespace {

void check_messages(const std::vector<queue::stream_message>& got) {
  for (const auto& m : got) {
    FUZZ_CHECK(m.deliveries >= 1);
    (void)m.enqueued_at_ms();
    (void)m.field("run_id");
  }
}

/// hiredis 0.14 (Debian 12) allocates what a `*N` header announces before
/// reading the elements (1.x caps it: maxelements). Redis is a trusted peer,
/// so counts a server never sends are no finding: skip such inputs.
bool huge_count(std::string_view in) {
  for (std::size_t i = 0; i < in.size(); ++i) {
    if (in[i] != '*' && in[i] != '$') continue;
    std::size_t digits = 0;
    while (i + 1 + digits < in.size() && in[i + 1 + digits] >= '0' && in[i + 1 + digits] <= '9') ++digits;
    if (digits > 6) return true;
  }
  return false;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (huge_count(std::string_view(reinterpret_cast<const char*>(data), size))) return 0;
  redisReader* reader = redisReaderCreate();
  FUZZ_CHECK(reader);
  if (redisReaderFeed(reader, reinterpret_cast<const char*>(data), size) == REDIS_OK) {
    for (int i = 0; i < 16; ++i) {
      void* raw = nullptr;
      if (redisReaderGetReply(reader, &raw) != REDIS_OK || !raw) break;
      auto* r = static_cast<redisReply*>(raw);
      std::vector<queue::stream_message> got;
      (void)queue::replies::read_group(r, got);
      check_messages(got);
      std::vector<std::pair<std::string, std::uint64_t>> pending;
      (void)queue::replies::pending(r, pending);
      FUZZ_CHECK(pending.size() <= (r->type == REDIS_REPLY_ARRAY ? r->elements : 0));
      got.clear();
      queue::replies::claimed("tracepipe:runs:0", r, got);
      check_messages(got);
      for (const auto& m : got) FUZZ_CHECK(m.stream == "tracepipe:runs:0");
      freeReplyObject(r);
    }
  }
  redisReaderFree(reader);
  return 0;
}
