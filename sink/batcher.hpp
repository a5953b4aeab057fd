#pragma once
// Collects rows until a flush is due: by rows, by bytes, or by the age of
// the oldest row — whichever comes first. Pure logic: the caller supplies
// the clock, so tests script time.
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
           (items_.size() >= limits_.rows || bytes_ >= limits_.bytes || now - first_at_ >= limits_.age);
  }

  /// How long until the age limit makes a flush due (zero when due or empty).
  std::chrono::milliseconds until_due(clock::time_point now) const {
    if (items_.empty()) return limits_.age;
    if (items_.size() >= limits_.rows || bytes_ >= limits_.bytes) return std::chrono::milliseconds(0);
    auto left = first_at_ + limits_.age - now;
    return left.count() > 0 ? std::chrono::ceil<std::chrono::milliseconds>(left) : std::chrono::milliseconds(0);
  }

  std::vector<Item> take() {
    bytes_ = 0;
    return std::exchange(items_, {});
  }

  bool empty() const { return items_.empty(); }
  std::size_t size() const { return items_.size(); }
  std::size_t bytes() const { return bytes_; }

 private:
  batch_limits limits_;
  std::vector<Item> items_;
  std::size_t bytes_ = 0;
  clock::time_point first_at_{};
};

}  // namespace tracepipe::sink
