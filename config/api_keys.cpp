#include "config/api_keys.hpp"

#include "common/text.hpp"

#include <cctype>

#include <fmt/format.h>

namespace tracepipe::config {
namespace {

std::optional<api_key> parse_entry(std::string_view entry) {
  constexpr std::string_view prefix = "sha256:";
  if (entry.substr(0, prefix.size()) != prefix) return std::nullopt;
  entry.remove_prefix(prefix.size());
  auto hex = entry.substr(0, 64);
  if (hex.size() != 64) return std::nullopt;
  api_key k;
  for (char c : hex) {
    if (!std::isxdigit(static_cast<unsigned char>(c))) return std::nullopt;
    k.sha256_hex += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  auto rest = entry.substr(64);
  if (rest.empty()) return k;
  if (rest.front() != '@' || rest.size() == 1) return std::nullopt;
  k.project = std::string(rest.substr(1));
  return k;
}

}  // namespace

std::optional<std::string> parse_api_keys(std::string_view text, std::vector<api_key>& out) {
  std::vector<api_key> keys;
  std::size_t index = 0;
  while (!text.empty()) {
    auto end = text.find_first_of(",\n");
    auto item = common::trim(text.substr(0, end));
    if (!item.empty()) {
      ++index;
      auto k = parse_entry(item);
      if (!k)
        return fmt::format("entry {} is not sha256:<64 hex digits>[@project]; plain keys are not accepted: "
                           "print an entry with `tracepipe key hash` (reads the key on stdin)",
                           index);
      keys.push_back(std::move(*k));
    }
    if (end == std::string_view::npos) break;
    text.remove_prefix(end + 1);
  }
  out = std::move(keys);
  return std::nullopt;
}

}  // namespace tracepipe::config
