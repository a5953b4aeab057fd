#include "ingest/otlp/encoding.hpp"

#include <fmt/format.h>

#include "common/json_out.hpp"
#include "common/text.hpp"
#include "trace.pb.h"

namespace tracepipe::ingest::otlp {
namespace {

/// google.rpc.Code for an HTTP status, as gRPC-gateway pairs them.
int rpc_code(unsigned http_status) {
  switch (http_status) {
    case 400: return 3;   // INVALID_ARGUMENT
    case 401: return 16;  // UNAUTHENTICATED
    case 403: return 7;   // PERMISSION_DENIED
    case 404: return 5;   // NOT_FOUND
    case 405: return 12;  // UNIMPLEMENTED
    case 413: return 8;   // RESOURCE_EXHAUSTED
    case 415: return 3;
    case 429: return 8;
    case 503: return 14;  // UNAVAILABLE
    default: return http_status >= 500 ? 13 /* INTERNAL */ : 3;
  }
}

}  // namespace

std::optional<encoding> encoding_of(std::string_view content_type) {
  auto media = common::trim(content_type.substr(0, content_type.find(';')));
  if (common::iequals(media, "application/x-protobuf") || common::iequals(media, "application/protobuf"))
    return encoding::protobuf;
  if (common::iequals(media, "application/json")) return encoding::json;
  return std::nullopt;
}

std::string_view content_type_of(encoding e) {
  return e == encoding::protobuf ? "application/x-protobuf" : "application/json";
}

std::string success_body(encoding e, std::int64_t rejected, std::string_view message) {
  if (e == encoding::json) {
    if (rejected == 0) return "{}";
    std::string out = fmt::format(R"({{"partialSuccess":{{"rejectedSpans":"{}","errorMessage":)", rejected);
    common::append_json_string(out, common::valid_utf8_or_marked(message));
    return out + "}}";
  }
  wire::ExportTraceServiceResponse response;
  if (rejected > 0) {
    response.mutable_partial_success()->set_rejected_spans(rejected);
    response.mutable_partial_success()->set_error_message(common::valid_utf8_or_marked(message));
  }
  return response.SerializeAsString();
}

std::string status_body(encoding e, unsigned http_status, std::string_view message) {
  auto text = common::valid_utf8_or_marked(message);
  if (e == encoding::json) {
    std::string out = fmt::format(R"({{"code":{},"message":)", rpc_code(http_status));
    common::append_json_string(out, text);
    return out + "}";
  }
  wire::RpcStatus status;
  status.set_code(rpc_code(http_status));
  status.set_message(text);
  return status.SerializeAsString();
}

}  // namespace tracepipe::ingest::otlp
