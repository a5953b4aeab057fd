#pragma once
// Turns the parts of a POST /runs/multipart request into run operations:
// `post.<id>` / `patch.<id>` carry the run, `post.<id>.<field>` its large
// fields, `attachment.<id>.<name>` raw files, `feedback.<id>` is ignored.
// Every field and attachment part must belong to a run of the same request.
#include <optional>
#include <vector>

#include "ingest/multipart.hpp"
#include "ingest/rejection.hpp"
#include "ingest/run_op.hpp"
#include "ingest/run_reader.hpp"

namespace tracepipe::ingest {

std::optional<rejection> read_multipart_runs(const std::vector<multipart_part>& parts, run_reader& reader,
                                             std::vector<run_op>& out);

}  // namespace tracepipe::ingest
