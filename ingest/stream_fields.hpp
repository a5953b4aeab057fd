#pragma once
// The stream entry of one run operation — the contract between ingest and the
// sink workers. Fields:
//   kind            post | patch
//   run_id          canonical UUID
//   trace_id        canonical UUID (empty for a PATCH /runs/{id} naming none)
//   project         session_name, session_id or the default project
//   tenant          X-Tenant-Id, when sent
//   received_at_us  when ingest had read the whole request, µs since the epoch
//   bytes           run JSON plus all parts, bytes
//   run             the run object, compact JSON
//   part.<name>     a multipart field part (part.inputs …) or attachment
//                   (part.attachment.<name>), bytes exactly as sent
//   part.<name>.content_type   that part's content type
#include <deque>
#include <string>
#include <vector>

#include "ingest/run_op.hpp"
#include "queue/stream_producer.hpp"

namespace tracepipe::ingest {

/// Builds entries for ops; `storage` keeps the strings the entries point to.
std::vector<queue::stream_entry> stream_entries(const std::vector<run_op>& ops, std::string_view tenant,
                                                std::uint64_t received_at_us, std::size_t shards,
                                                std::deque<std::string>& storage);

}  // namespace tracepipe::ingest
