#pragma once
// `tracepipe compare blob-vs-inline`: the same seeded load run on the local
// stack in up to three architectures — payloads inline in ClickHouse
// (worker.blob_mode never), large ones offloaded to S3 (auto: LangSmith's),
// every entry stored in S3 before the queue carries its reference (ingest.mode
// s3-first, payloads then inline: Langfuse v3's) — each on fresh tables and
// streams through a write path in this process (each side needs its own
// modes), then compared (report/blob_compare.hpp).
#include <chrono>
#include <string>
#include <vector>

#include "lab/stop_flags.hpp"
#include "loadgen/size_distribution.hpp"

namespace tracepipe::lab {

struct blob_vs_inline_options {
  std::string stack_dir;  ///< a running local stack; empty: start one in a temp dir
  std::string out;        ///< default: STACK/blob-vs-inline
  bool keep_stack = false;
  double rate = 500;              ///< runs/s of the compared load
  double duration_s = 20;
  double capacity_rate = 5000;    ///< runs/s offered after, to find the most each side sustains; 0: skip
  double capacity_s = 10;         ///< 0: skip
  loadgen::size_distribution inputs, outputs;
  std::string inputs_text, outputs_text;  ///< as given, for compare.json
  std::uint64_t seed = 7;
  int batch_size = 50;
  /// worker.batch_bytes on both sides: with inline payloads a batch fills,
  /// and becomes a part, sooner — the effect compared. 2 MiB: LangSmith's
  /// helm async_insert_max_data_size, for which the client batch stands in
  /// on ClickHouse 18.16 (no async inserts).
  std::size_t flush_bytes = std::size_t{2} << 20;
  /// worker.batch_age on both sides: the busy timeout's stand-in (LangSmith: 3 s).
  std::chrono::milliseconds flush_age{3000};
  /// Which sides run, in this order (the first is the ratios' base): of
  /// blob_vs_inline_sides.
  std::vector<std::string> sides{"inline", "blob", "s3-first"};
};

/// Every side there is.
inline const std::vector<std::string> blob_vs_inline_sides{"inline", "blob", "s3-first"};

/// Runs the sides and writes compare.json, compare.html and each run's own
/// report under `out`; prints the table. Exit 0, 3 when a side lost runs,
/// 130 when interrupted (no comparison then). Throws CLI::ValidationError
/// for a --stack that is no stack, std::runtime_error when a component of
/// it is down.
int run_blob_vs_inline(blob_vs_inline_options options, stop_flags& stop);

}  // namespace tracepipe::lab
