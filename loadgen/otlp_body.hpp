#pragma once
// A request's runs as one OTLP/HTTP trace export (ExportTraceServiceRequest),
// each run a span carrying its end, in protobuf or JSON, with the attributes
// LangSmith's OpenTelemetry mapping reads back as the same run:
// langsmith.span.kind (run_type), gen_ai.prompt / gen_ai.completion (the
// inputs / outputs JSON as text), langsmith.trace.session_name (project),
// langsmith.metadata.generator and langsmith.span.tags (as the LangSmith
// bodies carry them). The protobuf is written by hand — a few varint,
// fixed64 and length-delimited fields — because loadgen may not use
// ingest's generated classes (DESIGN.md's layering). Where each id sits is
// recorded, so request_plan stamps fresh ids per request as it does in the
// LangSmith bodies.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "loadgen/run_factory.hpp"
#include "loadgen/wire_format.hpp"

namespace tracepipe::loadgen {

enum class otlp_encoding { protobuf, json };

/// otlp_json's encoding is JSON; every other protocol's here, protobuf.
otlp_encoding otlp_encoding_of(protocol p);

/// application/x-protobuf or application/json.
std::string_view otlp_content_type(otlp_encoding e);

/// Where an id sits in an export's body: the span id of run `run` (8 bytes,
/// or 16 hex digits in JSON), or, with `trace`, the trace id of the trace
/// whose root is run `run` (16 bytes, or 32 hex digits).
struct otlp_id_place {
  std::uint32_t offset;
  std::uint32_t run;  ///< index in the runs given
  bool trace;
};

struct otlp_export {
  std::string body;
  std::vector<otlp_id_place> ids;
};

/// One export of `runs`, whose parents and trace roots must all be among
/// them (a trace whole in one export, so ingest links every span to its
/// parent). The ids written are the runs' own: a span id is the low half of
/// the run's UUID, a trace id its root's whole UUID.
otlp_export otlp_export_of(const std::vector<generated_run>& runs, otlp_encoding e);

/// partial_success.rejected_spans of an ExportTraceServiceResponse body (a
/// 200's), 0 when the answer does not say, as on full success.
std::int64_t otlp_rejected_spans(std::string_view answer, otlp_encoding e);

}  // namespace tracepipe::loadgen
