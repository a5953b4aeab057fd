#include "queue/cluster_replies.hpp"

#include <hiredis/hiredis.h>

#include <string_view>

#include <fmt/format.h>

namespace tracepipe::queue {
namespace {

std::string_view text(const redisReply* r) {
  return r && (r->type == REDIS_REPLY_STRING || r->type == REDIS_REPLY_STATUS) ? std::string_view(r->str, r->len)
                                                                              : std::string_view();
}

/// The value after `key` in a flat key/value array, or null.
const redisReply* member(const redisReply* map, std::string_view key) {
  if (!map || map->type != REDIS_REPLY_ARRAY) return nullptr;
  for (std::size_t i = 0; i + 1 < map->elements; i += 2)
    if (text(map->element[i]) == key) return map->element[i + 1];
  return nullptr;
}

struct shard_master {
  cluster_node node;
  bool online = false;
};

/// The shard's master: the online one when there are two (a failover not yet
/// settled), else whichever says master.
std::optional<shard_master> master_of(const redisReply* nodes) {
  std::optional<shard_master> found;
  if (!nodes || nodes->type != REDIS_REPLY_ARRAY) return found;
  for (std::size_t i = 0; i < nodes->elements; ++i) {
    const auto* n = nodes->element[i];
    if (text(member(n, "role")) != "master") continue;
    const auto* port = member(n, "port");
    auto host = text(member(n, "endpoint"));
    if (host.empty() || host == "?") host = text(member(n, "ip"));
    if (!port || port->type != REDIS_REPLY_INTEGER || host.empty()) continue;
    shard_master m{{std::string(host), static_cast<int>(port->integer)}, text(member(n, "health")) == "online"};
    if (!found || (m.online && !found->online)) found = std::move(m);
  }
  return found;
}

}  // namespace

std::optional<std::vector<slot_range>> parse_cluster_shards(const redisReply& reply, std::string& error) {
  if (reply.type == REDIS_REPLY_ERROR) {
    error = std::string(reply.str, reply.len);
    return std::nullopt;
  }
  if (reply.type != REDIS_REPLY_ARRAY) {
    error = "CLUSTER SHARDS did not answer an array";
    return std::nullopt;
  }
  std::vector<slot_range> ranges;
  for (std::size_t s = 0; s < reply.elements; ++s) {
    const auto* shard = reply.element[s];
    const auto* slots = member(shard, "slots");
    if (!slots || slots->type != REDIS_REPLY_ARRAY || slots->elements % 2 != 0) {
      error = fmt::format("CLUSTER SHARDS: shard {} has no slots list", s);
      return std::nullopt;
    }
    auto master = master_of(member(shard, "nodes"));
    if (!master) continue;  // a shard without a master serves nothing (yet)
    for (std::size_t i = 0; i < slots->elements; i += 2) {
      const auto* first = slots->element[i];
      const auto* last = slots->element[i + 1];
      if (first->type != REDIS_REPLY_INTEGER || last->type != REDIS_REPLY_INTEGER || first->integer < 0 ||
          last->integer < first->integer || last->integer >= static_cast<long long>(cluster_slot_count)) {
        error = fmt::format("CLUSTER SHARDS: shard {} has a malformed slot range", s);
        return std::nullopt;
      }
      ranges.push_back({static_cast<std::uint16_t>(first->integer), static_cast<std::uint16_t>(last->integer),
                        master->node});
    }
  }
  return ranges;
}

std::vector<std::string> cluster_node_ids(const redisReply& shards) {
  std::vector<std::string> ids;
  if (shards.type != REDIS_REPLY_ARRAY) return ids;
  for (std::size_t s = 0; s < shards.elements; ++s) {
    const auto* nodes = member(shards.element[s], "nodes");
    for (std::size_t n = 0; nodes && nodes->type == REDIS_REPLY_ARRAY && n < nodes->elements; ++n)
      if (auto id = text(member(nodes->element[n], "id")); !id.empty()) ids.emplace_back(id);
  }
  return ids;
}

cluster_redirect redirect_of(const redisReply* reply) {
  if (!reply || reply->type != REDIS_REPLY_ERROR) return {};
  return classify_cluster_error(std::string_view(reply->str, reply->len));
}

}  // namespace tracepipe::queue
