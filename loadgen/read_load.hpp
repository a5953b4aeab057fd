#pragma once
// `tracepipe load --read-rate R`: a read load beside the write load, as the
// users of a LangSmith deployment make it — readRun of runs written a
// moment ago (GET /runs/{id}), a trace's runs (POST /runs/query {trace}),
// a project's latest runs (POST /runs/query {session}) — on its own
// open-loop schedule, with its own coordinated-omission-corrected latency,
// so that reads and writes competing for one ClickHouse show on both.
#include <atomic>
#include <condition_variable>
#include <chrono>
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "loadgen/load_result.hpp"
#include "loadgen/schedule.hpp"

namespace tracepipe::loadgen {

/// What each read is, by weight: "get:60,trace:30,project:10".
struct read_mix {
  double get = 60, trace = 30, project = 10;
  std::string text() const;
};
enum class read_kind { get, trace, project };
std::string_view to_string(read_kind k);

/// Parses a mix; nullopt with *error naming the bad item.
std::optional<read_mix> parse_read_mix(std::string_view text, std::string* error);

/// Runs the write load had acknowledged, for the reads to ask about: the
/// most recent ones (a ring), each with its trace when known. Thread-safe.
class read_targets {
 public:
  void add(std::string run_id, std::string trace_id);
  /// A random recent run (and its trace id, or "" when unknown); nullopt
  /// before the first.
  std::optional<std::pair<std::string, std::string>> pick(std::mt19937_64& rng) const;

 private:
  static constexpr std::size_t capacity = 4096;
  mutable std::mutex mutex_;
  std::vector<std::pair<std::string, std::string>> ring_;
  std::size_t next_ = 0;
};

struct read_options {
  std::string target;            ///< base URL, as the write load's
  std::vector<stage> stages;     ///< reads per second over time
  read_mix mix;
  int connections = 8;           ///< readers at once (each a keep-alive connection)
  std::string api_key;
  std::string project;           ///< whose runs the project reads list
  std::chrono::milliseconds timeout{10'000};
  std::size_t max_queue = 10'000;  ///< reads waiting for a reader; beyond, dropped
  std::uint64_t seed = 1;
};

/// Sets r.reads and the read columns of r's seconds (rows added where the
/// write load had none).
void attach_reads(load_result& r, read_figures reads);

/// The reads, started with the write load and stopped after it.
class read_load {
 public:
  read_load(read_options options, const read_targets& targets);
  ~read_load();
  read_load(const read_load&) = delete;
  read_load& operator=(const read_load&) = delete;

  /// Starts the schedule at `start` (the write load's second 0).
  void start(std::chrono::steady_clock::time_point start);
  /// Ends the schedule now (when `now` is set) or at its end, waits up to
  /// the timeout for reads in flight, and returns what was measured.
  read_figures finish(bool now);

 private:
  struct job {
    std::uint64_t n;
    std::chrono::steady_clock::time_point intended;
    read_kind kind;
  };
  void dispatch(std::chrono::steady_clock::time_point start);
  void reader(std::uint64_t seed);
  void record(const job& j, std::chrono::steady_clock::time_point sent, unsigned status, bool error);

  read_options o_;
  const read_targets& targets_;
  schedule plan_;
  std::chrono::steady_clock::time_point start_;
  std::atomic<bool> stop_{false};
  std::mutex mutex_;
  std::condition_variable wake_;
  std::vector<job> queue_;  ///< FIFO: taken from the front
  std::size_t queue_head_ = 0;
  bool dispatching_ = true;
  std::string project_id_;  ///< once GET /sessions?name= found it
  read_figures f_;
  std::thread dispatcher_;
  std::vector<std::thread> readers_;
};

}  // namespace tracepipe::loadgen
