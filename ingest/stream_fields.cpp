#include "ingest/stream_fields.hpp"

#include "queue/entry_fields.hpp"
#include "queue/shard.hpp"

namespace tracepipe::ingest {
namespace {

namespace field = queue::entry_field;

/// Where an entry comes from and what it weighs: the fields every kind has, in this order.
void append_origin(queue::stream_entry& e, std::string_view project, std::string_view tenant,
                   std::string_view received_at_us, std::string_view bytes) {
  e.fields.emplace_back(field::project, project);
  if (!tenant.empty()) e.fields.emplace_back(field::tenant, tenant);
  e.fields.emplace_back(field::received_at_us, received_at_us);
  e.fields.emplace_back(field::bytes, bytes);
}

}  // namespace

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
    e.fields.emplace_back(field::kind, to_string(op.kind));
    e.fields.emplace_back(field::run_id, op.run_id);
    e.fields.emplace_back(field::trace_id, op.trace_id);
    append_origin(e, op.project, tenant, received, storage.emplace_back(std::to_string(op.bytes())));
    e.fields.emplace_back(field::run, op.json);
    for (const auto& part : op.parts) {
      const auto& name = storage.emplace_back(field::part(part.name));
      e.fields.emplace_back(name, part.bytes);
      e.fields.emplace_back(storage.emplace_back(field::content_type_of(name)), part.content_type);
    }
    entries.push_back(std::move(e));
  }
  return entries;
}

std::vector<queue::stream_entry> stream_entries(const std::vector<langfuse::event>& events, std::string_view tenant,
                                                std::uint64_t received_at_us, std::size_t shards,
                                                std::deque<std::string>& storage) {
  std::vector<queue::stream_entry> entries;
  entries.reserve(events.size());
  const auto& received = storage.emplace_back(std::to_string(received_at_us));
  for (const auto& ev : events) {
    queue::stream_entry e;
    // A whole trace shares a shard, as runs do: its observations and scores name it.
    e.shard = queue::shard_of(ev.trace_id, shards);
    e.fields.reserve(10);
    e.fields.emplace_back(field::kind, field::langfuse_kind);
    e.fields.emplace_back(field::entity, common::langfuse::to_string(ev.stored_as));
    e.fields.emplace_back(field::body_id, ev.body_id);
    e.fields.emplace_back(field::event_id, ev.event_id);
    e.fields.emplace_back(field::trace_id, ev.trace_id);
    append_origin(e, ev.project, tenant, received, storage.emplace_back(std::to_string(ev.json.size())));
    e.fields.emplace_back(field::event, ev.json);
    entries.push_back(std::move(e));
  }
  return entries;
}

}  // namespace tracepipe::ingest
