#pragma once
// OTLP/JSON (the OTLP specification's JSON mapping) into the same message
// the protobuf encoding decodes to, so one mapping serves both. Not
// protobuf's own JSON parser: that reads trace and span ids as base64, and a
// 32-digit hex trace id is valid base64 of 24 bytes — silently wrong. Here
// ids are hex, as the specification says, or base64 of the right length, as
// LangChain's collector proxy sends them; anything else is refused.
#include <optional>
#include <string_view>

#include <simdjson.h>

#include "ingest/rejection.hpp"

namespace tracepipe::ingest::otlp {

namespace wire {
class ExportTraceServiceRequest;
}

/// Fills `out` from an ExportTraceServiceRequest in JSON. Keys are
/// lowerCamelCase; unknown keys are ignored; 64-bit integers may be strings
/// or numbers; enums are integers. A problem names where it is
/// ("resourceSpans[0].scopeSpans[1].spans[2].startTimeUnixNano: …").
std::optional<rejection> read_json_export(std::string_view body, simdjson::dom::parser& parser,
                                          wire::ExportTraceServiceRequest& out);

/// An id as OTLP/JSON carries it: `bytes` hex digits (either case), or the
/// base64 of `bytes` bytes; "" is an absent id. nullopt: neither.
std::optional<std::string> id_bytes(std::string_view text, std::size_t bytes);

}  // namespace tracepipe::ingest::otlp
