#pragma once
// A log-linear latency histogram in the spirit of HdrHistogram: fixed layout,
// O(1) record, bounded relative error, exact merge, so that histograms from
// several generators (threads, processes, machines) add up to one report.
#include <algorithm>
#include <bit>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tracepipe::loadgen {

/// The rank (1-based) that quantile q names among `count` sorted samples:
/// ceil(q · count), at least 1, at most count. q·count is computed in double,
/// so it is taken with a relative tolerance of 1e-12 — 0.07 · 100 is rank 7,
/// not 8. Shared with the tests' exact reference.
std::uint64_t quantile_rank(double q, std::uint64_t count);

/// Values are unsigned integers, microseconds by convention, over the whole
/// uint64 range: nothing saturates, 0 is a valid value.
///
/// Layout: values below 256 have a bucket each (exact); above, every power of
/// two [2^k, 2^(k+1)) is cut into 128 equal sub-buckets of width 2^(k-7).
/// A bucket's width is thus at most 1/128 of its lowest value, so any value
/// reported for a bucket is within 0.79% of every sample in it. That is
/// 7424 buckets of uint64 counts: 58 KiB, allocated once.
///
/// Not thread-safe: one histogram per thread or connection, merged at the end.
class histogram {
 public:
  static constexpr int sub_bucket_bits = 7;  ///< 128 sub-buckets per power of two
  static constexpr std::size_t bucket_count = (64 - sub_bucket_bits + 1) << sub_bucket_bits;  // 7424

  /// Bucket of a value: b = how far the value is above 2^8 in powers of two,
  /// then the value's top 8 bits select one of 256 (exact) or 128 sub-buckets.
  static constexpr std::size_t index_of(std::uint64_t v) {
    int shift = std::max(0, static_cast<int>(std::bit_width(v)) - (sub_bucket_bits + 1));
    return (static_cast<std::size_t>(shift) << sub_bucket_bits) + static_cast<std::size_t>(v >> shift);
  }
  /// Smallest value that falls in bucket i.
  static constexpr std::uint64_t lowest_equivalent(std::size_t i) {
    std::size_t shift = i < (2u << sub_bucket_bits) ? 0 : (i >> sub_bucket_bits) - 1;
    return static_cast<std::uint64_t>(i - (shift << sub_bucket_bits)) << shift;
  }
  /// Largest value that falls in bucket i (no overflow at the top bucket).
  static constexpr std::uint64_t highest_equivalent(std::size_t i) {
    std::size_t shift = i < (2u << sub_bucket_bits) ? 0 : (i >> sub_bucket_bits) - 1;
    return lowest_equivalent(i) + ((std::uint64_t{1} << shift) - 1);
  }

  histogram() : counts_(bucket_count, 0) {}

  /// Records `count` samples of `value`. O(1).
  void record(std::uint64_t value, std::uint64_t count = 1);

  /// Coordinated-omission correction for closed-loop drivers (HdrHistogram's
  /// recordValueWithExpectedInterval): a closed loop that stalls for `value`
  /// did not send the requests it should have sent every `expected_interval`
  /// meanwhile, and those would have waited value − interval, value − 2·interval,
  /// … down to interval. They are recorded too. Cost is bounded by the number
  /// of buckets, not by value / interval. interval 0 records just `value`.
  /// The open-loop generator does not need this: it measures from each
  /// request's intended send time instead (see schedule.hpp).
  void record_corrected(std::uint64_t value, std::uint64_t expected_interval);

  /// Adds every sample of `other`. Same layout, so this is exact: the result
  /// equals one histogram that recorded both streams.
  void merge(const histogram& other);

  void reset();

  std::uint64_t count() const { return count_; }
  std::uint64_t min() const { return count_ == 0 ? 0 : min_; }  ///< exact; 0 when empty
  std::uint64_t max() const { return max_; }                    ///< exact; 0 when empty
  double mean() const;                                          ///< exact sum / count; 0 when empty

  /// The smallest reported value v such that at least q of the samples are
  /// ≤ v: the highest value equivalent to the bucket holding the sample of
  /// rank quantile_rank(q, count), capped at max(). Never below the true
  /// quantile, and at most 1/128 (0.79%) above it. q is clamped to [0, 1];
  /// quantile(0) is the bucket of min(), quantile(1) is max(); 0 when empty.
  std::uint64_t quantile(double q) const;

  /// Samples in bucket i (i < bucket_count).
  std::uint64_t count_at_index(std::size_t i) const { return counts_[i]; }

  /// Compact, versioned text for shipping between machines:
  /// "tphist1 bits=7 count=N min=A max=B sum=S buckets=I:C,I:C,…" with only
  /// the non-zero buckets, ascending. Exact: from_text(to_text()) == *this.
  std::string to_text() const;
  /// Parses to_text() output; on failure returns nullopt and says why in
  /// *error (if given). Checks the version, the layout and consistency
  /// (counts add up, min and max sit in the outermost buckets).
  static std::optional<histogram> from_text(std::string_view text, std::string* error = nullptr);

  bool operator==(const histogram&) const = default;

 private:
  std::vector<std::uint64_t> counts_;
  std::uint64_t count_ = 0;
  std::uint64_t min_ = UINT64_MAX;  // sentinel while empty
  std::uint64_t max_ = 0;
  unsigned __int128 sum_ = 0;  // exact for any realistic run: 2^64 samples of 2^64
};

}  // namespace tracepipe::loadgen
