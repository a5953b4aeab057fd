#include "loadgen/metrics_sampler.hpp"

#include <stdexcept>

#include <fmt/format.h>

#include "loadgen/http_client.hpp"
#include "loadgen/target_url.hpp"

namespace tracepipe::loadgen {
namespace {

constexpr double mib = 1024.0 * 1024.0;
/// Under the observer's 1 s cadence by little: a stopped process costs one sample, not the run.
constexpr std::chrono::milliseconds scrape_timeout{1500};

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
  if (auto b = sum_of(now, "tracepipe_ingest_inflight_bytes")) f.ingest_inflight_mib = *b / mib;
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
  f.worker_insert_p99_ms = p99_ms("tracepipe_sink_insert_latency_us");
  f.worker_ack_lag_p99_ms = p99_ms("tracepipe_sink_ack_lag_us");
  f.worker_retries = rate("tracepipe_sink_retries_total");
  f.s3_puts = rate("tracepipe_sink_blobs_put_total");
  if (auto bytes = rate("tracepipe_sink_blob_bytes_total")) f.s3_put_mib = *bytes / mib;
  f.s3_put_p99_ms = p99_ms("tracepipe_sink_s3_put_latency_us");
}

struct metrics_sampler::page {
  std::string url, path;
  http_client client;
  page(std::string u, std::pair<std::string, std::string> base_and_path)
      : url(std::move(u)), path(std::move(base_and_path.second)), client(base_and_path.first, scrape_timeout) {}
};

metrics_sampler::metrics_sampler(std::vector<std::string> urls) {
  for (auto& url : urls) {
    auto split = split_metrics_url(url);
    pages_.push_back(std::make_unique<page>(std::move(url), std::move(split)));
  }
  bool ok = true;
  previous_ = scrape(ok);
  if (!ok) throw std::runtime_error("--metrics: " + error_);
  previous_at_ = std::chrono::steady_clock::now();
  have_previous_ = true;
}

metrics_sampler::~metrics_sampler() = default;

std::vector<prometheus_sample> metrics_sampler::scrape(bool& ok) {
  std::vector<prometheus_sample> all;
  for (auto& p : pages_) {
    std::string why;
    auto body = fetch(p->client, p->path, p->url, &why);
    if (!body) {
      ok = false;
      error_ = why;
      continue;
    }
    auto samples = parse_prometheus_text(*body);
    all.insert(all.end(), std::make_move_iterator(samples.begin()), std::make_move_iterator(samples.end()));
  }
  return all;
}

bool metrics_sampler::sample(component_figures& f) {
  bool ok = true;
  auto now = scrape(ok);
  auto at = std::chrono::steady_clock::now();
  // A page missing from one scrape would read as every counter dropping:
  // no rates from or to an incomplete scrape.
  if (!ok) {
    have_previous_ = false;
    return false;
  }
  double seconds = have_previous_ ? std::chrono::duration<double>(at - previous_at_).count() : 0;
  scraped_figures(have_previous_ ? previous_ : now, now, seconds, f);
  previous_ = std::move(now);
  previous_at_ = at;
  have_previous_ = true;
  return true;
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

}  // namespace tracepipe::loadgen
