#include "loadgen/load_result.hpp"

namespace tracepipe::loadgen {

std::uint64_t load_result::rejected_total() const {
  std::uint64_t n = 0;
  for (auto [s, c] : rejected) n += c;
  return n;
}

std::uint64_t load_result::rejected_5xx() const {
  std::uint64_t n = 0;
  for (auto [s, c] : rejected)
    if (s >= 500 && s < 600) n += c;
  return n;
}

std::uint64_t read_figures::rejected_total() const {
  std::uint64_t n = 0;
  for (const auto& [status, count] : rejected) n += count;
  return n;
}

}  // namespace tracepipe::loadgen
