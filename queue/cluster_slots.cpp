#include "queue/cluster_slots.hpp"

#include <algorithm>
#include <charconv>

#include <fmt/format.h>

namespace tracepipe::queue {

std::uint16_t crc16(std::string_view data) {
  std::uint16_t crc = 0;
  for (unsigned char byte : data) {
    crc ^= static_cast<std::uint16_t>(byte << 8);
    for (int bit = 0; bit < 8; ++bit)
      crc = static_cast<std::uint16_t>((crc & 0x8000) ? (crc << 1) ^ 0x1021 : crc << 1);
  }
  return crc;
}

std::uint16_t key_slot(std::string_view key) {
  auto open = key.find('{');
  if (open != std::string_view::npos) {
    auto close = key.find('}', open + 1);
    if (close != std::string_view::npos && close > open + 1) key = key.substr(open + 1, close - open - 1);
  }
  return static_cast<std::uint16_t>(crc16(key) % cluster_slot_count);
}

std::string cluster_node::text() const { return fmt::format("{}:{}", host, port); }

std::optional<cluster_node> parse_cluster_node(std::string_view text) {
  auto colon = text.rfind(':');
  if (colon == std::string_view::npos || colon == 0) return std::nullopt;
  auto digits = text.substr(colon + 1);
  int port = 0;
  auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), port);
  if (digits.empty() || ec != std::errc{} || end != digits.data() + digits.size() || port <= 0 || port > 65535)
    return std::nullopt;
  return cluster_node{std::string(text.substr(0, colon)), port};
}

slot_map::slot_map() : owner_(cluster_slot_count, 0) {}

slot_map::slot_map(const std::vector<slot_range>& ranges) : slot_map() {
  for (const auto& r : ranges) {
    auto index = index_of(r.master);
    for (std::size_t slot = r.first; slot <= r.last && slot < cluster_slot_count; ++slot) owner_[slot] = index;
  }
}

std::uint16_t slot_map::index_of(const cluster_node& node) {
  auto it = std::find(nodes_.begin(), nodes_.end(), node);
  if (it == nodes_.end()) it = nodes_.insert(nodes_.end(), node);
  return static_cast<std::uint16_t>(it - nodes_.begin() + 1);
}

const cluster_node* slot_map::owner(std::uint16_t slot) const {
  auto index = slot < cluster_slot_count ? owner_[slot] : 0;
  return index ? &nodes_[index - 1] : nullptr;
}

void slot_map::moved(std::uint16_t slot, const cluster_node& node) {
  if (slot < cluster_slot_count) owner_[slot] = index_of(node);
}

std::vector<cluster_node> slot_map::masters() const {
  std::vector<cluster_node> out;
  for (auto index : owner_)
    if (index && std::find(out.begin(), out.end(), nodes_[index - 1]) == out.end()) out.push_back(nodes_[index - 1]);
  return out;
}

std::size_t slot_map::unserved() const { return static_cast<std::size_t>(std::count(owner_.begin(), owner_.end(), 0)); }

namespace {

/// "<slot> <host:port>" after MOVED/ASK.
bool parse_target(std::string_view rest, cluster_redirect& out) {
  auto space = rest.find(' ');
  if (space == std::string_view::npos) return false;
  unsigned slot = 0;
  auto [end, ec] = std::from_chars(rest.data(), rest.data() + space, slot);
  if (ec != std::errc{} || end != rest.data() + space || slot >= cluster_slot_count) return false;
  auto node = parse_cluster_node(rest.substr(space + 1));
  if (!node) return false;
  out.slot = static_cast<std::uint16_t>(slot);
  out.node = std::move(*node);
  return true;
}

}  // namespace

cluster_redirect classify_cluster_error(std::string_view error) {
  using kind = cluster_redirect::kind;
  cluster_redirect out;
  auto word = error.substr(0, error.find(' '));
  auto rest = word.size() < error.size() ? error.substr(word.size() + 1) : std::string_view();
  if (word == "MOVED" || word == "ASK") {
    if (parse_target(rest, out)) out.what = word == "MOVED" ? kind::moved : kind::ask;
  } else if (word == "TRYAGAIN") {
    out.what = kind::try_again;
  } else if (word == "CLUSTERDOWN") {
    out.what = kind::cluster_down;
  } else if (word == "LOADING") {
    out.what = kind::loading;
  }
  return out;
}

}  // namespace tracepipe::queue
