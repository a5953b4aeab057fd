#include "loadgen/queue_depth_reader.hpp"

#include <hiredis/hiredis.h>

#include <memory>
#include <vector>

#include <fmt/format.h>

#include "queue/redis_endpoint.hpp"
#include "queue/shard.hpp"

namespace tracepipe::loadgen {

namespace {

struct reply_deleter {
  void operator()(redisReply* r) const { freeReplyObject(r); }
};
using reply_ptr = std::unique_ptr<redisReply, reply_deleter>;

reply_ptr command(redisContext* c, const char* format, auto... args) {
  return reply_ptr(static_cast<redisReply*>(redisCommand(c, format, args...)));
}

}  // namespace

queue_depth_reader::queue_depth_reader(std::string url, std::string prefix, int shards,
                                       std::chrono::milliseconds timeout)
    : url_(std::move(url)), prefix_(std::move(prefix)), shards_(shards), timeout_(timeout) {}

queue_depth_reader::~queue_depth_reader() { drop(); }

void queue_depth_reader::drop() {
  if (ctx_) redisFree(ctx_);
  ctx_ = nullptr;
}

bool queue_depth_reader::connect() {
  auto ep = queue::parse_redis_url(url_);
  if (!ep) {
    error_ = "not a redis:// URL: " + url_;
    return false;
  }
  timeval tv{static_cast<time_t>(timeout_.count() / 1000), static_cast<suseconds_t>(timeout_.count() % 1000 * 1000)};
  ctx_ = redisConnectWithTimeout(ep->host.c_str(), ep->port, tv);
  if (!ctx_ || ctx_->err) {
    error_ = fmt::format("Redis {}: {}", ep->display(), ctx_ ? ctx_->errstr : "out of memory");
    drop();
    return false;
  }
  redisSetTimeout(ctx_, tv);
  auto login = [&]() -> reply_ptr {
    if (ep->password.empty()) return nullptr;
    return ep->username.empty() ? command(ctx_, "AUTH %s", ep->password.c_str())
                                : command(ctx_, "AUTH %s %s", ep->username.c_str(), ep->password.c_str());
  };
  auto ok = [&](const reply_ptr& r) { return r && r->type != REDIS_REPLY_ERROR; };
  if (!ep->password.empty() && !ok(login())) {
    error_ = fmt::format("Redis {}: AUTH refused", ep->display());  // never the password
    drop();
    return false;
  }
  if (ep->db != 0 && !ok(command(ctx_, "SELECT %d", ep->db))) {
    error_ = fmt::format("Redis {}: SELECT {} refused", ep->display(), ep->db);
    drop();
    return false;
  }
  return true;
}

std::optional<std::uint64_t> queue_depth_reader::read() {
  if (!ctx_ && !connect()) return std::nullopt;
  std::vector<std::string> keys;
  for (int n = 0; n < shards_; ++n) keys.push_back(queue::stream_key(prefix_, static_cast<std::size_t>(n)));
  for (const auto& k : keys) redisAppendCommand(ctx_, "XLEN %b", k.data(), k.size());
  std::uint64_t depth = 0;
  for (std::size_t i = 0; i < keys.size(); ++i) {
    void* raw = nullptr;
    if (redisGetReply(ctx_, &raw) != REDIS_OK) {
      error_ = fmt::format("Redis XLEN: {}", ctx_->errstr);
      drop();
      return std::nullopt;
    }
    reply_ptr r(static_cast<redisReply*>(raw));
    if (r->type != REDIS_REPLY_INTEGER) {
      error_ = fmt::format("Redis XLEN {}: {}", keys[i], r->type == REDIS_REPLY_ERROR ? r->str : "not an integer");
      drop();
      return std::nullopt;
    }
    depth += static_cast<std::uint64_t>(r->integer);
  }
  return depth;
}

}  // namespace tracepipe::loadgen
