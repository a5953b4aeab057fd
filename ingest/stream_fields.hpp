#pragma once
// The stream entries of a request, as queue/entry_fields.hpp lays them out:
// one entry per run operation (post or patch) or Langfuse event, on the
// shard of its trace.
#include <deque>
#include <string>
#include <vector>

#include "ingest/langfuse/event_reader.hpp"
#include "ingest/run_op.hpp"
#include "queue/stream_producer.hpp"

namespace tracepipe::ingest {

/// Builds entries for ops; `storage` keeps the strings the entries point to.
std::vector<queue::stream_entry> stream_entries(const std::vector<run_op>& ops, std::string_view tenant,
                                                std::uint64_t received_at_us, std::size_t shards,
                                                std::deque<std::string>& storage);

/// Builds entries for Langfuse events, the same way.
std::vector<queue::stream_entry> stream_entries(const std::vector<langfuse::event>& events, std::string_view tenant,
                                                std::uint64_t received_at_us, std::size_t shards,
                                                std::deque<std::string>& storage);

}  // namespace tracepipe::ingest
