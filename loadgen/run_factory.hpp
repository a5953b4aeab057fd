#pragma once
// Seeded synthetic runs shaped like the LangSmith SDKs' traces: a root run
// and its descendants (a chain, or a tree of bounded depth), each a post at
// start and a patch at end, with ids, trace ids and dotted_order exactly as
// the SDKs compute them, run types and names as integrations give them, and
// inputs/outputs sizes drawn per run.
#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "common/run_fields.hpp"
#include "loadgen/size_distribution.hpp"
#include "loadgen/trace_mix.hpp"

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
  int runs_per_trace = 3;           ///< the root and its descendants
  std::size_t payload_bytes = 200;  ///< size of inputs and of outputs when no distribution is given
  std::string project = "tracepipe-demo";
  /// Levels, the root's included. 0: a chain, each run the child of the
  /// previous one; else (at least 2) each run the child of a random earlier
  /// run less deep than max_depth.
  int max_depth = 0;
  const size_distribution* inputs_size = nullptr;  ///< drawn per run; null: payload_bytes
  const size_distribution* outputs_size = nullptr;
  const run_type_mix* leaf_types = nullptr;        ///< null: run_type_mix's default
};

class run_factory {
 public:
  explicit run_factory(std::uint64_t seed) : rng_(seed) {}

  std::string uuid();
  /// One trace of shape.runs_per_trace runs, parents before their children.
  /// A run with children is a chain; a leaf's type is drawn from the mix.
  std::vector<generated_run> trace(const trace_shape& shape);

 private:
  std::string payload(std::size_t bytes, const char* key);
  std::size_t size_of(const size_distribution* d, std::size_t otherwise) { return d ? d->sample(rng_) : otherwise; }
  std::mt19937_64 rng_;
  std::int64_t clock_us_ = 1'700'000'000'000'000;
};

using common::dotted_time;
/// "2024-05-01T12:00:00.123456Z"; patches carry epoch milliseconds instead,
/// as the JS SDK sends them, so both forms are exercised.
std::string iso_time(std::int64_t us);

}  // namespace tracepipe::loadgen
