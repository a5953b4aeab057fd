#include "observe/prometheus_text.hpp"

#include <charconv>
#include <cmath>
#include <limits>

#include "common/text.hpp"

namespace tracepipe::observe {

namespace {

std::optional<double> number_of(std::string_view s) {
  if (s == "+Inf" || s == "Inf") return std::numeric_limits<double>::infinity();
  if (s == "-Inf") return -std::numeric_limits<double>::infinity();
  double v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size() || std::isnan(v)) return std::nullopt;
  return v;
}

std::optional<prometheus_sample> parse_line(std::string_view line) {
  line = common::trim(line);
  if (line.empty() || line.front() == '#') return std::nullopt;
  prometheus_sample s;
  auto name_end = line.find_first_of("{ \t");
  if (name_end == std::string_view::npos || name_end == 0) return std::nullopt;
  s.name = std::string(line.substr(0, name_end));
  auto rest = line.substr(name_end);
  if (rest.front() == '{') {
    // Label values are quoted and may hold '}' or an escaped quote.
    std::size_t i = 1;
    bool quoted = false;
    for (; i < rest.size(); ++i) {
      if (quoted && rest[i] == '\\') ++i;
      else if (rest[i] == '"') quoted = !quoted;
      else if (!quoted && rest[i] == '}') break;
    }
    if (i >= rest.size()) return std::nullopt;
    s.labels = std::string(rest.substr(1, i - 1));
    rest = rest.substr(i + 1);
  }
  rest = common::trim(rest);
  auto value_end = rest.find_first_of(" \t");  // an optional timestamp follows
  auto v = number_of(rest.substr(0, value_end));
  if (!v) return std::nullopt;
  s.value = *v;
  return s;
}

}  // namespace

std::vector<prometheus_sample> parse_prometheus_text(std::string_view text) {
  std::vector<prometheus_sample> out;
  while (!text.empty()) {
    auto nl = text.find('\n');
    if (auto s = parse_line(text.substr(0, nl))) out.push_back(std::move(*s));
    text = nl == std::string_view::npos ? std::string_view{} : text.substr(nl + 1);
  }
  return out;
}

std::optional<std::string> label_value(std::string_view labels, std::string_view key) {
  while (!labels.empty()) {
    auto eq = labels.find('=');
    if (eq == std::string_view::npos || eq + 1 >= labels.size() || labels[eq + 1] != '"') return std::nullopt;
    auto name = common::trim(labels.substr(0, eq));
    std::string value;
    std::size_t i = eq + 2;
    for (; i < labels.size() && labels[i] != '"'; ++i) {
      if (labels[i] == '\\' && i + 1 < labels.size()) ++i;
      value += labels[i];
    }
    if (name == key) return value;
    labels = i + 1 < labels.size() ? labels.substr(i + 1) : std::string_view{};
    if (!labels.empty() && labels.front() == ',') labels.remove_prefix(1);
  }
  return std::nullopt;
}

std::optional<double> sum_of(const std::vector<prometheus_sample>& samples, std::string_view name,
                             std::string_view key, std::string_view value) {
  std::optional<double> total;
  for (const auto& s : samples) {
    if (s.name != name) continue;
    if (!key.empty() && label_value(s.labels, key) != value) continue;
    total = total.value_or(0) + s.value;
  }
  return total;
}

std::map<double, double> buckets_of(const std::vector<prometheus_sample>& samples, std::string_view name) {
  std::map<double, double> out;
  std::string bucket = std::string(name) + "_bucket";
  for (const auto& s : samples) {
    if (s.name != bucket) continue;
    auto le = label_value(s.labels, "le");
    if (auto bound = le ? number_of(*le) : std::nullopt) out[*bound] += s.value;
  }
  return out;
}

std::optional<double> quantile_between(const std::map<double, double>& before, const std::map<double, double>& after,
                                       double q) {
  if (after.empty()) return std::nullopt;
  auto increase = [&](double bound, double count) {
    auto it = before.find(bound);
    return it == before.end() ? count : count - it->second;
  };
  double total = increase(after.rbegin()->first, after.rbegin()->second);
  if (total <= 0) return std::nullopt;
  // A bucket that lost counts, or cumulative counts that fall: a restart in
  // between, or pages that do not belong together. No quantile from that.
  double previous = 0;
  for (const auto& [bound, count] : after) {
    double here = increase(bound, count);
    if (here < 0 || here < previous) return std::nullopt;
    previous = here;
  }
  double rank = q * total, lower = 0, below = 0;
  for (const auto& [bound, count] : after) {
    double here = increase(bound, count);
    if (here >= rank && here > below) {
      if (std::isinf(bound)) return lower;
      return lower + (bound - lower) * (rank - below) / (here - below);
    }
    lower = bound;
    below = here;
  }
  return lower;
}

}  // namespace tracepipe::observe
