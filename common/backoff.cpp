#include "common/backoff.hpp"

#include <algorithm>
#include <utility>

namespace tracepipe::common {

jitter_source uniform_jitter(std::mt19937_64& engine) {
  return [&engine](std::chrono::milliseconds lo, std::chrono::milliseconds hi) {
    return std::chrono::milliseconds(std::uniform_int_distribution<long long>(lo.count(), hi.count())(engine));
  };
}

jitter_source per_thread_jitter() {
  return [](std::chrono::milliseconds lo, std::chrono::milliseconds hi) {
    thread_local std::mt19937_64 engine{std::random_device{}()};
    return std::chrono::milliseconds(std::uniform_int_distribution<long long>(lo.count(), hi.count())(engine));
  };
}

backoff_policy::backoff_policy(std::chrono::milliseconds initial, std::chrono::milliseconds max, jitter_source jitter)
    : initial_(initial), max_(max), jitter_(std::move(jitter)) {}

std::chrono::milliseconds backoff_policy::ceiling(int attempt) const {
  return std::min<std::chrono::milliseconds>(initial_ * (1LL << std::clamp(attempt, 0, longest)), max_);
}

std::chrono::milliseconds backoff_policy::wait(int attempt) const {
  auto cap = ceiling(attempt);
  return jitter_(cap / 2, cap);
}

}  // namespace tracepipe::common
