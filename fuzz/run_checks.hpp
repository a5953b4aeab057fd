#pragma once
// What ingest promises about an accepted request's run operations (run_op.hpp)
// and a refusal, checked by the ingest fuzz targets.
#include <simdjson.h>

#include <string_view>
#include <vector>

#include "fuzz/fuzz_check.hpp"
#include "ingest/rejection.hpp"
#include "ingest/run_op.hpp"

namespace tracepipe::fuzz {

/// Every op: canonical run id; canonical trace id (empty only on a patch);
/// a project; a JSON object; part bytes inside one of the request's buffers.
inline void check_ops(const std::vector<ingest::run_op>& ops, std::string_view body, std::string_view decoded = {}) {
  static simdjson::dom::parser parser;
  for (const auto& op : ops) {
    FUZZ_CHECK(canonical_uuid(op.run_id));
    FUZZ_CHECK(canonical_uuid(op.trace_id) || (op.trace_id.empty() && op.kind == ingest::op_kind::patch));
    FUZZ_CHECK(!op.project.empty());
    simdjson::dom::object obj;
    FUZZ_CHECK(parser.parse(op.json).get(obj) == simdjson::SUCCESS);
    for (const auto& p : op.parts) {
      FUZZ_CHECK(!p.name.empty());
      FUZZ_CHECK(within(p.bytes, body) || within(p.bytes, decoded));
    }
  }
}

inline void check_rejection(const ingest::rejection& r) {
  FUZZ_CHECK(r.status >= 400 && r.status <= 599);
  FUZZ_CHECK(!r.error.empty());
}

}  // namespace tracepipe::fuzz
