// summary.json's "config": what a load run was asked for, the defaults it
// resolved included, so that the same load can be run again from it; and
// the rest of the result's description of the load.
#include "common/json_document.hpp"
#include "loadgen/load_runner.hpp"

namespace tracepipe::loadgen {

boost::json::object config_entries(const load_options& o, const body_options& b) {
  boost::json::array stages;
  for (const auto& st : o.stages)
    stages.push_back(boost::json::array{common::json_number(std::chrono::duration<double>(st.duration).count()),
                                        common::json_number(st.target)});
  auto compression = o.compression == sink::body_compression::gzip   ? "gzip"
                     : o.compression == sink::body_compression::zstd ? "zstd"
                                                                     : "none";
  auto endpoint = b.endpoint == wire::single ? "single" : b.endpoint == wire::multipart ? "multipart" : "batch";
  auto pattern = b.pattern == run_pattern::post       ? "post"
                 : b.pattern == run_pattern::combined ? "combined"
                                                      : "post-patch";
  auto speaks = b.protocol == protocol::otlp_proto  ? "otlp-proto"
                : b.protocol == protocol::otlp_json ? "otlp-json"
                : b.protocol == protocol::langfuse  ? "langfuse"
                                                    : "langsmith";
  return {{"protocol", speaks},
          {"endpoint", endpoint},
          {"pattern", pattern},
          {"runs_per_request", b.runs_per_request},
          {"runs_per_trace", b.runs_per_trace.text()},
          {"trace_depth", b.trace_depth ? b.trace_depth->text() : "chain"},
          {"inputs_size", b.inputs_size.text()},
          {"outputs_size", b.outputs_size.text()},
          {"run_types", b.leaf_types.text()},
          {"compression", compression},
          {"ring", b.ring},
          {"project", b.project},
          {"seed", b.seed},
          {"id_salt", b.id_salt},
          {"connections", o.connections},
          {"retry_429", o.retry},
          {"retry_errors", o.retry_errors},
          {"max_retries", o.max_retries},
          {"stages_s_runs_per_s", std::move(stages)},
          {"segment", o.segment.text()}};
}

void describe_load(load_result& r, const load_options& o, const body_options& b, const schedule& plan, bool closed) {
  r.duration_s = std::chrono::duration<double>(plan.total()).count();
  r.runs_per_request = b.runs_per_request;
  r.target_rate =
      closed || r.duration_s <= 0 ? 0 : static_cast<double>(plan.total_requests()) * b.runs_per_request / r.duration_s;
  r.target = o.target;
  r.config = config_entries(o, b);
  r.segment = o.segment.text();
}

}  // namespace tracepipe::loadgen
