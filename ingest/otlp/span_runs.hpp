#pragma once
// The spans of one OTLP export as LangSmith runs (posts carrying their end):
// - run id: the 8 span-id bytes right-aligned in a zero UUID, as LangSmith's
//   backend derives it (span 0102030405060708 → run
//   00000000-0000-0000-0102-030405060708); parent_run_id likewise from the
//   parent span id; trace_id: the 16 trace-id bytes as a UUID;
// - dotted_order: "%Y%m%dT%H%M%S%fZ" of the span's start (the SDKs'
//   microsecond form) + run id, after its parent's dotted_order when the
//   parent is in the same export;
// - the langsmith.span.id / .trace.id / .span.parent_id / .span.dotted_order
//   / langsmith.is_root attributes override these, as LangSmith honours them.
// A span whose parent is in another export (OTel SDKs export spans as they
// end, so a long trace's children often go first) gets a dotted_order of its
// own segment only: LangSmith's backend and LangChain's collector proxy
// resolve it by holding spans; tracepipe does not hold, and counts them.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "ingest/run_op.hpp"

namespace tracepipe::ingest::otlp {

namespace wire {
class ExportTraceServiceRequest;
}

struct export_context {
  std::string_view header_project;   ///< the Langsmith-Project header, if any
  std::string_view default_project;  ///< ingest's default project
};

struct export_runs {
  std::vector<run_op> ops;       ///< one post per accepted span
  std::int64_t spans = 0;        ///< spans in the export
  std::int64_t rejected = 0;     ///< spans refused (bad ids or times)
  std::string first_problem;     ///< why the first refused span was refused
  std::int64_t parent_elsewhere = 0;  ///< accepted spans whose parent was not in this export
};

void runs_of_export(const wire::ExportTraceServiceRequest& request, const export_context& context, export_runs& out);

/// The 8 bytes of a span id right-aligned in a zero UUID, as text.
std::string run_id_of_span(std::string_view span_id);
/// 16 bytes as a lower-case UUID.
std::string uuid_of_bytes(std::string_view bytes);

}  // namespace tracepipe::ingest::otlp
