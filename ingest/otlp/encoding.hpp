#pragma once
// OTLP/HTTP's two encodings and the answers the specification prescribes in
// each: ExportTraceServiceResponse on success (partial_success set only when
// spans were rejected), google.rpc.Status with a 4xx/5xx. The answer uses
// the request's encoding.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace tracepipe::ingest::otlp {

enum class encoding { protobuf, json };

/// From a request's Content-Type (parameters ignored): application/x-protobuf
/// (or application/protobuf) and application/json; nullopt for anything else.
std::optional<encoding> encoding_of(std::string_view content_type);
std::string_view content_type_of(encoding e);

/// The 200 answer's body; `rejected` 0: full success, partial_success unset.
std::string success_body(encoding e, std::int64_t rejected, std::string_view message);
/// A refusal's body: google.rpc.Status{code, message}, the gRPC code
/// matching `http_status` (400 → INVALID_ARGUMENT, 429 → RESOURCE_EXHAUSTED …).
std::string status_body(encoding e, unsigned http_status, std::string_view message);

}  // namespace tracepipe::ingest::otlp
