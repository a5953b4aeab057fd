// bench_body OUT_DIR BODIES RUNS RUN_BYTES: writes OUT_DIR/batch_<i>.json, BODIES
// distinct /runs/batch bodies of RUNS posts of ~RUN_BYTES each (seeds 1..BODIES),
// and OUT_DIR/run.json, one post as it would sit in a stream entry, for the
// redis-benchmark baseline of bench/ingest_bench.sh.
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <string>

#include "bench/bench_body.hpp"
#include "loadgen/wire_format.hpp"

int main(int argc, char** argv) {
  if (argc != 5) {
    std::cerr << "usage: bench_body OUT_DIR BODIES RUNS RUN_BYTES\n";
    return 2;
  }
  std::filesystem::path dir = argv[1];
  int bodies = std::atoi(argv[2]), runs = std::atoi(argv[3]);
  auto run_bytes = static_cast<std::size_t>(std::atol(argv[4]));
  if (bodies < 1 || runs < 1) {
    std::cerr << "bench_body: BODIES and RUNS must be positive\n";
    return 2;
  }
  for (int i = 0; i < bodies; ++i) {
    auto posts = tracepipe::bench::bench_runs(static_cast<std::uint64_t>(i) + 1, runs, run_bytes);
    std::ofstream(dir / ("batch_" + std::to_string(i) + ".json"), std::ios::binary)
        << tracepipe::loadgen::batch_body(posts, {});
    if (i == 0) std::ofstream(dir / "run.json", std::ios::binary) << posts.front().post_json();
  }
  return 0;
}
