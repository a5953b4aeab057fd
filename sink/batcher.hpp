#pragma once
// Collects rows until a flush is due: by rows, by bytes, or by the age of
// the oldest row — whichever comes first. The age limit is a deadline for
// the oldest row to be *in ClickHouse*, not merely sent: the flush starts a
// lead before it, the time recent flushes took (at most half the age), so
// received → acked stays near the batch age whatever the insert costs.
// Pure logic: the caller supplies the clock, so tests script time.
#include <algorithm>
#include <chrono>
#include <utility>
#include <cstddef>
#include <vector>

namespace tracepipe::sink {

struct batch_limits {
  std::size_t rows = 10000;
  std::size_t bytes = 16 << 20;
  std::chrono::milliseconds age{1000};
};

template <class Item>
class batcher {
 public:
  using clock = std::chrono::steady_clock;

  explicit batcher(batch_limits limits) : limits_(limits) {}

  /// `born`: when the row's age starts counting (not necessarily now: a row
  /// that waited in the queue is that much older). The oldest row sets the age.
  void push(Item item, std::size_t bytes, clock::time_point born) {
    if (items_.empty() || born < first_at_) first_at_ = born;
    items_.push_back(std::move(item));
    bytes_ += bytes;
  }

  /// Room left before the row limit: how many to read next.
  std::size_t room() const { return items_.size() >= limits_.rows ? 0 : limits_.rows - items_.size(); }

  bool due(clock::time_point now) const {
    return !items_.empty() &&
           (items_.size() >= limits_.rows || bytes_ >= limits_.bytes || now - first_at_ >= limits_.age - lead_);
  }

  /// How long until the age limit makes a flush due (zero when due or empty).
  std::chrono::milliseconds until_due(clock::time_point now) const {
    if (items_.empty()) return limits_.age - lead_;
    if (items_.size() >= limits_.rows || bytes_ >= limits_.bytes) return std::chrono::milliseconds(0);
    auto left = first_at_ + limits_.age - lead_ - now;
    return left.count() > 0 ? std::chrono::ceil<std::chrono::milliseconds>(left) : std::chrono::milliseconds(0);
  }

  /// A flush of this batch took `took` (taken to acked): the next ones start
  /// that much earlier. Rises at once with a slower flush, decays by a tenth
  /// (at least 1 ms) per faster one — one quick insert does not make the next
  /// one quick — and never exceeds half the age, so a batch always gathers
  /// for at least that.
  void flushed_in(std::chrono::milliseconds took) {
    auto decayed = lead_ - std::max(lead_ / 10, std::chrono::milliseconds(1));
    lead_ = std::min(std::max(took, decayed), limits_.age / 2);
  }
  /// How long before the age limit a flush starts now.
  std::chrono::milliseconds lead() const { return lead_; }

  std::vector<Item> take() {
    bytes_ = 0;
    return std::exchange(items_, {});
  }

  bool empty() const { return items_.empty(); }
  std::size_t size() const { return items_.size(); }
  std::size_t bytes() const { return bytes_; }

 private:
  batch_limits limits_;
  std::chrono::milliseconds lead_{0};
  std::vector<Item> items_;
  std::size_t bytes_ = 0;
  clock::time_point first_at_{};
};

}  // namespace tracepipe::sink
