#pragma once
// The small grammar the load's mixes share: numbers, and weighted lists such
// as --run-types "llm:50,tool:30" and --read-mix "get:60,trace:30".
#include <charconv>
#include <cmath>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "common/text.hpp"

namespace tracepipe::loadgen::detail {

/// The whole of `s` (blanks around it trimmed) as a number; a double must be finite.
template <typename T>
bool parse_number(std::string_view s, T& out) {
  s = common::trim(s);
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  if (s.empty() || ec != std::errc{} || end != s.data() + s.size()) return false;
  if constexpr (std::is_floating_point_v<T>) return std::isfinite(out);
  return true;
}

struct weighted_item {
  std::string_view name;  ///< trimmed
  double weight = 1;      ///< 1 when the item gives none
  std::string_view item;  ///< the whole "name:weight", for messages
};

/// "a:3, b, c:0.5": comma-separated names, each with an optional weight of
/// 0 or more. nullopt with *error naming the item whose weight is not one;
/// which names and weights are allowed is the caller's to say.
inline std::optional<std::vector<weighted_item>> parse_weighted_list(std::string_view text, std::string* error) {
  std::vector<weighted_item> out;
  for (std::size_t at = 0; at <= text.size();) {
    auto next = std::min(text.find(',', at), text.size());
    auto item = common::trim(text.substr(at, next - at));
    at = next + 1;
    auto colon = item.find(':');
    weighted_item w{common::trim(item.substr(0, colon)), 1, item};
    if (colon != std::string_view::npos && (!parse_number(item.substr(colon + 1), w.weight) || w.weight < 0)) {
      if (error) *error = "'" + std::string(item) + "': the weight is not a number of 0 or more";
      return std::nullopt;
    }
    out.push_back(w);
  }
  return out;
}

}  // namespace tracepipe::loadgen::detail
