#include "loadgen/run_factory.hpp"

#include <chrono>

#include <fmt/chrono.h>
#include <fmt/format.h>

namespace tracepipe::loadgen {

namespace {
/// Whole seconds (rounded down, also before 1970) and the µs within them.
std::pair<std::chrono::sys_seconds, std::int64_t> split_us(std::int64_t us) {
  auto secs = std::chrono::floor<std::chrono::seconds>(std::chrono::microseconds{us});
  return {std::chrono::sys_seconds{secs}, us - std::chrono::duration_cast<std::chrono::microseconds>(secs).count()};
}
}  // namespace

std::string dotted_time(std::int64_t us) {
  auto [secs, frac] = split_us(us);
  return fmt::format("{:%Y%m%dT%H%M%S}{:06d}Z", secs, frac);
}

std::string iso_time(std::int64_t us) {
  auto [secs, frac] = split_us(us);
  return fmt::format("{:%Y-%m-%dT%H:%M:%S}.{:06d}Z", secs, frac);
}

std::string run_factory::uuid() {
  auto hi = rng_(), lo = rng_();
  hi = (hi & 0xffffffffffff0fffull) | 0x0000000000004000ull;  // version 4
  lo = (lo & 0x3fffffffffffffffull) | 0x8000000000000000ull;  // variant 10
  return fmt::format("{:08x}-{:04x}-{:04x}-{:04x}-{:012x}", hi >> 32, (hi >> 16) & 0xffff, hi & 0xffff, lo >> 48,
                     lo & 0xffffffffffffull);
}

std::string run_factory::payload(std::size_t bytes, const char* key) {
  static constexpr char letters[] = "abcdefghijklmnopqrstuvwxyz ";
  std::string text(bytes, ' ');
  for (auto& c : text) c = letters[rng_() % (sizeof(letters) - 1)];
  return fmt::format(R"({{"{}":"{}"}})", key, text);
}

std::vector<generated_run> run_factory::trace(const trace_shape& shape) {
  static constexpr const char* types[] = {"chain", "llm", "tool", "retriever", "prompt", "parser", "embedding"};
  std::vector<generated_run> runs;
  runs.reserve(shape.runs_per_trace);
  for (int i = 0; i < shape.runs_per_trace; ++i) {
    generated_run r;
    r.id = uuid();
    r.start_us = (clock_us_ += 1000);
    auto segment = dotted_time(r.start_us) + r.id;
    if (runs.empty()) {
      r.trace_id = r.id;
      r.dotted_order = segment;
      r.run_type = "chain";
    } else {
      r.trace_id = runs.front().trace_id;
      r.parent_run_id = runs.back().id;
      r.dotted_order = runs.back().dotted_order + "." + segment;
      r.run_type = types[rng_() % std::size(types)];
    }
    r.name = fmt::format("{}-{}", r.run_type, i);
    r.project = shape.project;
    r.inputs_json = payload(shape.payload_bytes, "input");
    r.outputs_json = payload(shape.payload_bytes, "output");
    runs.push_back(std::move(r));
  }
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
