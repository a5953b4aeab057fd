#include "queue/stream_replies.hpp"

#include <hiredis/hiredis.h>

#include "queue/error.hpp"

namespace tracepipe::queue {

using boost::system::error_code;

namespace replies {
namespace {

/// [id, [field, value, …]] — the value list is nil for an entry deleted while pending.
void parse_entry(const std::string& stream, const redisReply* e, std::vector<stream_message>& out) {
  if (e->type != REDIS_REPLY_ARRAY || e->elements < 2) return;
  stream_message m;
  m.stream = stream;
  m.id = text(e->element[0]);
  const redisReply* fields = e->element[1];
  if (fields->type == REDIS_REPLY_ARRAY) m.fields.reserve(fields->elements / 2);
  if (fields->type == REDIS_REPLY_ARRAY)
    for (std::size_t i = 0; i + 1 < fields->elements; i += 2)
      m.fields.emplace_back(text(fields->element[i]), text(fields->element[i + 1]));
  out.push_back(std::move(m));
}

}  // namespace

std::string text(const redisReply* r) { return r && r->str ? std::string(r->str, r->len) : std::string(); }

error_code read_group(const redisReply* r, std::vector<stream_message>& out) {
  if (r->type == REDIS_REPLY_NIL) return {};  // BLOCK timed out
  if (r->type != REDIS_REPLY_ARRAY) return error::unexpected_reply;
  for (std::size_t i = 0; i < r->elements; ++i) {
    const redisReply* per_stream = r->element[i];
    if (per_stream->type != REDIS_REPLY_ARRAY || per_stream->elements != 2) return error::unexpected_reply;
    auto stream = text(per_stream->element[0]);
    for (std::size_t j = 0; j < per_stream->element[1]->elements; ++j)
      parse_entry(stream, per_stream->element[1]->element[j], out);
  }
  return {};
}

error_code pending(const redisReply* r, std::vector<std::pair<std::string, std::uint64_t>>& out) {
  for (std::size_t i = 0; i < r->elements; ++i) {
    const redisReply* p = r->element[i];
    if (p->type != REDIS_REPLY_ARRAY || p->elements < 4) return error::unexpected_reply;
    out.emplace_back(text(p->element[0]), static_cast<std::uint64_t>(p->element[3]->integer));
  }
  return {};
}

void claimed(const std::string& stream, const redisReply* r, std::vector<stream_message>& out) {
  for (std::size_t i = 0; i < r->elements; ++i) parse_entry(stream, r->element[i], out);
}

}  // namespace replies

}  // namespace tracepipe::queue
