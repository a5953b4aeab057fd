#include "queue/consumer_reaper.hpp"

#include <algorithm>
#include <map>

namespace tracepipe::queue {

std::vector<std::string> consumers_to_remove(const std::vector<consumer_state>& seen, std::chrono::milliseconds expiry,
                                             const std::vector<std::string>& own) {
  if (expiry.count() <= 0) return {};
  std::map<std::string, bool> removable;  // name → empty, silent and idle on every stream seen so far
  for (const auto& c : seen) {
    bool gone = c.pending == 0 && !c.alive && c.idle >= expiry;
    auto [it, first] = removable.emplace(c.name, gone);
    if (!first) it->second = it->second && gone;
  }
  std::vector<std::string> out;
  for (const auto& [name, gone] : removable)
    if (gone && std::find(own.begin(), own.end(), name) == own.end()) out.push_back(name);
  return out;
}

}  // namespace tracepipe::queue
