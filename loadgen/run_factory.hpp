#pragma once
// Seeded synthetic runs shaped like the LangSmith SDKs' traces: a root run
// and its descendants, each a post at start and a patch at end, with ids,
// trace ids and dotted_order exactly as the SDKs compute them.
#include <cstdint>
#include <random>
#include <string>
#include <vector>

namespace tracepipe::loadgen {

struct generated_run {
  std::string id;
  std::string trace_id;
  std::string parent_run_id;  ///< empty on roots
  std::string dotted_order;
  std::string name;
  std::string run_type;
  std::string project;
  std::int64_t start_us = 0;
  std::int64_t end_us = 0;
  std::string inputs_json;   ///< an object
  std::string outputs_json;  ///< an object

  /// The post (create) body: everything known at start.
  std::string post_json(bool with_inputs = true) const;
  /// The patch (update) body: end_time and outputs.
  std::string patch_json(bool with_outputs = true) const;
};

struct trace_shape {
  int runs_per_trace = 3;         ///< root plus children, a chain of depth runs_per_trace
  std::size_t payload_bytes = 200;  ///< approximate size of inputs and of outputs
  std::string project = "tracepipe-demo";
};

class run_factory {
 public:
  explicit run_factory(std::uint64_t seed) : rng_(seed) {}

  std::string uuid();
  /// One trace: runs_per_trace runs, each the child of the previous one.
  std::vector<generated_run> trace(const trace_shape& shape);

 private:
  std::string payload(std::size_t bytes, const char* key);
  std::mt19937_64 rng_;
  std::int64_t clock_us_ = 1'700'000'000'000'000;
};

/// "%Y%m%dT%H%M%S%fZ" of a time in µs since the epoch.
std::string dotted_time(std::int64_t us);
/// "2024-05-01T12:00:00.123456Z"; patches carry epoch milliseconds instead,
/// as the JS SDK sends them, so both forms are exercised.
std::string iso_time(std::int64_t us);

}  // namespace tracepipe::loadgen
