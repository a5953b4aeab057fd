#pragma once
// Scrapes the write path's own /metrics (tracepipe ingest, workers, or a
// serve that has both) once a second for the observer: S3 PUTs and their
// latency, the workers' inserts, retries and received → acked lag, ingest's
// in-flight bytes and enqueue latency. Pages of several processes add up.
#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "loadgen/component_figures.hpp"
#include "observe/prometheus_text.hpp"

namespace tracepipe::loadgen {
class http_client;
}

namespace tracepipe::observe {

using loadgen::component_figures;

/// The figures between two scrapes taken `seconds` apart (rates and
/// quantiles need both; gauges only the later one). Pure, for tests.
void scraped_figures(const std::vector<prometheus_sample>& before, const std::vector<prometheus_sample>& now,
                     double seconds, component_figures& f);

class metrics_sampler {
 public:
  /// Scrapes each URL once (http://host:port[/path], /metrics when no path);
  /// throws std::runtime_error naming the first that does not answer 200
  /// with tracepipe metrics.
  explicit metrics_sampler(std::vector<std::string> urls);
  ~metrics_sampler();
  metrics_sampler(const metrics_sampler&) = delete;
  metrics_sampler& operator=(const metrics_sampler&) = delete;

  /// Scrapes every page and fills f's scraped figures; false with error()
  /// set when a page could not be read. Rates and quantiles come from the
  /// pages read this time and last time, and not restarted in between.
  bool sample(component_figures& f);
  const std::string& error() const { return error_; }

 private:
  struct page;
  /// Reads every page into its `now`; false when one could not be read.
  bool scrape();

  std::vector<std::unique_ptr<page>> pages_;
  std::chrono::steady_clock::time_point previous_at_{};
  std::string error_;
};

/// True when `url` answers 200 with tracepipe metrics; else false and why.
bool serves_tracepipe_metrics(const std::string& url, std::string* why);

}  // namespace tracepipe::observe
