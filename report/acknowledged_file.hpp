#pragma once
// acknowledged_ops.txt: every run operation a load's accepted requests
// carried, with the load's id key — what a reconcile looks up, written by
// `tracepipe load --out` so that `tracepipe report merge` can reconcile
// several generators' runs as one (a merged run's file holds a section per
// generator). Sorted operations are stored as their differences, a repeated
// difference once with its count, so N runs per request cost a few short
// lines per request:
//
//   tpops1 key=00c0ffee00c0ffee count=6
//   32768*2       (the first difference is from 0: 32768, then 65536)
//   2*4           (then 65538, 65540, 65542, 65544)
//
// An OTLP load's header ends in " ids=span": its ids are span ids
// (loadgen::id_form::span). A Langfuse load's ends in " ids=langfuse": its
// operations are events (loadgen::id_form::langfuse) — an observation's
// create and update as a run's post and patch, a root's trace-create as its
// post with bit 63 set — found in ClickHouse by (body id, event id).
#include <string>
#include <string_view>
#include <vector>

#include "loadgen/load_result.hpp"

namespace tracepipe::report {

std::string acknowledged_ops_text(const std::vector<loadgen::acknowledged_ops>& loads);

/// Parses acknowledged_ops_text's output; throws report_file_error naming
/// `file` and the line when it is malformed or a count does not add up.
std::vector<loadgen::acknowledged_ops> parse_acknowledged_ops(std::string_view text, std::string_view file);

}  // namespace tracepipe::report
