#pragma once
// The benchmark request: posts of ~run_bytes each, as one /runs/batch body,
// shared by the end-to-end script (through bench_body) and the micro-benchmarks.
#include <cstddef>
#include <cstdint>
#include <vector>

#include "loadgen/run_factory.hpp"

namespace tracepipe::bench {

/// `runs` posts (traces of two runs: root and child) whose post JSON is
/// `run_bytes` long on average; the same seed gives the same runs.
std::vector<loadgen::generated_run> bench_runs(std::uint64_t seed, int runs, std::size_t run_bytes);

}  // namespace tracepipe::bench
