// Ingest's per-request CPU work on the request of bench/ingest_bench.sh (100
// posts of ~1 KB), each next to a baseline in the same run: the bare simdjson
// parse for read_batch and the multipart path, a plain ZSTD_decompress for
// decode_body; the ratios are printed at the end. Every case checks its result
// once before timing; items are runs.
#include <benchmark/benchmark.h>
#include <unistd.h>
#include <zstd.h>

#include <cstdlib>
#include <iostream>
#include <map>

#include "bench/bench_body.hpp"
#include "ingest/decompress.hpp"
#include "ingest/multipart.hpp"
#include "ingest/multipart_runs.hpp"
#include "ingest/run_reader.hpp"
#include "loadgen/wire_format.hpp"

namespace {

using namespace tracepipe;

constexpr int runs_per_request = 100;
constexpr std::size_t run_bytes = 1024;

const std::vector<loadgen::generated_run>& runs() {
  static const auto r = bench::bench_runs(1, runs_per_request, run_bytes);
  return r;
}

const std::string& batch() {
  static const std::string b = loadgen::batch_body(runs(), {});
  return b;
}

const loadgen::multipart_body& multipart() {
  static const loadgen::multipart_body m = [] {
    loadgen::multipart_builder builder("tracepipe-bench-boundary");
    for (const auto& r : runs()) builder.post(r);
    return builder.finish();
  }();
  return m;
}

const std::string& zstd_batch() {
  static const std::string z = [] {
    std::string out(ZSTD_compressBound(batch().size()), '\0');
    auto n = ZSTD_compress(out.data(), out.size(), batch().data(), batch().size(), 3);
    if (ZSTD_isError(n)) std::abort();
    out.resize(n);
    return out;
  }();
  return z;
}

void check(bool ok, const char* what) {
  if (ok) return;
  std::cerr << "ingest_micro_bench: check failed before timing: " << what << "\n";
  std::exit(1);
}

void count(benchmark::State& state, std::size_t bytes) {
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * bytes));
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * runs_per_request));
}

void BM_simdjson_parse(benchmark::State& state) {
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  check(parser.parse(batch()).get(doc) == simdjson::SUCCESS && doc["post"].get_array().size() == runs_per_request,
        "simdjson parses the batch");
  for (auto _ : state) {
    auto err = parser.parse(batch()).get(doc);
    benchmark::DoNotOptimize(err);
  }
  count(state, batch().size());
}
BENCHMARK(BM_simdjson_parse);

void BM_read_batch(benchmark::State& state) {
  ingest::run_reader reader({});
  std::vector<ingest::run_op> ops;
  check(!reader.read_batch(batch(), ops) && ops.size() == runs_per_request && ops[0].run_id == runs()[0].id,
        "read_batch accepts the batch as 100 posts");
  for (auto _ : state) {
    ops.clear();
    auto r = reader.read_batch(batch(), ops);
    benchmark::DoNotOptimize(r);
    benchmark::DoNotOptimize(ops.data());
  }
  count(state, batch().size());
}
BENCHMARK(BM_read_batch);

void BM_parse_multipart(benchmark::State& state) {
  std::vector<ingest::multipart_part> parts;
  const auto& m = multipart();
  check(!ingest::parse_multipart(m.body, m.boundary, 100000, parts) && parts.size() == 2 * runs_per_request,
        "parse_multipart finds post.<id> and post.<id>.inputs for each run");
  for (auto _ : state) {
    auto r = ingest::parse_multipart(m.body, m.boundary, 100000, parts);
    benchmark::DoNotOptimize(r);
    benchmark::DoNotOptimize(parts.data());
  }
  count(state, m.body.size());
}
BENCHMARK(BM_parse_multipart);

/// The whole multipart path: framing, then every part's JSON read and checked.
void BM_multipart_runs(benchmark::State& state) {
  ingest::run_reader reader({});
  std::vector<ingest::multipart_part> parts;
  std::vector<ingest::run_op> ops;
  const auto& m = multipart();
  check(!ingest::parse_multipart(m.body, m.boundary, 100000, parts) &&
            !ingest::read_multipart_runs(parts, reader, ops) && ops.size() == runs_per_request,
        "read_multipart_runs gives 100 posts");
  for (auto _ : state) {
    ops.clear();
    auto r = ingest::parse_multipart(m.body, m.boundary, 100000, parts);
    auto s = ingest::read_multipart_runs(parts, reader, ops);
    benchmark::DoNotOptimize(r);
    benchmark::DoNotOptimize(s);
  }
  count(state, m.body.size());
}
BENCHMARK(BM_multipart_runs);

void BM_zstd_decompress(benchmark::State& state) {
  std::string out(batch().size(), '\0');
  check(ZSTD_decompress(out.data(), out.size(), zstd_batch().data(), zstd_batch().size()) == batch().size() &&
            out == batch(),
        "ZSTD_decompress restores the batch");
  for (auto _ : state) {
    auto n = ZSTD_decompress(out.data(), out.size(), zstd_batch().data(), zstd_batch().size());
    benchmark::DoNotOptimize(n);
  }
  count(state, batch().size());
}
BENCHMARK(BM_zstd_decompress);

/// Bytes are the decoded bytes, as for the ZSTD_decompress baseline above.
void BM_decode_body_zstd(benchmark::State& state) {
  std::string storage;
  auto first = ingest::decode_body("zstd", zstd_batch(), 100u << 20, storage);
  check(std::holds_alternative<std::string_view>(first) && std::get<std::string_view>(first) == batch(),
        "decode_body restores the batch");
  for (auto _ : state) {
    auto r = ingest::decode_body("zstd", zstd_batch(), 100u << 20, storage);
    benchmark::DoNotOptimize(r);
  }
  count(state, batch().size());
  state.counters["compression"] = static_cast<double>(batch().size()) / static_cast<double>(zstd_batch().size());
}
BENCHMARK(BM_decode_body_zstd);

/// The console report, remembering each case's CPU time per iteration.
class ratio_reporter : public benchmark::ConsoleReporter {
 public:
  ratio_reporter() : ConsoleReporter(isatty(STDOUT_FILENO) ? OO_ColorTabular : OO_Tabular) {}

  void ReportRuns(const std::vector<Run>& runs) override {
    for (const auto& r : runs)
      if (!r.error_occurred && r.run_type == Run::RT_Iteration) cpu_[r.benchmark_name()] = r.GetAdjustedCPUTime();
    ConsoleReporter::ReportRuns(runs);
  }

  void print_ratio(const std::string& name, const std::string& baseline) const {
    auto a = cpu_.find(name), b = cpu_.find(baseline);
    if (a == cpu_.end() || b == cpu_.end() || b->second <= 0) return;
    std::cout << name << " / " << baseline << " = " << a->second / b->second << "\n";
  }

 private:
  std::map<std::string, double> cpu_;
};

}  // namespace

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  ratio_reporter reporter;
  benchmark::RunSpecifiedBenchmarks(&reporter);
  reporter.print_ratio("BM_read_batch", "BM_simdjson_parse");
  reporter.print_ratio("BM_multipart_runs", "BM_simdjson_parse");
  reporter.print_ratio("BM_decode_body_zstd", "BM_zstd_decompress");
  benchmark::Shutdown();
  return 0;
}
