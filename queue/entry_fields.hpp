#pragma once
// The field names of a run stream entry: the contract between ingest, which
// writes one entry per run operation (ingest/stream_fields.cpp), and the sink
// workers, which read them (sink/row_builder.cpp). Every value is bytes; the
// fields, in the order ingest writes them:
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
// A Langfuse ingestion event (ingest/langfuse/) is one entry of its own kind:
//   kind            langfuse
//   entity          trace | observation | score: the table its row goes to
//   body_id         the event's body.id (the trace, observation or score)
//   event_id        the envelope's id (unique per event: a create and its
//                   update differ; a re-sent event keeps it)
//   trace_id        body.traceId, or body.id for a trace: the shard key
//   project, tenant, received_at_us, bytes   as for runs
//   event           the whole event {id, timestamp, type, body, metadata}, compact JSON
// With ingest.mode s3-first (Langfuse v3's write path, ingest/s3_first.hpp)
// those entries are stored in S3 before the answer, and the stream carries
// only where each one is:
//   kind            s3
//   object          the S3 key of the object holding it: one object per
//                   entity a request describes (a run, or a Langfuse trace,
//                   observation or score), in Langfuse's layout
//                   <s3.event_prefix><project>/<entity>/<body id>/<uuid>.json
//   index           its place in that object
//   trace_id, received_at_us, bytes   the stored entry's own
// The object is a JSON array, one element per entry: an object of the
// entry's fields in its order, each value a JSON string, except `run` and
// `event`, which are their JSON as it is, and a value that is not UTF-8
// (an attachment's bytes), which is {"base64": "…"}.
// An entry the sink cannot write goes to the dead-letter stream with all its
// fields, after four of the dead-letter stream's own (the dead_letter_* names).
#include <string>
#include <string_view>

namespace tracepipe::queue::entry_field {

inline constexpr std::string_view kind = "kind";
inline constexpr std::string_view run_id = "run_id";
inline constexpr std::string_view trace_id = "trace_id";
inline constexpr std::string_view project = "project";
inline constexpr std::string_view tenant = "tenant";
inline constexpr std::string_view received_at_us = "received_at_us";
inline constexpr std::string_view bytes = "bytes";
inline constexpr std::string_view run = "run";

/// The kind of a Langfuse event's entry, and its own fields.
inline constexpr std::string_view langfuse_kind = "langfuse";
inline constexpr std::string_view entity = "entity";
inline constexpr std::string_view body_id = "body_id";
inline constexpr std::string_view event_id = "event_id";
inline constexpr std::string_view event = "event";

/// The kind of an entry stored in S3 first, and its own fields.
inline constexpr std::string_view stored_kind = "s3";
inline constexpr std::string_view object = "object";
inline constexpr std::string_view index = "index";

/// What every part field starts with, and what an attachment's does.
inline constexpr std::string_view part_prefix = "part.";
inline constexpr std::string_view attachment_prefix = "part.attachment.";
/// What follows a part field's name in the name of its content type field.
inline constexpr std::string_view content_type_suffix = ".content_type";

/// "part.<name>": the field of the multipart part `name` ("inputs", "attachment.image" …).
inline std::string part(std::string_view name) { return std::string(part_prefix).append(name); }
/// "<field>.content_type": the content type of the part field `part_field`.
inline std::string content_type_of(std::string_view part_field) {
  return std::string(part_field).append(content_type_suffix);
}

/// Why the sink gave up on the entry.
inline constexpr std::string_view dead_letter_reason = "reason";
/// The stream and id the entry had.
inline constexpr std::string_view dead_letter_source_stream = "source_stream";
inline constexpr std::string_view dead_letter_source_id = "source_id";
/// How many times it had been delivered.
inline constexpr std::string_view dead_letter_deliveries = "deliveries";

}  // namespace tracepipe::queue::entry_field
