#include "bench/bench_body.hpp"

namespace tracepipe::bench {

namespace {

std::vector<loadgen::generated_run> generate(std::uint64_t seed, int runs, std::size_t payload) {
  loadgen::run_factory factory(seed);
  std::vector<loadgen::generated_run> out;
  while (static_cast<int>(out.size()) < runs) {
    int n = std::min(2, runs - static_cast<int>(out.size()));
    for (auto& r : factory.trace({n, payload, "tracepipe-bench"})) out.push_back(std::move(r));
  }
  return out;
}

std::size_t mean_post_bytes(const std::vector<loadgen::generated_run>& runs) {
  std::size_t total = 0;
  for (const auto& r : runs) total += r.post_json().size();
  return runs.empty() ? 0 : total / runs.size();
}

}  // namespace

std::vector<loadgen::generated_run> bench_runs(std::uint64_t seed, int runs, std::size_t run_bytes) {
  // Everything but the inputs payload has a fixed size per run: measure it
  // with an empty payload, then give the payload the rest.
  auto overhead = mean_post_bytes(generate(seed, runs, 0));
  return generate(seed, runs, run_bytes > overhead ? run_bytes - overhead : 0);
}

}  // namespace tracepipe::bench
