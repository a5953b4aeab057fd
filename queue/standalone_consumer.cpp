#include "queue/standalone_consumer.hpp"

#include "queue/blocking_redis.hpp"
#include "queue/entry_fields.hpp"
#include "queue/reply_arena.hpp"
#include "queue/resp.hpp"
#include "queue/stream_replies.hpp"

#include <cerrno>
#include <map>

#include <hiredis/hiredis.h>

namespace tracepipe::queue {
namespace {

using boost::system::error_code;

/// Replies live in the connection's arena until its next round trip.
using reply_ptr = const redisReply*;

using args = std::vector<std::string_view>;

/// Sends all commands, then reads all replies (one round trip). On a
/// connection error the replies gathered so far are returned with the error.
error_code pipeline(redisContext* c, reply_arena& arena, const std::vector<args>& commands,
                    std::vector<reply_ptr>& replies, std::string& last_error) {
  arena.reset();
  std::string text;
  for (const auto& cmd : commands) append_resp_command(text, cmd);
  redisAppendFormattedCommand(c, text.data(), text.size());
  for (std::size_t i = 0; i < commands.size(); ++i) {
    void* r = nullptr;
    if (redisGetReply(c, &r) != REDIS_OK || !r) {
      last_error = c->errstr;
      return (c->err == REDIS_ERR_IO && (errno == EAGAIN || errno == EWOULDBLOCK)) ? error::timeout : error::connection_lost;
    }
    replies.push_back(static_cast<const redisReply*>(r));
  }
  return {};
}

error_code first_error(const std::vector<reply_ptr>& replies, std::string& last_error) {
  for (const auto& r : replies) {
    if (r->type == REDIS_REPLY_ERROR) {
      last_error = replies::text(r);
      return error::server_error;
    }
  }
  return {};
}

}  // namespace

/// Replies are built in the arena, so they are read through pipeline() only,
/// never with blocking_redis::command (which would free them one by one).
struct standalone_consumer::connection {
  reply_arena arena;  ///< first, so destroyed last: the context's reader builds into it
  blocking_redis redis;
};

standalone_consumer::standalone_consumer(common::redis_endpoint endpoint, consumer_options options)
    : endpoint_(std::move(endpoint)), options_(std::move(options)), pending_cursor_(options_.streams.size(), "0") {}

standalone_consumer::~standalone_consumer() = default;

error_code standalone_consumer::connect() {
  if (conn_ && !conn_->redis.native()->err) return {};
  conn_.reset();
  // Connected only: the login below is pipelined through the arena, and its
  // error reply's own text is what last_error() reports.
  auto redis = blocking_redis::connect(endpoint_.host, endpoint_.port, options_.timeout, &last_error_);
  if (!redis) return error::not_connected;
  conn_.reset(new connection{reply_arena{}, std::move(*redis)});  // braces: clang 14 has no parenthesized aggregate init
  // Reads may block up to their BLOCK argument; the socket timeout is on top.
  conn_->redis.set_timeout(options_.timeout + std::chrono::milliseconds(2000));
  // Keep the reader's buffer between replies: by default hiredis frees it
  // once it holds over 16 KiB unused, and a batch read (megabytes) then
  // regrows it step by step, copying, on every read.
  conn_->redis.native()->reader->maxbuf = 0;
  conn_->arena.attach(conn_->redis.native()->reader);
  std::vector<args> hello;
  std::string db = std::to_string(endpoint_.db);
  if (!endpoint_.password.empty()) {
    args auth{"AUTH"};
    if (!endpoint_.username.empty()) auth.push_back(endpoint_.username);
    auth.push_back(endpoint_.password);
    hello.push_back(std::move(auth));
  }
  if (endpoint_.db != 0) hello.push_back({"SELECT", db});
  std::vector<reply_ptr> replies;
  auto ec = pipeline(conn_->redis.native(), conn_->arena, hello, replies, last_error_);
  if (!ec) ec = first_error(replies, last_error_);
  if (ec) conn_.reset();
  return ec;
}

namespace {

/// Runs one command; a connection failure drops the connection so the next call reconnects.
template <class Conn>
error_code run(std::unique_ptr<Conn>& conn, const std::vector<args>& commands, std::vector<reply_ptr>& replies,
               std::string& last_error) {
  auto ec = pipeline(conn->redis.native(), conn->arena, commands, replies, last_error);
  if (ec) conn.reset();
  return ec;
}

}  // namespace

error_code standalone_consumer::ensure_group() {
  if (auto ec = connect()) return ec;
  std::vector<args> cmds;
  for (const auto& s : options_.streams) cmds.push_back({"XGROUP", "CREATE", s, options_.group, "0", "MKSTREAM"});
  std::vector<reply_ptr> replies;
  if (auto ec = run(conn_, cmds, replies, last_error_)) return ec;
  for (const auto& r : replies)
    if (r->type == REDIS_REPLY_ERROR && replies::text(r).rfind("BUSYGROUP", 0) != 0) {
      last_error_ = replies::text(r);
      return error::server_error;
    }
  return {};
}

error_code standalone_consumer::read_group(const std::vector<std::string>& ids, std::size_t count,
                                       std::chrono::milliseconds block, std::vector<stream_message>& out) {
  if (auto ec = connect()) return ec;
  auto count_text = std::to_string(count);
  auto block_text = std::to_string(block.count());
  args cmd{"XREADGROUP", "GROUP", options_.group, options_.consumer, "COUNT", count_text};
  if (block.count() > 0) cmd.insert(cmd.end(), {"BLOCK", block_text});
  cmd.push_back("STREAMS");
  for (const auto& s : options_.streams) cmd.push_back(s);
  for (const auto& id : ids) cmd.push_back(id);
  std::vector<reply_ptr> replies;
  if (auto ec = run(conn_, {cmd}, replies, last_error_)) return ec;
  if (auto ec = first_error(replies, last_error_)) return ec;
  return replies::read_group(replies[0], out);
}

error_code standalone_consumer::read_own_pending(std::size_t count, std::vector<stream_message>& out) {
  std::size_t before = out.size();
  if (auto ec = read_group(pending_cursor_, count, std::chrono::milliseconds(0), out)) return ec;
  // Page on: the next call continues after the last id seen per stream.
  for (std::size_t i = before; i < out.size(); ++i)
    for (std::size_t s = 0; s < options_.streams.size(); ++s)
      if (options_.streams[s] == out[i].stream) pending_cursor_[s] = out[i].id;
  return {};
}

error_code standalone_consumer::read_new(std::size_t count, std::chrono::milliseconds block,
                                     std::vector<stream_message>& out) {
  return read_group(std::vector<std::string>(options_.streams.size(), ">"), count, block, out);
}

error_code standalone_consumer::claim_stale(std::chrono::milliseconds min_idle, std::size_t count,
                                        std::uint64_t max_deliveries, std::vector<stream_message>& out,
                                        std::vector<stream_message>& poisoned) {
  if (auto ec = connect()) return ec;
  auto idle_text = std::to_string(min_idle.count());
  auto count_text = std::to_string(count);
  for (const auto& stream : options_.streams) {
    // XPENDING … IDLE gives each entry's delivery count, which XCLAIM does not.
    std::vector<reply_ptr> pending;
    if (auto ec = run(conn_, {{"XPENDING", stream, options_.group, "IDLE", idle_text, "-", "+", count_text}}, pending,
                      last_error_))
      return ec;
    if (auto ec = first_error(pending, last_error_)) return ec;
    std::map<std::string, std::uint64_t> deliveries;
    args claim{"XCLAIM", stream, options_.group, options_.consumer, idle_text};
    std::vector<std::pair<std::string, std::uint64_t>> ids;
    if (auto ec = replies::pending(pending[0], ids)) return ec;
    if (ids.empty()) continue;
    for (const auto& [id, n] : ids) {
      deliveries[id] = n;
      claim.push_back(id);
    }
    std::vector<reply_ptr> claimed;
    if (auto ec = run(conn_, {claim}, claimed, last_error_)) return ec;
    if (auto ec = first_error(claimed, last_error_)) return ec;
    std::vector<stream_message> got;
    replies::claimed(stream, claimed[0], got);
    for (auto& m : got) {
      m.deliveries = deliveries[m.id] + 1;  // XCLAIM delivered it once more
      (m.deliveries > max_deliveries ? poisoned : out).push_back(std::move(m));
    }
  }
  return {};
}

error_code standalone_consumer::touch(const std::vector<const stream_message*>& held) {
  if (held.empty()) return {};
  if (auto ec = connect()) return ec;
  std::map<std::string, std::vector<std::string_view>> by_stream;
  for (const auto* m : held) by_stream[m->stream].push_back(m->id);
  std::vector<args> cmds;
  for (const auto& [stream, ids] : by_stream) {
    args claim{"XCLAIM", stream, options_.group, options_.consumer, "0"};
    claim.insert(claim.end(), ids.begin(), ids.end());
    claim.push_back("JUSTID");
    cmds.push_back(std::move(claim));
  }
  std::vector<reply_ptr> replies;
  if (auto ec = run(conn_, cmds, replies, last_error_)) return ec;
  return first_error(replies, last_error_);
}

error_code standalone_consumer::ack(const std::vector<const stream_message*>& done) {
  if (done.empty()) return {};
  if (auto ec = connect()) return ec;
  std::map<std::string, std::vector<std::string_view>> by_stream;
  for (const auto* m : done) by_stream[m->stream].push_back(m->id);
  std::vector<args> cmds;
  for (const auto& [stream, ids] : by_stream) {
    args xack{"XACK", stream, options_.group};
    args xdel{"XDEL", stream};
    xack.insert(xack.end(), ids.begin(), ids.end());
    xdel.insert(xdel.end(), ids.begin(), ids.end());
    cmds.push_back({"MULTI"});
    cmds.push_back(std::move(xack));
    cmds.push_back(std::move(xdel));
    cmds.push_back({"EXEC"});
  }
  std::vector<reply_ptr> replies;
  if (auto ec = run(conn_, cmds, replies, last_error_)) return ec;
  return first_error(replies, last_error_);
}

error_code standalone_consumer::dead_letter(const stream_message& m, const std::string& reason,
                                        const std::string& dead_letter_stream) {
  if (auto ec = connect()) return ec;
  auto deliveries = std::to_string(m.deliveries);
  namespace field = entry_field;
  args xadd{"XADD", dead_letter_stream, "*", field::dead_letter_reason, reason, field::dead_letter_source_stream,
            m.stream, field::dead_letter_source_id, m.id, field::dead_letter_deliveries, deliveries};
  for (const auto& [k, v] : m.fields) xadd.insert(xadd.end(), {k, v});
  std::vector<reply_ptr> replies;
  if (auto ec = run(conn_, {{"MULTI"}, xadd, {"XACK", m.stream, options_.group, m.id}, {"XDEL", m.stream, m.id}, {"EXEC"}},
                    replies, last_error_))
    return ec;
  return first_error(replies, last_error_);
}

error_code standalone_consumer::pending_count(std::uint64_t& out) {
  if (auto ec = connect()) return ec;
  out = 0;
  for (const auto& stream : options_.streams) {
    std::vector<reply_ptr> replies;
    if (auto ec = run(conn_, {{"XPENDING", stream, options_.group}}, replies, last_error_)) return ec;
    if (auto ec = first_error(replies, last_error_)) return ec;
    if (replies[0]->type == REDIS_REPLY_ARRAY && replies[0]->elements > 0)
      out += static_cast<std::uint64_t>(replies[0]->element[0]->integer);
  }
  return {};
}

error_code standalone_consumer::heartbeat(std::chrono::milliseconds ttl) {
  if (auto ec = connect()) return ec;
  std::vector<std::string> keys;  // the commands' views point into these
  for (const auto& stream : options_.streams) keys.push_back(heartbeat_key(stream, options_.consumer));
  auto px = std::to_string(ttl.count());
  std::vector<args> commands;
  for (const auto& key : keys) commands.push_back({"SET", key, "1", "PX", px});
  std::vector<reply_ptr> replies;
  if (auto ec = run(conn_, commands, replies, last_error_)) return ec;
  return first_error(replies, last_error_);
}

error_code standalone_consumer::list_consumers(std::vector<consumer_state>& out) {
  if (auto ec = connect()) return ec;
  for (const auto& stream : options_.streams) {
    std::vector<reply_ptr> replies;
    if (auto ec = run(conn_, {{"XINFO", "CONSUMERS", stream, options_.group}}, replies, last_error_)) return ec;
    if (auto ec = first_error(replies, last_error_)) return ec;
    std::vector<consumer_state> here;
    replies::consumers(stream, replies[0], here);
    if (here.empty()) continue;
    std::vector<std::string> keys;
    for (const auto& c : here) keys.push_back(heartbeat_key(stream, c.name));
    std::vector<args> exists;
    for (const auto& key : keys) exists.push_back({"EXISTS", key});
    std::vector<reply_ptr> alive;  // a new list: run() appends, and frees the XINFO reply
    if (auto ec = run(conn_, exists, alive, last_error_)) return ec;
    if (auto ec = first_error(alive, last_error_)) return ec;
    for (std::size_t i = 0; i < here.size(); ++i) here[i].alive = alive[i]->integer > 0;
    out.insert(out.end(), here.begin(), here.end());
  }
  return {};
}

error_code standalone_consumer::remove_consumer(const std::string& name) {
  if (auto ec = connect()) return ec;
  for (const auto& stream : options_.streams) {
    std::vector<reply_ptr> replies;
    auto key = heartbeat_key(stream, name);
    if (auto ec = run(conn_, {{"XGROUP", "DELCONSUMER", stream, options_.group, name}, {"DEL", key}}, replies, last_error_))
      return ec;
    if (auto ec = first_error(replies, last_error_)) return ec;
  }
  return {};
}

}  // namespace tracepipe::queue
