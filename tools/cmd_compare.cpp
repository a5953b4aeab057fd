// `tracepipe compare blob-vs-inline`: flags to lab/blob_vs_inline.hpp.
#include <algorithm>
#include <cmath>
#include <string>

#include "config/units.hpp"
#include "lab/blob_vs_inline.hpp"
#include "tools/commands.hpp"
#include "tools/signals.hpp"

namespace tracepipe::tools {
namespace {

struct compare_cli {
  lab::blob_vs_inline_options o;
  std::string duration = "20s";
  double capacity_rate = -1;  ///< < 0: 10 × rate
  std::string capacity_duration = "10s";
  std::string inputs_size = "75%:500B-4KB,20%:4KB-16KB,5%:24KB-256KB";
  std::string outputs_size = "85%:200B-2KB,15%:2KB-32KB";
  std::string flush_bytes = "2MiB";
  std::string flush_age = "3s";
  std::string sides = "inline,blob,s3-first";
};

double seconds_of(const std::string& flag, const std::string& text) {
  auto d = config::parse_duration(text);
  if (!d) usage(flag + ": '" + text + "' is not a duration such as 500ms, 10s or 2m");
  return std::chrono::duration<double>(*d).count();
}

loadgen::size_distribution sizes_of(const std::string& flag, const std::string& text) {
  std::string why;
  auto d = loadgen::size_distribution::parse(text, &why);
  if (!d) usage(flag + ": " + why);
  return *d;
}

/// The flags checked and parsed, before anything starts: a mistyped flag costs nothing.
lab::blob_vs_inline_options options_of(const compare_cli& c) {
  auto o = c.o;
  if (!(o.rate > 0 && std::isfinite(o.rate))) usage("--rate must be a number above 0");
  o.capacity_rate = c.capacity_rate < 0 ? 10 * o.rate : c.capacity_rate;
  if (!(o.capacity_rate >= 0 && std::isfinite(o.capacity_rate))) usage("--capacity-rate must be a number, 0 or more");
  o.duration_s = seconds_of("--duration", c.duration);
  o.capacity_s = seconds_of("--capacity-duration", c.capacity_duration);
  o.inputs = sizes_of("--inputs-size", c.inputs_size);
  o.outputs = sizes_of("--outputs-size", c.outputs_size);
  o.inputs_text = c.inputs_size;
  o.outputs_text = c.outputs_size;
  auto flush = config::parse_bytes(c.flush_bytes);
  if (!flush || *flush == 0) usage("--flush-bytes: '" + c.flush_bytes + "' is not a size above 0 such as 2MiB or 25MB");
  o.flush_bytes = *flush;
  o.flush_age = std::chrono::milliseconds(static_cast<long long>(seconds_of("--flush-age", c.flush_age) * 1000));
  if (o.flush_age.count() <= 0) usage("--flush-age must be above 0");
  o.sides.clear();
  for (std::size_t at = 0; at <= c.sides.size();) {
    auto end = std::min(c.sides.find(',', at), c.sides.size());
    auto side = c.sides.substr(at, end - at);
    if (std::find(lab::blob_vs_inline_sides.begin(), lab::blob_vs_inline_sides.end(), side) ==
        lab::blob_vs_inline_sides.end())
      usage("--sides: '" + side + "' is not a side (inline, blob, s3-first)");
    if (std::find(o.sides.begin(), o.sides.end(), side) != o.sides.end()) usage("--sides: '" + side + "' twice");
    o.sides.push_back(side);
    at = end + 1;
  }
  return o;
}

}  // namespace

void add_compare_command(CLI::App& app, action& run) {
  static compare_cli c;
  auto* compare = app.add_subcommand("compare", "Side-by-side runs that answer a deployment question with numbers");
  compare->require_subcommand(1);
  auto* cmd = compare->add_subcommand(
      "blob-vs-inline",
      "The same seeded load (payload sizes with a heavy tail) run on the local stack in each architecture, on "
      "fresh tables: inline (payloads in ClickHouse rows, worker.blob_mode never), blob (fields over "
      "worker.blob_threshold in S3: LangSmith's), s3-first (every run stored in S3 before the queue carries its "
      "reference, workers GET it back; payloads then inline: Langfuse v3's, ingest.mode s3-first). Compared "
      "side by side: ClickHouse bytes written and on disk, parts created and peak, merges and merged bytes, "
      "INSERT latency p50/p99, lag p50/p99, the most each sustains under overload, Redis memory peak, S3 PUTs, "
      "bytes and GETs. Prints the table; writes compare.json, compare.html (the runs' charts "
      "overlaid) and each run's own report under --out. Local stack only. Exit 0 ok, 3 when a run was lost "
      "(or 130 when interrupted)");
  cmd->add_option("--stack", c.o.stack_dir,
                  "A running local stack (`tracepipe stack up --dir DIR`); default: start one in a new temp dir "
                  "and stop it after");
  cmd->add_option("--out", c.o.out, "Output directory (default: STACK/blob-vs-inline)");
  cmd->add_flag("--keep-stack", c.o.keep_stack, "Leave the stack this command started running afterwards");
  cmd->add_option("--rate", c.o.rate, "Runs per second of the compared load")->capture_default_str();
  cmd->add_option("--duration", c.duration, "How long each side's compared load lasts")->capture_default_str();
  cmd->add_option("--capacity-rate", c.capacity_rate,
                  "Runs/s offered afterwards to find the most each side sustains (default 10 × --rate; 0: skip)");
  cmd->add_option("--capacity-duration", c.capacity_duration, "How long that overload lasts (0s: skip)")
      ->capture_default_str();
  cmd->add_option("--inputs-size", c.inputs_size, "Sizes of each run's inputs, as `load --inputs-size`")
      ->capture_default_str();
  cmd->add_option("--outputs-size", c.outputs_size, "Sizes of each run's outputs")->capture_default_str();
  cmd->add_option("--sides", c.sides,
                  "Which sides run, in this order, comma-separated (the first is what the others' ratios divide by)")
      ->capture_default_str();
  cmd->add_option("--seed", c.o.seed, "Payloads, sizes and shapes: the same on every side")->capture_default_str();
  cmd->add_option("--batch-size", c.o.batch_size, "Runs per request")->capture_default_str()->check(CLI::Range(1, 1000));
  cmd->add_option("--flush-bytes", c.flush_bytes,
                  "Inline payload bytes at which a worker's batch is inserted, on every side (worker.batch_bytes). "
                  "It stands in for the server's async-insert buffer, which ClickHouse 18.16 lacks: each flush is one "
                  "part. Default: LangSmith's helm chart's async_insert_max_data_size; its external-ClickHouse docs "
                  "suggest 25MB")
      ->capture_default_str();
  cmd->add_option("--flush-age", c.flush_age,
                  "Age at which a worker's batch is inserted however small, on every side (worker.batch_age): the "
                  "stand-in for the async-insert busy timeout (LangSmith's profile: async_insert_busy_timeout_max_ms "
                  "3000)")
      ->capture_default_str();
  cmd->callback([&run] {
    run = [] {
      auto o = options_of(c);
      return lab::run_blob_vs_inline(std::move(o), stop_flags_on_signals());
    };
  });
}

}  // namespace tracepipe::tools
