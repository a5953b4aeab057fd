#include "queue/cluster_consumer.hpp"

#include <hiredis/hiredis.h>

#include <thread>

#include "queue/entry_fields.hpp"
#include "queue/error.hpp"
#include "queue/stream_replies.hpp"

namespace tracepipe::queue {
namespace {

using boost::system::error_code;
using clock = node_rest::clock;

/// The first error reply among `replies` (a MULTI's queued command's, or the
/// command's own), or "".
std::string first_error(const std::vector<owned_reply>& replies) {
  for (const auto& r : replies)
    if (r && r->type == REDIS_REPLY_ERROR) return replies::text(r.get());
  return {};
}

/// The hash tag of `key` with its braces ("{3}"), or "" when it has none.
std::string_view hash_tag(std::string_view key) {
  auto open = key.find('{');
  if (open == std::string_view::npos) return {};
  auto close = key.find('}', open + 1);
  if (close == std::string_view::npos || close == open + 1) return {};
  return key.substr(open, close - open + 1);
}

}  // namespace

std::string cluster_dead_letter_key(const std::string& dead_letter_stream, const std::string& source) {
  auto tag = hash_tag(source);
  return tag.empty() ? dead_letter_stream : dead_letter_stream + ":" + std::string(tag);
}

cluster_consumer::cluster_consumer(cluster_options cluster, consumer_options options)
    : cluster_options_(std::move(cluster)),
      options_(std::move(options)),
      // A frozen node is asked again after 1 s, then 2, 4, 8 s: each try costs a command timeout.
      rest_backoff_(std::chrono::milliseconds(1000), std::chrono::milliseconds(8000), common::per_thread_jitter()),
      rest_(rest_backoff_) {}

blocking_cluster* cluster_consumer::cluster() {
  if (cluster_) return &*cluster_;
  cluster_ = blocking_cluster::connect(cluster_options_, &last_error_);
  return cluster_ ? &*cluster_ : nullptr;
}

std::vector<owned_reply> cluster_consumer::on_stream(const std::string& stream, const std::vector<args>& commands) {
  auto* c = cluster();
  if (!c) return {};
  const auto* owner = c->map().owner(key_slot(stream));
  auto node = owner ? owner->text() : std::string();
  if (rest_.resting(node, clock::now())) {
    last_error_ = node + " did not answer; asked again after a rest";
    return {};
  }
  auto replies = c->on_slot_of(stream, commands);
  if (replies.empty()) {
    last_error_ = c->error();
    rest_.failed(node, clock::now());
    // Whoever serves the slot after a failover, the map tells on the next call.
    c->reload_map(node);
    return {};
  }
  rest_.answered(node);
  return replies;
}

error_code cluster_consumer::ensure_group() {
  for (const auto& s : options_.streams) {
    auto replies = on_stream(s, {{"XGROUP", "CREATE", s, options_.group, "0", "MKSTREAM"}});
    if (replies.empty()) return error::not_connected;
    if (auto e = first_error(replies); !e.empty() && e.rfind("BUSYGROUP", 0) != 0) {
      last_error_ = e;
      return error::server_error;
    }
  }
  return {};
}

template <class IdOf>
error_code cluster_consumer::read_round(IdOf id_of, std::size_t count, std::vector<stream_message>& out) {
  send_kept_acks();
  const auto& streams = options_.streams;
  auto count_text = std::to_string(count);
  std::size_t before = out.size(), answered = 0;
  first_stream_ = (first_stream_ + 1) % streams.size();
  for (std::size_t i = 0; i < streams.size() && out.size() - before < count; ++i) {
    const auto& s = streams[(first_stream_ + i) % streams.size()];
    auto id = id_of(s);
    auto replies = on_stream(s, {{"XREADGROUP", "GROUP", options_.group, options_.consumer, "COUNT", count_text,
                                  "STREAMS", s, id}});
    if (replies.empty()) continue;
    if (auto e = first_error(replies); !e.empty()) {
      last_error_ = e;
      // The stream (and its group) was deleted under us: make them again.
      if (e.rfind("NOGROUP", 0) == 0) on_stream(s, {{"XGROUP", "CREATE", s, options_.group, "0", "MKSTREAM"}});
      continue;
    }
    if (replies::read_group(replies[0].get(), out)) continue;
    ++answered;
  }
  return answered > 0 ? error_code{} : error_code(error::not_connected);
}

error_code cluster_consumer::read_own_pending(std::size_t count, std::vector<stream_message>& out) {
  std::size_t before = out.size();
  auto ec = read_round(
      [this](const std::string& s) {
        auto it = pending_cursor_.find(s);
        return it == pending_cursor_.end() ? std::string("0") : it->second;
      },
      count, out);
  // Page on: the next call continues after the last id seen per stream.
  for (std::size_t i = before; i < out.size(); ++i) pending_cursor_[out[i].stream] = out[i].id;
  return ec;
}

error_code cluster_consumer::read_new(std::size_t count, std::chrono::milliseconds block,
                                      std::vector<stream_message>& out) {
  auto until = clock::now() + block;
  for (auto nap = std::chrono::milliseconds(1);; nap = std::min(nap * 2, std::chrono::milliseconds(50))) {
    std::size_t before = out.size();
    auto ec = read_round([](const std::string&) { return std::string(">"); }, count, out);
    auto now = clock::now();
    if (ec || out.size() > before || now >= until) return ec;
    std::this_thread::sleep_for(std::min<clock::duration>(nap, until - now));
  }
}

error_code cluster_consumer::claim_stale(std::chrono::milliseconds min_idle, std::size_t count,
                                         std::uint64_t max_deliveries, std::vector<stream_message>& out,
                                         std::vector<stream_message>& poisoned) {
  auto idle_text = std::to_string(min_idle.count());
  auto count_text = std::to_string(count);
  std::size_t answered = 0;
  for (const auto& stream : options_.streams) {
    // XPENDING … IDLE gives each entry's delivery count, which XCLAIM does not.
    auto pending = on_stream(stream, {{"XPENDING", stream, options_.group, "IDLE", idle_text, "-", "+", count_text}});
    std::vector<std::pair<std::string, std::uint64_t>> ids;
    if (pending.empty() || !first_error(pending).empty() || replies::pending(pending[0].get(), ids)) continue;
    ++answered;
    if (ids.empty()) continue;
    std::map<std::string, std::uint64_t> deliveries;
    args claim{"XCLAIM", stream, options_.group, options_.consumer, idle_text};
    for (const auto& [id, n] : ids) {
      deliveries[id] = n;
      claim.push_back(id);
    }
    auto claimed = on_stream(stream, {claim});
    if (claimed.empty() || !first_error(claimed).empty()) continue;
    std::vector<stream_message> got;
    replies::claimed(stream, claimed[0].get(), got);
    for (auto& m : got) {
      m.deliveries = deliveries[m.id] + 1;  // XCLAIM delivered it once more
      (m.deliveries > max_deliveries ? poisoned : out).push_back(std::move(m));
    }
  }
  return answered > 0 ? error_code{} : error_code(error::not_connected);
}

error_code cluster_consumer::touch(const std::vector<const stream_message*>& held) {
  std::map<std::string, std::vector<std::string_view>> by_stream;
  for (const auto* m : held) by_stream[m->stream].push_back(m->id);
  error_code result;
  for (const auto& [stream, ids] : by_stream) {
    args claim{"XCLAIM", stream, options_.group, options_.consumer, "0"};
    claim.insert(claim.end(), ids.begin(), ids.end());
    claim.push_back("JUSTID");
    if (on_stream(stream, {claim}).empty()) result = error::not_connected;
  }
  return result;
}

bool cluster_consumer::ack_on(const std::string& stream, const std::vector<std::string_view>& ids) {
  args xack{"XACK", stream, options_.group};
  args xdel{"XDEL", stream};
  xack.insert(xack.end(), ids.begin(), ids.end());
  xdel.insert(xdel.end(), ids.begin(), ids.end());
  auto replies = on_stream(stream, {{"MULTI"}, xack, xdel, {"EXEC"}});
  if (replies.empty()) return false;
  if (auto e = first_error(replies); !e.empty()) {
    last_error_ = e;
    return false;
  }
  return true;
}

void cluster_consumer::send_kept_acks() {
  for (auto it = kept_acks_.begin(); it != kept_acks_.end();) {
    std::vector<std::string_view> ids(it->second.begin(), it->second.end());
    if (!ack_on(it->first, ids)) {
      ++it;
      continue;
    }
    kept_count_ -= ids.size();
    it = kept_acks_.erase(it);
  }
}

error_code cluster_consumer::ack(const std::vector<const stream_message*>& done) {
  send_kept_acks();
  std::map<std::string, std::vector<std::string_view>> by_stream;
  for (const auto* m : done) by_stream[m->stream].push_back(m->id);
  for (const auto& [stream, ids] : by_stream) {
    if (ack_on(stream, ids)) continue;
    // Inserted, not acked: kept for later. Should this worker die first,
    // the entries are delivered again and their rows collapse.
    auto& kept = kept_acks_[stream];
    kept.insert(kept.end(), ids.begin(), ids.end());
    kept_count_ += ids.size();
  }
  return kept_count_ > max_kept_acks ? error_code(error::not_connected) : error_code{};
}

error_code cluster_consumer::dead_letter(const stream_message& m, const std::string& reason,
                                         const std::string& dead_letter_stream) {
  auto deliveries = std::to_string(m.deliveries);
  auto key = dead_letter_key(dead_letter_stream, m);
  namespace field = entry_field;
  args xadd{"XADD", key, "*", field::dead_letter_reason, reason, field::dead_letter_source_stream,
            m.stream, field::dead_letter_source_id, m.id, field::dead_letter_deliveries, deliveries};
  for (const auto& [k, v] : m.fields) xadd.insert(xadd.end(), {k, v});
  auto replies = on_stream(m.stream, {{"MULTI"}, xadd, {"XACK", m.stream, options_.group, m.id},
                                      {"XDEL", m.stream, m.id}, {"EXEC"}});
  if (replies.empty()) return error::not_connected;
  if (auto e = first_error(replies); !e.empty()) {
    last_error_ = e;
    return error::server_error;
  }
  return {};
}

error_code cluster_consumer::checked(const std::vector<owned_reply>& replies) {
  if (replies.empty()) return error::not_connected;
  if (auto e = first_error(replies); !e.empty()) {
    last_error_ = e;
    return error::server_error;
  }
  return {};
}

error_code cluster_consumer::pending_count(std::uint64_t& out) {
  std::uint64_t total = 0;
  for (const auto& stream : options_.streams) {
    auto replies = on_stream(stream, {{"XPENDING", stream, options_.group}});
    if (auto ec = checked(replies)) return ec;
    const auto* r = replies[0].get();
    if (r->type == REDIS_REPLY_ARRAY && r->elements > 0) total += static_cast<std::uint64_t>(r->element[0]->integer);
  }
  out = total;
  return {};
}

error_code cluster_consumer::heartbeat(std::chrono::milliseconds ttl) {
  for (const auto& stream : options_.streams) {
    auto key = heartbeat_key(stream, options_.consumer);
    auto px = std::to_string(ttl.count());
    if (auto ec = checked(on_stream(stream, {{"SET", key, "1", "PX", px}}))) return ec;
  }
  return {};
}

error_code cluster_consumer::list_consumers(std::vector<consumer_state>& out) {
  for (const auto& stream : options_.streams) {
    auto replies = on_stream(stream, {{"XINFO", "CONSUMERS", stream, options_.group}});
    if (auto ec = checked(replies)) return ec;
    std::vector<consumer_state> here;
    replies::consumers(stream, replies[0].get(), here);
    if (here.empty()) continue;
    std::vector<std::string> keys;
    for (const auto& c : here) keys.push_back(heartbeat_key(stream, c.name));
    std::vector<args> exists;
    for (const auto& key : keys) exists.push_back({"EXISTS", key});
    auto alive = on_stream(stream, exists);
    if (auto ec = checked(alive)) return ec;
    for (std::size_t i = 0; i < here.size() && i < alive.size(); ++i) here[i].alive = alive[i]->integer > 0;
    out.insert(out.end(), here.begin(), here.end());
  }
  return {};
}

error_code cluster_consumer::remove_consumer(const std::string& name) {
  for (const auto& stream : options_.streams) {
    auto key = heartbeat_key(stream, name);
    if (auto ec = checked(on_stream(stream, {{"XGROUP", "DELCONSUMER", stream, options_.group, name}, {"DEL", key}})))
      return ec;
  }
  return {};
}

}  // namespace tracepipe::queue
