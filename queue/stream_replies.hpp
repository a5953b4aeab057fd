#pragma once
// How the stream consumers read Redis's stream replies, apart from its I/O so
// the parsing can be unit-tested and fuzzed on raw replies. Malformed
// replies never crash: they give error::unexpected_reply or are skipped.
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include <boost/system/error_code.hpp>

#include "queue/error.hpp"
#include "queue/stream_consumer.hpp"

struct redisReply;

namespace tracepipe::queue::replies {

/// A string, status or error reply's text; "" for any other.
std::string text(const redisReply* r);

/// XREADGROUP: nil (BLOCK timed out) or [[stream, [[id, [field, value, …]], …]], …].
boost::system::error_code read_group(const redisReply* r, std::vector<stream_message>& out);

/// XPENDING key group IDLE ms - + count: [[id, consumer, idle, deliveries], …] → (id, deliveries).
boost::system::error_code pending(const redisReply* r, std::vector<std::pair<std::string, std::uint64_t>>& out);

/// XINFO CONSUMERS key group: [[name, n, pending, p, idle, ms, …], …]; malformed entries are skipped.
void consumers(const std::string& stream, const redisReply* r, std::vector<consumer_state>& out);

/// XCLAIM of one stream's ids: [[id, [field, value, …]], …]; entries deleted meanwhile come back nil and are skipped.
void claimed(const std::string& stream, const redisReply* r, std::vector<stream_message>& out);

}  // namespace tracepipe::queue::replies
