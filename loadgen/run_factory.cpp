#include "loadgen/run_factory.hpp"

#include <algorithm>
#include <chrono>

#include <fmt/format.h>

#include "common/run_fields.hpp"
#include "loadgen/detail/seeded_random.hpp"

namespace tracepipe::loadgen {

std::string iso_time(std::int64_t us) { return common::iso8601_of_us(us) + "Z"; }

std::string run_factory::uuid() {
  auto hi = rng_(), lo = rng_();
  hi = (hi & 0xffffffffffff0fffull) | 0x0000000000004000ull;  // version 4
  lo = (lo & 0x3fffffffffffffffull) | 0x8000000000000000ull;  // variant 10
  return fmt::format("{:08x}-{:04x}-{:04x}-{:04x}-{:012x}", hi >> 32, (hi >> 16) & 0xffff, hi & 0xffff, lo >> 48,
                     lo & 0xffffffffffffull);
}

std::string run_factory::payload(std::size_t bytes, const char* key) {
  static constexpr char letters[] = "abcdefghijklmnopqrstuvwxyz ";
  constexpr std::uint64_t base = sizeof(letters) - 1;
  std::string out = fmt::format(R"({{"{}":")", key);
  auto at = out.size();
  out.resize(at + bytes + 2);
  // 13 letters per draw (27^13 < 2^64): a 1 MB field costs 80k draws, not 1M.
  for (std::size_t i = 0; i < bytes;) {
    auto draw = rng_();
    for (int j = 0; j < 13 && i < bytes; ++j, ++i, draw /= base) out[at + i] = letters[draw % base];
  }
  out[at + bytes] = '"';
  out[at + bytes + 1] = '}';
  return out;
}

std::vector<generated_run> run_factory::trace(const trace_shape& shape) {
  static const run_type_mix default_types;
  const auto& leaf_types = shape.leaf_types ? *shape.leaf_types : default_types;
  int n = std::max(shape.runs_per_trace, 0);
  int max_depth = shape.max_depth > 0 ? std::max(shape.max_depth, 2) : 0;
  std::vector<generated_run> runs;
  runs.reserve(n);
  std::vector<int> depth(n, 1);
  std::vector<bool> has_children(n, false);
  std::vector<int> open;  // with max_depth: the runs that may still take a child
  for (int i = 0; i < n; ++i) {
    generated_run r;
    r.id = uuid();
    r.start_us = (clock_us_ += 1000);
    auto segment = dotted_time(r.start_us) + r.id;
    if (i == 0) {
      r.trace_id = r.id;
      r.dotted_order = segment;
    } else {
      int p = max_depth ? open[detail::below(rng_, open.size())] : i - 1;
      r.trace_id = runs.front().trace_id;
      r.parent_run_id = runs[p].id;
      r.dotted_order = runs[p].dotted_order + "." + segment;
      depth[i] = depth[p] + 1;
      has_children[p] = true;
    }
    if (max_depth && depth[i] < max_depth) open.push_back(i);
    runs.push_back(std::move(r));
  }
  for (int i = 0; i < n; ++i) {
    auto& r = runs[i];
    r.run_type = has_children[i] ? "chain" : leaf_types.sample(rng_);
    r.name = run_name(r.run_type, rng_);
    r.project = shape.project;
    r.inputs_json = payload(size_of(shape.inputs_size, shape.payload_bytes), "input");
    r.outputs_json = payload(size_of(shape.outputs_size, shape.payload_bytes), "output");
  }
  // Later runs end first: every child (started after its parent) ends before it.
  for (auto it = runs.rbegin(); it != runs.rend(); ++it) it->end_us = (clock_us_ += 1000);
  return runs;
}

std::string generated_run::post_json(bool with_inputs) const {
  auto parent = parent_run_id.empty() ? std::string() : fmt::format(R"("parent_run_id":"{}",)", parent_run_id);
  auto inputs = with_inputs ? fmt::format(R"("inputs":{},)", inputs_json) : std::string();
  return fmt::format(
      R"({{"id":"{}","trace_id":"{}",{}"dotted_order":"{}","name":"{}","run_type":"{}","start_time":"{}",)"
      R"({}"extra":{{"metadata":{{"generator":"tracepipe"}}}},"tags":["tracepipe"],"session_name":"{}"}})",
      id, trace_id, parent, dotted_order, name, run_type, iso_time(start_us), inputs, project);
}

std::string generated_run::patch_json(bool with_outputs) const {
  auto outputs = with_outputs ? fmt::format(R"("outputs":{},)", outputs_json) : std::string();
  return fmt::format(R"({{"id":"{}","trace_id":"{}","dotted_order":"{}",{}"end_time":{},"session_name":"{}"}})", id,
                     trace_id, dotted_order, outputs, end_us / 1000, project);
}

}  // namespace tracepipe::loadgen
