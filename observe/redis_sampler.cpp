#include "observe/redis_sampler.hpp"

#include <hiredis/hiredis.h>

#include <charconv>
#include <vector>

#include <fmt/format.h>

#include "loadgen/component_figures.hpp"

#include "common/redis_endpoint.hpp"
#include "queue/shard.hpp"

namespace tracepipe::observe {

using loadgen::bytes_per_mib;

namespace {

std::string_view text_of(const redisReply* r) {
  bool text = r->type == REDIS_REPLY_STRING || r->type == REDIS_REPLY_STATUS;
  return text ? std::string_view(r->str, r->len) : std::string_view{};
}

/// In a flat name, value, … array (RESP2's maps): the value of `name`, or null.
const redisReply* field_of(const redisReply* fields, std::string_view name) {
  for (std::size_t i = 0; i + 1 < fields->elements; i += 2)
    if (text_of(fields->element[i]) == name) return fields->element[i + 1];
  return nullptr;
}

/// XINFO GROUPS' reply (per group such a flat array): the entry of `group`, or null.
const redisReply* group_entry(const redisReply* groups, std::string_view group) {
  for (std::size_t g = 0; g < groups->elements; ++g) {
    const auto* fields = groups->element[g];
    if (fields->type != REDIS_REPLY_ARRAY) continue;
    if (const auto* name = field_of(fields, "name"); name && text_of(name) == group) return fields;
  }
  return nullptr;
}

/// A field of a group's entry: its integer value, nullopt when absent or nil
/// (Redis 7.0 answers a nil lag when it cannot compute it).
std::optional<double> group_field(const redisReply* fields, std::string_view name) {
  const auto* v = field_of(fields, name);
  if (!v || v->type != REDIS_REPLY_INTEGER) return std::nullopt;
  return static_cast<double>(v->integer);
}

}  // namespace

std::optional<double> info_number(std::string_view info, std::string_view name) {
  std::size_t at = 0;
  while (at < info.size()) {
    auto end = info.find('\n', at);
    auto line = info.substr(at, end == std::string_view::npos ? std::string_view::npos : end - at);
    at = end == std::string_view::npos ? info.size() : end + 1;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.size() <= name.size() || !line.starts_with(name) || line[name.size()] != ':') continue;
    auto value = line.substr(name.size() + 1);
    double v = 0;
    auto [ptr, ec] = std::from_chars(value.data(), value.data() + value.size(), v);
    if (ec != std::errc() || ptr != value.data() + value.size()) return std::nullopt;
    return v;
  }
  return std::nullopt;
}

redis_sampler::redis_sampler(std::string url, std::vector<std::string> cluster, std::string prefix, int shards,
                             std::string group, std::chrono::milliseconds timeout)
    : url_(std::move(url)),
      cluster_seeds_(std::move(cluster)),
      prefix_(std::move(prefix)),
      group_(std::move(group)),
      shards_(shards),
      timeout_(timeout) {}

bool redis_sampler::connect() {
  if (!cluster_seeds_.empty()) {
    queue::cluster_options o;
    for (const auto& seed : cluster_seeds_)
      if (auto ep = common::parse_redis_url(seed)) o.seeds.push_back(*ep);
    o.timeout = timeout_;
    o.limits.budget = timeout_;
    std::string why;
    cluster_ = queue::blocking_cluster::connect(std::move(o), &why);
    if (!cluster_) error_ = "Redis Cluster: " + why;
    return cluster_.has_value();
  }
  auto ep = common::parse_redis_url(url_);
  if (!ep) {
    error_ = "not a redis:// URL: " + url_;
    return false;
  }
  std::string why;
  redis_ = queue::blocking_redis::connect(*ep, timeout_, &why);
  if (!redis_) error_ = fmt::format("Redis {}: {}", ep->display(), why);
  return redis_.has_value();
}

queue::owned_reply redis_sampler::ask(std::string_view key, std::initializer_list<std::string_view> argv) {
  auto reply = cluster_ ? cluster_->command(key, argv) : redis_->command(argv);
  if (!reply) error_ = fmt::format("Redis {}: {}", *argv.begin(), cluster_ ? cluster_->error() : redis_->error());
  return reply;
}

