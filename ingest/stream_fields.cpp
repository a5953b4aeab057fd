#include "ingest/stream_fields.hpp"

#include "queue/shard.hpp"

namespace tracepipe::ingest {

std::vector<queue::stream_entry> stream_entries(const std::vector<run_op>& ops, std::string_view tenant,
                                                std::uint64_t received_at_us, std::size_t shards,
                                                std::deque<std::string>& storage) {
  std::vector<queue::stream_entry> entries;
  entries.reserve(ops.size());
  const auto& received = storage.emplace_back(std::to_string(received_at_us));
  for (const auto& op : ops) {
    queue::stream_entry e;
    // A patch without trace_id goes by its run id: all of a run's operations
    // then share a shard only when the client names the trace, as SDKs do.
    e.shard = queue::shard_of(op.trace_id.empty() ? op.run_id : op.trace_id, shards);
    e.fields.reserve(8 + 2 * op.parts.size());
    e.fields.emplace_back("kind", to_string(op.kind));
    e.fields.emplace_back("run_id", op.run_id);
    e.fields.emplace_back("trace_id", op.trace_id);
    e.fields.emplace_back("project", op.project);
    if (!tenant.empty()) e.fields.emplace_back("tenant", tenant);
    e.fields.emplace_back("received_at_us", received);
    e.fields.emplace_back("bytes", storage.emplace_back(std::to_string(op.bytes())));
    e.fields.emplace_back("run", op.json);
    for (const auto& part : op.parts) {
      const auto& name = storage.emplace_back("part." + part.name);
      e.fields.emplace_back(name, part.bytes);
      e.fields.emplace_back(storage.emplace_back(name + ".content_type"), part.content_type);
    }
    entries.push_back(std::move(e));
  }
  return entries;
}

}  // namespace tracepipe::ingest
