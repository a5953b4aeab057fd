#pragma once
// One OTLP/HTTP trace export, from its decoded body to the runs to enqueue
// and the answer to give once they are: the request's encoding decides the
// decoder and the answer's encoding. An export every span of which is
// refused is a 400 (nothing is enqueued); some refused: the others are
// accepted and the answer's partial_success counts the refused, as the
// specification prescribes.
#include <string_view>
#include <variant>

#include <simdjson.h>

#include "ingest/otlp/encoding.hpp"
#include "ingest/otlp/span_runs.hpp"
#include "ingest/rejection.hpp"

namespace tracepipe::ingest::otlp {

/// The runs of the export in `body`, or why the whole export is refused.
std::variant<rejection, export_runs> read_export(encoding e, std::string_view body, const export_context& context,
                                                  simdjson::dom::parser& json_parser);

/// The 200 answer for an export read as `runs`.
std::string answer_body(encoding e, const export_runs& runs);

}  // namespace tracepipe::ingest::otlp
