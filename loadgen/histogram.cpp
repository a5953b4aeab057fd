#include "loadgen/histogram.hpp"

#include <charconv>
#include <cmath>
#include <iterator>

#include <fmt/format.h>

namespace tracepipe::loadgen {

namespace {

using u128 = unsigned __int128;

std::string to_decimal(u128 v) {
  char digits[40];
  char* p = digits + sizeof digits;
  do {
    *--p = static_cast<char>('0' + static_cast<int>(v % 10));
    v /= 10;
  } while (v != 0);
  return std::string(p, digits + sizeof digits);
}

/// Reads the unsigned decimal at the front of `text` and removes it; false
/// on no digits or overflow. (Hand-rolled: from_chars has no 128-bit form.)
template <typename T>
bool take_number(std::string_view& text, T& out) {
  if (text.empty() || text.front() < '0' || text.front() > '9') return false;
  constexpr T max = static_cast<T>(~T{0});
  T v = 0;
  std::size_t i = 0;
  for (; i < text.size() && text[i] >= '0' && text[i] <= '9'; ++i) {
    auto digit = static_cast<T>(text[i] - '0');
    if (v > (max - digit) / 10) return false;
    v = v * 10 + digit;
  }
  text.remove_prefix(i);
  out = v;
  return true;
}

/// Consumes "key=" at the front of `text`.
bool take_key(std::string_view& text, std::string_view key) {
  if (!text.starts_with(key) || text.substr(key.size(), 1) != "=") return false;
  text.remove_prefix(key.size() + 1);
  return true;
}

template <typename T>
bool take_field(std::string_view& text, std::string_view key, T& out) {
  if (!take_key(text, key) || !take_number(text, out)) return false;
  if (!text.empty() && text.front() == ' ') text.remove_prefix(1);
  return true;
}

std::optional<histogram> fail(std::string* error, std::string why) {
  if (error) *error = "histogram text: " + std::move(why);
  return std::nullopt;
}

}  // namespace

std::uint64_t quantile_rank(double q, std::uint64_t count) {
  if (count == 0) return 0;
  q = q > 0 ? std::min(q, 1.0) : 0.0;  // NaN too
  double exact = q * static_cast<double>(count);
  auto rank = static_cast<std::uint64_t>(std::ceil(exact - exact * 1e-12));
  return std::clamp<std::uint64_t>(rank, 1, count);
}

void histogram::record(std::uint64_t value, std::uint64_t count) {
  if (count == 0) return;
  counts_[index_of(value)] += count;
  count_ += count;
  sum_ += static_cast<u128>(value) * count;
  min_ = std::min(min_, value);
  max_ = std::max(max_, value);
}

void histogram::record_corrected(std::uint64_t value, std::uint64_t expected_interval) {
  record(value);
  if (expected_interval == 0 || value / expected_interval < 2) return;
  // The missing samples form the progression first, first + interval, …,
  // value − interval. Walk it bucket by bucket rather than sample by sample.
  std::uint64_t missing = value / expected_interval - 1;
  std::uint64_t first = value - missing * expected_interval;
  sum_ += static_cast<u128>(missing) * first + static_cast<u128>(expected_interval) * missing * (missing - 1) / 2;
  count_ += missing;
  min_ = std::min(min_, first);
  for (std::uint64_t v = first; missing != 0;) {
    std::size_t i = index_of(v);
    std::uint64_t here = std::min(missing, (highest_equivalent(i) - v) / expected_interval + 1);
    counts_[i] += here;
    missing -= here;
    v += here * expected_interval;  // at most `value`: no overflow
  }
}

void histogram::merge(const histogram& other) {
  if (other.count_ == 0) return;
  for (std::size_t i = 0; i < bucket_count; ++i) counts_[i] += other.counts_[i];
  count_ += other.count_;
  sum_ += other.sum_;
  min_ = std::min(min_, other.min_);
  max_ = std::max(max_, other.max_);
}

void histogram::reset() {
  std::fill(counts_.begin(), counts_.end(), 0);
  count_ = max_ = 0;
  min_ = UINT64_MAX;
  sum_ = 0;
}

double histogram::mean() const {
  return count_ == 0 ? 0.0 : static_cast<double>(sum_) / static_cast<double>(count_);
}

std::uint64_t histogram::quantile(double q) const {
  if (count_ == 0) return 0;
  std::uint64_t rank = quantile_rank(q, count_), seen = 0;
  for (std::size_t i = index_of(min_); i < bucket_count; ++i) {
    seen += counts_[i];
    if (seen >= rank) return std::min(highest_equivalent(i), max_);
  }
  return max_;  // unreachable: the counts add up to count_
}

std::string histogram::to_text() const {
  std::string out = fmt::format("tphist1 bits={} count={} min={} max={} sum={} buckets=", sub_bucket_bits, count_,
                                min(), max_, to_decimal(sum_));
  bool first = true;
  for (std::size_t i = 0; i < bucket_count; ++i) {
    if (counts_[i] == 0) continue;
    fmt::format_to(std::back_inserter(out), "{}{}:{}", first ? "" : ",", i, counts_[i]);
    first = false;
  }
  return out;
}

std::optional<histogram> histogram::from_text(std::string_view text, std::string* error) {
  if (!text.starts_with("tphist1 ")) return fail(error, "expected version tag 'tphist1'");
  text.remove_prefix(8);
  histogram h;
  unsigned bits = 0;
  std::uint64_t count = 0, min = 0;
  if (!take_field(text, "bits", bits)) return fail(error, "bad or missing 'bits'");
  if (bits != static_cast<unsigned>(sub_bucket_bits))
    return fail(error, fmt::format("layout bits={}, this build uses {}", bits, sub_bucket_bits));
  if (!take_field(text, "count", count)) return fail(error, "bad or missing 'count'");
  if (!take_field(text, "min", min)) return fail(error, "bad or missing 'min'");
  if (!take_field(text, "max", h.max_)) return fail(error, "bad or missing 'max'");
  if (!take_field(text, "sum", h.sum_)) return fail(error, "bad or missing 'sum'");
  if (!take_key(text, "buckets")) return fail(error, "missing 'buckets'");
  std::size_t lowest = bucket_count, highest = 0, next = 0;
  while (!text.empty()) {
    std::size_t i = 0;
    std::uint64_t c = 0;
    const std::string_view entry = text.substr(0, std::min<std::size_t>(text.find(','), 40));
    bool ok = take_number(text, i) && text.starts_with(':');
    if (ok) text.remove_prefix(1);
    if (!ok || !take_number(text, c)) return fail(error, fmt::format("bad bucket entry '{}'", entry));
    if (i < next || i >= bucket_count || c == 0) return fail(error, fmt::format("bucket {} out of order or empty", i));
    if (!text.empty() && !(text.starts_with(',') && text.size() > 1))
      return fail(error, fmt::format("expected ',' after bucket {}", i));
    if (!text.empty()) text.remove_prefix(1);
    h.counts_[i] = c;
    h.count_ += c;
    if (h.count_ < c) return fail(error, "counts overflow");
    lowest = std::min(lowest, i);
    highest = i;
    next = i + 1;
  }
  if (h.count_ != count) return fail(error, fmt::format("buckets hold {} samples, count says {}", h.count_, count));
  if (count == 0) {
    if (min != 0 || h.max_ != 0 || h.sum_ != 0) return fail(error, "empty histogram with non-zero min, max or sum");
    return h;
  }
  if (index_of(min) != lowest || index_of(h.max_) != highest || min > h.max_)
    return fail(error, "min or max does not match the outermost buckets");
  h.min_ = min;
  return h;
}

}  // namespace tracepipe::loadgen
