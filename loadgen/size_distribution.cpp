#include "loadgen/size_distribution.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>

#include <fmt/format.h>

#include "common/text.hpp"
#include "loadgen/detail/mix_text.hpp"
#include "config/units.hpp"
#include "loadgen/detail/seeded_random.hpp"

namespace tracepipe::loadgen {

namespace {

std::vector<std::string_view> split(std::string_view s, char sep) {
  std::vector<std::string_view> out;
  for (std::size_t at = 0;;) {
    auto next = s.find(sep, at);
    out.push_back(common::trim(s.substr(at, next == std::string_view::npos ? std::string_view::npos : next - at)));
    if (next == std::string_view::npos) return out;
    at = next + 1;
  }
}

bool fail(std::string* why, std::string text) {
  if (why) *why = std::move(text);
  return false;
}

bool parse_size(std::string_view s, std::size_t& out, std::string* why) {
  auto v = config::parse_bytes(s);
  if (!v) return fail(why, fmt::format("'{}' is not a size (512, 512B, 20KB, 1.5MiB)", s));
  if (*v > size_distribution::max_bytes) return fail(why, fmt::format("'{}' is over the 1GiB limit", s));
  out = *v;
  return true;
}

using detail::parse_number;

/// "2KB" or "1KB-20KB".
bool parse_range(std::string_view s, std::size_t& min, std::size_t& max, std::string* why) {
  auto dash = s.find('-');
  if (dash == std::string_view::npos) {
    if (!parse_size(s, min, why)) return false;
    max = min;
    return true;
  }
  if (!parse_size(common::trim(s.substr(0, dash)), min, why) || !parse_size(common::trim(s.substr(dash + 1)), max, why)) return false;
  if (max < min) return fail(why, fmt::format("'{}': the range's MIN is above its MAX", s));
  return true;
}

}  // namespace

size_distribution size_distribution::fixed(std::size_t bytes) {
  size_distribution d;
  d.bands_.push_back({100, bytes, bytes});
  d.text_ = std::to_string(bytes);
  return d;
}

std::optional<size_distribution> size_distribution::parse(std::string_view text, std::string* why) {
  size_distribution d;
  text = common::trim(text);
  d.text_ = text;
  constexpr std::string_view lognormal = "lognormal:";
  bool ok = text.empty()                    ? fail(why, "empty size")
            : text.starts_with(lognormal)   ? d.read_lognormal(text.substr(lognormal.size()), why)
            : text.find('%') == text.npos   ? d.read_mix_band(100, text, why)
                                            : d.read_mix(text, why);
  if (!ok) return std::nullopt;
  return d;
}

bool size_distribution::read_lognormal(std::string_view args, std::string* why) {
  lognormal_ = true;
  bool has_sigma = false;
  for (auto item : split(args, ',')) {
    auto eq = item.find('=');
    auto key = common::trim(item.substr(0, eq)), value = eq == std::string_view::npos ? "" : common::trim(item.substr(eq + 1));
    std::size_t bytes = 0;
    if (key == "median") {
      if (!parse_size(value, bytes, why)) return false;
      if (bytes == 0) return fail(why, "lognormal: the median must be above 0");
      median_ = static_cast<double>(bytes);
    } else if (key == "sigma") {
      if (!parse_number(value, sigma_) || sigma_ < 0 || sigma_ > 5)
        return fail(why, fmt::format("lognormal: sigma '{}' is not a number in [0, 5]", value));
      has_sigma = true;
    } else if (key == "max") {
      if (!parse_size(value, cap_, why)) return false;
    } else {
      return fail(why, fmt::format("lognormal: '{}' is not median=SIZE, sigma=NUMBER or max=SIZE", item));
    }
  }
  if (median_ == 0 || !has_sigma) return fail(why, "lognormal: needs median=SIZE and sigma=NUMBER");
  if (static_cast<double>(cap_) < median_) return fail(why, "lognormal: max is below the median");
  return true;
}

bool size_distribution::read_mix(std::string_view text, std::string* why) {
  double sum = 0;
  for (auto item : split(text, ',')) {
    auto colon = item.find(':');
    auto pct = common::trim(item.substr(0, colon));
    double p = 0;
    if (colon == std::string_view::npos || !pct.ends_with('%') ||
        !parse_number(common::trim(pct.substr(0, pct.size() - 1)), p) || p <= 0)
      return fail(why, fmt::format("'{}' is not PERCENT%:SIZE (such as 19%:20KB or 1%:512KB-2MB)", item));
    if (!read_mix_band(sum += p, common::trim(item.substr(colon + 1)), why)) {
      if (why) *why = fmt::format("in '{}': {}", item, *why);
      return false;
    }
  }
  if (std::fabs(sum - 100) > 1e-6) return fail(why, fmt::format("the percentages sum to {}, not 100", sum));
  return true;
}

bool size_distribution::read_mix_band(double percent_end, std::string_view range, std::string* why) {
  band b{percent_end, 0, 0};
  if (!parse_range(range, b.min, b.max, why)) return false;
  bands_.push_back(b);
  return true;
}

std::size_t size_distribution::sample(std::mt19937_64& rng) const {
  if (lognormal_) {
    double v = median_ * std::exp(sigma_ * detail::normal(rng));
    return static_cast<std::size_t>(std::llround(std::min(v, static_cast<double>(cap_))));
  }
  const band* b = &bands_.front();
  if (bands_.size() > 1) {
    double u = detail::unit(rng) * 100;
    b = &*std::find_if(bands_.begin(), bands_.end() - 1, [u](const band& x) { return u < x.percent_end; });
  }
  return b->min == b->max ? b->min : b->min + detail::below(rng, b->max - b->min + 1);
}

double size_distribution::mean() const {
  if (lognormal_) return median_ * std::exp(sigma_ * sigma_ / 2);
  double m = 0, from = 0;
  for (const auto& b : bands_) {
    m += (b.percent_end - from) / 100 * (static_cast<double>(b.min) + static_cast<double>(b.max)) / 2;
    from = b.percent_end;
  }
  return m;
}

}  // namespace tracepipe::loadgen
