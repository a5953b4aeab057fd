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

void consumers(const std::string& stream, const redisReply* r, std::vector<consumer_state>& out) {
  if (!r || r->type != REDIS_REPLY_ARRAY) return;
  for (std::size_t i = 0; i < r->elements; ++i) {
    const redisReply* c = r->element[i];
    if (c->type != REDIS_REPLY_ARRAY) continue;
    consumer_state s{stream, {}, 0, {}};
    bool named = false, counted = false, timed = false;
    for (std::size_t k = 0; k + 1 < c->elements; k += 2) {
      auto key = text(c->element[k]);
      const redisReply* v = c->element[k + 1];
      if (key == "name" && v->type == REDIS_REPLY_STRING) s.name = text(v), named = true;
      else if (key == "pending" && v->type == REDIS_REPLY_INTEGER && v->integer >= 0)
        s.pending = static_cast<std::uint64_t>(v->integer), counted = true;
      else if (key == "idle" && v->type == REDIS_REPLY_INTEGER && v->integer >= 0)
        s.idle = std::chrono::milliseconds(v->integer), timed = true;
    }
    if (named && counted && timed) out.push_back(std::move(s));
  }
}

void claimed(const std::string& stream, const redisReply* r, std::vector<stream_message>& out) {
  for (std::size_t i = 0; i < r->elements; ++i) parse_entry(stream, r->element[i], out);
}

}  // namespace replies

}  // namespace tracepipe::queue