std::optional<redis_reading> redis_sampler::read() {
  if (!redis_ && !cluster_ && !connect()) return std::nullopt;
  redis_reading r;
  if (cluster_)
    for (const auto& m : cluster_->map().masters()) r.masters.push_back({m.text(), {}, {}, 0, 0});
  if (!read_depth(r) || !read_group(r) || !read_info(r)) {
    redis_.reset();
    cluster_.reset();
    return std::nullopt;
  }
  return r;
}

bool redis_sampler::read_depth(redis_reading& r) {
  for (int n = 0; n < shards_; ++n) {
    auto key = queue::stream_key(prefix_, static_cast<std::size_t>(n));
    auto reply = ask(key, {"XLEN", key});
    if (!reply) return false;
    if (reply->type != REDIS_REPLY_INTEGER) {
      error_ = fmt::format("Redis XLEN {}: {}", key, reply->type == REDIS_REPLY_ERROR ? reply->str : "not an integer");
      return false;
    }
    r.queue_depth += static_cast<std::uint64_t>(reply->integer);
  }
  return true;
}

bool redis_sampler::read_group(redis_reading& r) {
  double pending = 0, lag = 0;
  bool every_shard = true, lag_known = true;
  for (int n = 0; n < shards_; ++n) {
    auto key = queue::stream_key(prefix_, static_cast<std::size_t>(n));
    auto reply = ask(key, {"XINFO", "GROUPS", key});
    if (!reply) return false;
    // No stream yet (nothing sent) or no group yet (no worker started): unknown, not an error.
    const redisReply* group = reply->type == REDIS_REPLY_ARRAY ? group_entry(reply.get(), group_) : nullptr;
    auto p = group ? group_field(group, "pending") : std::nullopt;
    auto l = group ? group_field(group, "lag") : std::nullopt;
    every_shard = every_shard && p;
    lag_known = lag_known && l;
    pending += p.value_or(0);
    lag += l.value_or(0);
    if (auto* m = master_serving(r, key)) {
      m->pending += p.value_or(0);
      m->group_lag += l.value_or(0);
    }
  }
  if (every_shard) r.pending = pending;
  if (every_shard && lag_known) r.group_lag = lag;
  return true;
}

master_reading* redis_sampler::master_serving(redis_reading& r, const std::string& key) const {
  if (!cluster_) return nullptr;
  const auto* owner = cluster_->map().owner(queue::key_slot(key));
  for (auto& m : r.masters)
    if (owner && m.node == owner->text()) return &m;
  return nullptr;
}

bool redis_sampler::read_info(redis_reading& r) {
  std::vector<queue::owned_reply> infos;
  if (cluster_) {
    for (const auto& master : cluster_->map().masters()) infos.push_back(cluster_->on_node(master, {"INFO"}));
  } else {
    infos.push_back(redis_->command({"INFO"}));
  }
  for (std::size_t i = 0; i < infos.size(); ++i) {
    const auto& reply = infos[i];
    if (!reply || reply->type != REDIS_REPLY_STRING) {
      error_ = fmt::format("Redis INFO: {}", reply ? (reply->type == REDIS_REPLY_ERROR ? reply->str : "not text")
                                                   : (cluster_ ? cluster_->error() : redis_->error()));
      return false;
    }
    std::string_view info(reply->str, reply->len);
    // Summed over a cluster's masters: what the deployment holds and does.
    auto memory = info_number(info, "used_memory");
    auto ops = info_number(info, "instantaneous_ops_per_sec");
    if (memory) r.memory_mib = r.memory_mib.value_or(0) + *memory / bytes_per_mib;
    if (ops) r.ops_per_s = r.ops_per_s.value_or(0) + *ops;
    if (i < r.masters.size()) {
      if (memory) r.masters[i].memory_mib = *memory / bytes_per_mib;
      r.masters[i].ops_per_s = ops;
    }
  }
  return true;
}

}  // namespace tracepipe::observe
