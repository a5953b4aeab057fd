#include "ingest/otlp/export.hpp"

#include <fmt/format.h>

#include "ingest/otlp/json_reader.hpp"
#include "trace.pb.h"

namespace tracepipe::ingest::otlp {

std::variant<rejection, export_runs> read_export(encoding e, std::string_view body, const export_context& context,
                                                  simdjson::dom::parser& json_parser) {
  wire::ExportTraceServiceRequest request;
  if (e == encoding::protobuf) {
    if (!request.ParseFromArray(body.data(), static_cast<int>(body.size())))
      return rejection{400, "invalid_otlp", "the body is not a protobuf ExportTraceServiceRequest"};
  } else if (auto bad = read_json_export(body, json_parser, request)) {
    return *bad;
  }
  export_runs runs;
  runs_of_export(request, context, runs);
  if (runs.spans > 0 && runs.rejected == runs.spans)
    // Logs or metrics posted to the traces URL decode (their field numbers
    // overlap) into spans without ids: the likeliest cause, so say it.
    return rejection{400, "invalid_otlp",
                     fmt::format("none of the {} spans can be read: {} (is this OTLP logs or metrics posted to the "
                                 "traces endpoint?)",
                                 runs.spans, runs.first_problem)};
  return runs;
}

std::string answer_body(encoding e, const export_runs& runs) {
  auto message = runs.rejected == 0 ? std::string{}
                                    : fmt::format("{} of {} spans were refused; the first: {}", runs.rejected,
                                                  runs.spans, runs.first_problem);
  return success_body(e, runs.rejected, message);
}

}  // namespace tracepipe::ingest::otlp
