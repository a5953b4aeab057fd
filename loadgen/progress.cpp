#include "loadgen/progress.hpp"

#include <ostream>

#include <fmt/format.h>

namespace tracepipe::loadgen {

std::string progress_line(std::uint64_t second, double target_runs_per_s, const load_result& r,
                          std::optional<std::uint64_t> queue_depth, std::optional<double> lag_p99_ms) {
  const auto& s = r.timeseries.back();
  auto line = fmt::format(
      "{:>5}s/{:.0f}s  runs/s {:.0f}/{:.0f}  sent {}  accepted {}  429 {}  5xx {}  errors {}  dropped {}  p99 {:.1f}ms",
      second, r.duration_s, static_cast<double>(s.sent_runs), target_runs_per_s, r.sent, r.accepted,
      r.rejected.count(429) ? r.rejected.at(429) : 0, r.rejected_5xx(), r.errors, r.dropped, s.p99_us / 1000.0);
  if (queue_depth) line += fmt::format("  queue {}", *queue_depth);
  if (lag_p99_ms) line += fmt::format("  lag p99 {:.0f}ms", *lag_p99_ms);
  return line;
}

void progress_printer::second(std::uint64_t second, double target_runs_per_s, const load_result& r,
                              std::optional<std::uint64_t> queue_depth, std::optional<double> lag_p99_ms) {
  if (mode_ == progress_mode::none || !out_) return;
  if (mode_ == progress_mode::every_10s && second % 10 != 0) return;
  auto line = progress_line(second, target_runs_per_s, r, queue_depth, lag_p99_ms);
  if (mode_ == progress_mode::line) *out_ << "\r" << line << "\033[K" << std::flush;
  else *out_ << line << "\n" << std::flush;
  printed_line_ = mode_ == progress_mode::line;
}

void progress_printer::finish() {
  if (printed_line_ && out_) *out_ << "\n" << std::flush;
}

}  // namespace tracepipe::loadgen
