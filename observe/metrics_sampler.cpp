#include "observe/metrics_sampler.hpp"

#include <stdexcept>

#include <fmt/format.h>

#include "loadgen/http_client.hpp"
#include "loadgen/target_url.hpp"

namespace tracepipe::observe {

using loadgen::bytes_per_mib;
using loadgen::component_figures;
using loadgen::http_client;
using loadgen::split_url;

namespace {

/// Well under the observer's 1 s cadence: a stopped process costs a late
/// sample, not the run's timing.
constexpr std::chrono::milliseconds scrape_timeout{700};

/// A counter, histogram bucket, sum or count that went down: the process
/// behind the page restarted between two scrapes.
bool restarted(const std::vector<prometheus_sample>& before, const std::vector<prometheus_sample>& now) {
  auto cumulative = [](const std::string& n) {
    for (std::string_view suffix : {"_total", "_bucket", "_sum", "_count"})
      if (n.size() > suffix.size() && n.compare(n.size() - suffix.size(), suffix.size(), suffix) == 0) return true;
    return false;
  };
  for (const auto& b : before) {
    if (!cumulative(b.name)) continue;
    for (const auto& n : now)
      if (n.name == b.name && n.labels == b.labels && n.value < b.value) return true;
  }
  return false;
}

/// http://host:port/path → the client's base and the path (/metrics when none).
std::pair<std::string, std::string> split_metrics_url(const std::string& url) {
  auto parts = split_url(url);
  return {fmt::format("http://{}:{}", parts.host, parts.port), parts.prefix.empty() ? "/metrics" : parts.prefix};
}

/// GET the page; the body when 200 and it holds tracepipe series, else why not.
std::optional<std::string> fetch(http_client& client, const std::string& path, const std::string& url,
                                 std::string* why) {
  try {
    auto a = client.request("GET", path);
    if (a.status != 200) {
      *why = fmt::format("{} answered HTTP {}", url, a.status);
      return std::nullopt;
    }
    if (a.body.find("tracepipe_") == std::string::npos) {
      *why = fmt::format("{} has no tracepipe_ metrics (not a tracepipe ingest or worker)", url);
      return std::nullopt;
    }
    return std::move(a.body);
  } catch (const std::exception& e) {
    *why = fmt::format("{}: {}", url, e.what());
    return std::nullopt;
  }
}

}  // namespace

void scraped_figures(const std::vector<prometheus_sample>& before, const std::vector<prometheus_sample>& now,
                     double seconds, component_figures& f) {
  if (auto b = sum_of(now, "tracepipe_ingest_inflight_bytes")) f.ingest_inflight_mib = *b / bytes_per_mib;
  if (seconds <= 0) return;
  // A counter that went down: the process restarted in between; no rate.
  auto rate = [&](std::string_view name, std::string_view key = {}) -> std::optional<double> {
    auto a = sum_of(before, name, key), b = sum_of(now, name, key);
    if (!a || !b || *b < *a) return std::nullopt;
    return (*b - *a) / seconds;
  };
  auto p99_ms = [&](std::string_view name) -> std::optional<double> {
    auto q = quantile_between(buckets_of(before, name), buckets_of(now, name), 0.99);
    if (!q) return std::nullopt;
    return *q / 1000.0;  // the histograms count µs
  };
  f.ingest_enqueue_p99_ms = p99_ms("tracepipe_ingest_enqueue_latency_us");
  f.worker_inserted_rows = rate("tracepipe_sink_rows_inserted_total");
  f.worker_inserts = rate("tracepipe_sink_batches_inserted_total");
  f.worker_insert_p99_ms = p99_ms("tracepipe_sink_insert_latency_us");
  f.worker_ack_lag_p99_ms = p99_ms("tracepipe_sink_ack_lag_us");
  f.worker_retries = rate("tracepipe_sink_retries_total");
  f.s3_puts = rate("tracepipe_sink_blobs_put_total");
  if (auto bytes = rate("tracepipe_sink_blob_bytes_total")) f.s3_put_mib = *bytes / bytes_per_mib;
  f.s3_put_p99_ms = p99_ms("tracepipe_sink_s3_put_latency_us");
}

struct metrics_sampler::page {
  std::string url, path;
  http_client client;
  std::optional<std::vector<prometheus_sample>> before, now;  ///< the last two scrapes that worked
  page(std::string u, std::pair<std::string, std::string> base_and_path)
      : url(std::move(u)), path(std::move(base_and_path.second)), client(base_and_path.first, scrape_timeout) {}
};

metrics_sampler::metrics_sampler(std::vector<std::string> urls) {
  for (auto& url : urls) {
    auto split = split_metrics_url(url);
    pages_.push_back(std::make_unique<page>(std::move(url), std::move(split)));
  }
  if (!scrape()) throw std::runtime_error("--metrics: " + error_);
  previous_at_ = std::chrono::steady_clock::now();
}

metrics_sampler::~metrics_sampler() = default;

bool metrics_sampler::scrape() {
  bool ok = true;
  for (auto& p : pages_) {
    std::string why;
    p->before = std::move(p->now);
    p->now.reset();
    if (auto body = fetch(p->client, p->path, p->url, &why)) {
      p->now = parse_prometheus_text(*body);
    } else {
      ok = false;
      error_ = why;
    }
  }
  return ok;
}

bool metrics_sampler::sample(component_figures& f) {
  bool ok = scrape();
  auto at = std::chrono::steady_clock::now();
  // The pages read both times and not restarted in between, added up: a
  // page missing from one scrape, or one process restarting, would
  // otherwise read as every counter of the sum dropping (or rising less).
  std::vector<prometheus_sample> before, now;
  for (const auto& p : pages_) {
    if (!p->now) continue;
    if (p->before && !restarted(*p->before, *p->now)) {
      before.insert(before.end(), p->before->begin(), p->before->end());
      now.insert(now.end(), p->now->begin(), p->now->end());
    } else {
      // Gauges still count; no rates from it this time.
      auto gauges_only = *p->now;
      std::erase_if(gauges_only, [](const prometheus_sample& s) { return s.name.rfind("tracepipe_ingest_inflight", 0); });
      now.insert(now.end(), gauges_only.begin(), gauges_only.end());
    }
  }
  scraped_figures(before, now, std::chrono::duration<double>(at - previous_at_).count(), f);
  previous_at_ = at;
  return ok;
}

bool serves_tracepipe_metrics(const std::string& url, std::string* why) {
  try {
    auto [base, path] = split_metrics_url(url);
    http_client client(base, scrape_timeout);
    return fetch(client, path, url, why).has_value();
  } catch (const std::exception& e) {
    *why = fmt::format("{}: {}", url, e.what());
    return false;
  }
}

}  // namespace tracepipe::observe
