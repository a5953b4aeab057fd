#pragma once
// Reading a /metrics page (the Prometheus text format, version 0.0.4) as the
// load generator needs it: series summed over processes and labels, and a
// quantile from the increase of a histogram's cumulative buckets between two
// scrapes.
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "loadgen/load_result.hpp"

namespace tracepipe::observe {

struct prometheus_sample {
  std::string name;
  std::string labels;  ///< what is between the braces, e.g. `route="runs",code="429"`; empty when none
  double value = 0;
};

/// The samples of `text`; comments, blank lines and lines that are not a
/// sample (or whose value is not a number) are skipped.
std::vector<prometheus_sample> parse_prometheus_text(std::string_view text);

/// The value of label `key` in `labels`, if present.
std::optional<std::string> label_value(std::string_view labels, std::string_view key);

/// Sum of every sample named `name` (over label sets and scraped pages)
/// whose label `key` is `value` (no filter when key is empty); nullopt when
/// there is none.
std::optional<double> sum_of(const std::vector<prometheus_sample>& samples, std::string_view name,
                             std::string_view key = {}, std::string_view value = {});

/// A histogram's cumulative bucket counts by upper bound (`+Inf` is
/// infinity), summed over the pages: `<name>_bucket{le="…"}`.
std::map<double, double> buckets_of(const std::vector<prometheus_sample>& samples, std::string_view name);

/// The q-quantile of what was observed between two readings of the same
/// histogram, interpolated within its bucket (the lower bound of the last,
/// open bucket); nullopt when nothing was observed in between.
std::optional<double> quantile_between(const std::map<double, double>& before, const std::map<double, double>& after,
                                       double q);

}  // namespace tracepipe::observe
