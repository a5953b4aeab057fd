#pragma once
// The open-loop arrival schedule: when the n-th request is *meant* to be sent,
// whatever happened to the earlier ones. Latency is measured from that
// intended time, so a stalled server shows up as latency instead of silently
// slowing the generator down (coordinated omission, as wrk2 corrects it).
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tracepipe::loadgen {

/// One stage, as in k6 `stages`: the rate ramps linearly from the previous
/// stage's target (0 before the first stage) to `target` over `duration`.
/// A zero-length stage is a step: "0s:500,1m:500" is one minute at 500/s.
struct stage {
  std::chrono::nanoseconds duration{0};
  double target = 0;  ///< requests per second, 0 ≤ target ≤ schedule::max_rate
};

/// k6's execution segments, striped: generator `index` of `count` (0-based)
/// sends requests index, index + count, index + 2·count, … of the whole
/// schedule, so N generators started together send exactly what one would,
/// interleaved, whatever the stages' ramps.
struct execution_segment {
  std::uint32_t index = 0, count = 1;

  /// "I/N" with 0 ≤ I < N ≤ 10000; nullopt with *error saying why.
  static std::optional<execution_segment> parse(std::string_view text, std::string* error = nullptr);
  std::string text() const;  ///< "I/N"
  bool whole() const { return count == 1; }
};

/// Request n (0-based) is intended at t_n = the last moment t at which
/// N(t) ≤ n, where N(t) = ∫₀ᵗ rate is the number of requests owed by t. So
/// a constant rate gives t_n = n / rate, the first request of a ramp from 0
/// goes at the ramp's start, and nothing is ever due inside a zero-rate
/// pause: the requests after it start when the rate becomes positive again.
/// Each t_n is solved directly from the stage's integral (a quadratic on
/// ramps), never by summing intervals, so there is no drift at any n: the
/// only error is the final rounding to whole nanoseconds (n < 2^53).
class schedule {
 public:
  static constexpr double max_rate = 1e9;  ///< requests per second; beyond that ns spacing is meaningless

  /// The empty schedule: no requests, zero length.
  schedule() = default;

  /// Parses "30s:500,2m:5000,30s:0": comma-separated duration:rate stages.
  /// Durations are one or more number+unit pairs (ms, s, m, h; "1m30s",
  /// "1.5s"); rates are plain numbers ≥ 0, in requests per second. On failure
  /// returns nullopt and names the bad stage in *error, e.g.
  /// "stage 2 '2x:5000': duration '2x': unknown unit 'x' (use ms, s, m, h)".
  static std::optional<schedule> parse_stages(std::string_view text, std::string* error = nullptr);
  /// Stages already parsed; the same checks and messages as parse_stages.
  static std::optional<schedule> from_stages(std::vector<stage> stages, std::string* error = nullptr);
  /// `--rate R --duration D`: R requests per second from t = 0 to D. A rate
  /// outside [0, max_rate] (or NaN) is clamped; validate user input first.
  static schedule constant(double rate, std::chrono::nanoseconds duration);

  /// The same schedule as one of several generators sees it: its request n
  /// is this schedule's request s.index + n·s.count; rates are divided by s.count.
  schedule striped(execution_segment s) const;

  /// Intended send time of request n, from the schedule's start; nullopt
  /// for n ≥ total_requests(). Non-decreasing in n, never after total().
  std::optional<std::chrono::nanoseconds> intended(std::uint64_t n) const;
  /// The planned rate at time t (requests per second); 0 outside [0, total()).
  double rate_at(std::chrono::nanoseconds t) const;
  /// Sum of the stage durations.
  std::chrono::nanoseconds total() const { return total_; }
  /// Requests intended strictly before total(): ceil(N(total())).
  std::uint64_t total_requests() const { return total_requests_; }

 private:
  std::optional<std::chrono::nanoseconds> intended_whole(std::uint64_t n) const;

  /// A stage placed on the time line, with the requests owed before it.
  struct segment {
    std::int64_t start_ns = 0;
    std::int64_t duration_ns = 0;
    double from = 0, to = 0;            ///< rate at start and end, per second
    double owed_before = 0, owed_after = 0;  ///< N(start), N(start + duration)
  };
  explicit schedule(const std::vector<stage>& stages);

  std::vector<segment> segments_;
  std::chrono::nanoseconds total_{0};
  std::uint64_t total_requests_ = 0;   ///< of this segment
  std::uint64_t whole_requests_ = 0;   ///< of the whole schedule
  execution_segment share_;
};

/// Drives a schedule against a steady clock for a send loop: hands out the
/// requests that are due, in order, in bursts when the loop has fallen
/// behind — never skipping one, never one before its intended time.
class pacer {
 public:
  using clock = std::chrono::steady_clock;

  /// A run of consecutive requests [first, first + count), all due.
  struct burst {
    std::uint64_t first = 0;
    std::uint64_t count = 0;
  };

  pacer(schedule plan, clock::time_point start);

  /// When the next request not yet taken is due; nullopt once all are taken.
  /// The loop sleeps until then when nothing is due.
  std::optional<clock::time_point> next_due() const { return next_due_; }
  /// How many requests are due at `now` and not yet taken, up to `limit`.
  std::uint64_t due_count(clock::time_point now, std::uint64_t limit = UINT64_MAX) const;
  /// Takes the requests due at `now` (up to `limit`): the loop sends them
  /// and measures each one's latency from intended_time(i).
  burst take_due(clock::time_point now, std::uint64_t limit = UINT64_MAX);
  /// Absolute intended time of request n (n < plan().total_requests()).
  clock::time_point intended_time(std::uint64_t n) const;

  std::uint64_t taken() const { return next_; }
  bool done() const { return !next_due_; }
  const schedule& plan() const { return plan_; }

 private:
  std::optional<clock::time_point> due_at(std::uint64_t n) const;

  schedule plan_;
  clock::time_point start_;
  std::uint64_t next_ = 0;
  std::optional<clock::time_point> next_due_;  // cached due_at(next_)
};

/// `--rate R --duration D` as stages: R runs/s from 0 to D.
std::vector<stage> constant_stages(double runs_per_second, std::chrono::nanoseconds duration);
/// "30s:500,2m:5000,30s:0" (runs/s) as stages; the syntax and messages of
/// schedule::parse_stages.
std::optional<std::vector<stage>> parse_stages(std::string_view text, std::string* error = nullptr);

}  // namespace tracepipe::loadgen
