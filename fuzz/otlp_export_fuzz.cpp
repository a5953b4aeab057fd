// The OTLP/HTTP trace reader (ingest/otlp): protobuf and JSON exports into
// runs. The first byte picks the encoding, the rest is the body. An export
// is refused whole, or every span is either a run (checked as ingest
// promises runs) or counted as refused; the answer decodes.
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <variant>

#include "fuzz/run_checks.hpp"
#include "ingest/otlp/export.hpp"
#include "trace.pb.h"

using namespace tracepipe;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  static simdjson::dom::parser parser;
  auto e = data[0] & 1 ? ingest::otlp::encoding::json : ingest::otlp::encoding::protobuf;
  std::string_view body(reinterpret_cast<const char*>(data) + 1, size - 1);
  auto read = ingest::otlp::read_export(e, body, {data[0] & 2 ? "header-project" : "", "default"}, parser);
  if (auto* r = std::get_if<ingest::rejection>(&read)) {
    fuzz::check_rejection(*r);
    FUZZ_CHECK(r->status == 400);
    return 0;
  }
  const auto& runs = std::get<ingest::otlp::export_runs>(read);
  FUZZ_CHECK(runs.rejected + static_cast<std::int64_t>(runs.ops.size()) == runs.spans);
  FUZZ_CHECK(runs.rejected < runs.spans || runs.spans == 0);
  FUZZ_CHECK(runs.parent_elsewhere <= static_cast<std::int64_t>(runs.ops.size()));
  fuzz::check_ops(runs.ops, body);
  auto answer = ingest::otlp::answer_body(e, runs);
  if (e == ingest::otlp::encoding::protobuf) {
    ingest::otlp::wire::ExportTraceServiceResponse response;
    FUZZ_CHECK(response.ParseFromString(answer));
    FUZZ_CHECK(response.partial_success().rejected_spans() == runs.rejected);
  } else {
    simdjson::dom::parser answer_parser;
    simdjson::dom::object obj;
    FUZZ_CHECK(answer_parser.parse(answer).get(obj) == simdjson::SUCCESS);
  }
  return 0;
}
