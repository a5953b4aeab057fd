// summary.json's "config": what a load run was asked for, the defaults it
// resolved included, so that the same load can be run again from it.
#include <fmt/format.h>

#include "common/json_out.hpp"
#include "loadgen/load_runner.hpp"

namespace tracepipe::loadgen {

std::vector<std::pair<std::string, std::string>> config_entries(const load_options& o, const body_options& b) {
  auto quoted = [](std::string_view v) {
    std::string out;
    common::append_json_string(out, v);
    return out;
  };
  std::string stages;
  for (const auto& st : o.stages)
    stages += fmt::format("{}[{},{}]", stages.empty() ? "" : ",", std::chrono::duration<double>(st.duration).count(),
                          st.target);
  auto compression = o.compression == sink::body_compression::gzip   ? "gzip"
                     : o.compression == sink::body_compression::zstd ? "zstd"
                                                                     : "none";
  auto endpoint = b.endpoint == wire::single ? "single" : b.endpoint == wire::multipart ? "multipart" : "batch";
  auto pattern = b.pattern == run_pattern::post       ? "post"
                 : b.pattern == run_pattern::combined ? "combined"
                                                      : "post-patch";
  return {{"endpoint", quoted(endpoint)},
          {"pattern", quoted(pattern)},
          {"runs_per_request", std::to_string(b.runs_per_request)},
          {"runs_per_trace", quoted(b.runs_per_trace.text())},
          {"trace_depth", quoted(b.trace_depth ? b.trace_depth->text() : "chain")},
          {"inputs_size", quoted(b.inputs_size.text())},
          {"outputs_size", quoted(b.outputs_size.text())},
          {"run_types", quoted(b.leaf_types.text())},
          {"compression", quoted(compression)},
          {"ring", std::to_string(b.ring)},
          {"project", quoted(b.project)},
          {"seed", std::to_string(b.seed)},
          {"id_salt", std::to_string(b.id_salt)},
          {"connections", std::to_string(o.connections)},
          {"retry_429", o.retry ? "true" : "false"},
          {"retry_errors", o.retry_errors ? "true" : "false"},
          {"max_retries", std::to_string(o.max_retries)},
          {"stages_s_runs_per_s", "[" + stages + "]"}};
}

}  // namespace tracepipe::loadgen
