#pragma once
// Langfuse v3 ingestion (POST /api/public/ingestion), without I/O: the body
// {batch: [{id, timestamp, type, body, metadata?}], metadata?} read and
// validated event by event as Langfuse does, so one bad event never refuses
// the others. What it gives: the events to enqueue, and the 207 answer
// {"successes": [{id, status: 201}], "errors": [{id, status: 400, message,
// error}]} (Langfuse's processEventBatch / aggregateBatchResult). Only a body
// that is not JSON, or has no `batch` array, refuses the whole request.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <simdjson.h>

#include "common/langfuse_events.hpp"
#include "ingest/rejection.hpp"

namespace tracepipe::ingest::langfuse {

using common::langfuse::entity;

/// One event to enqueue (a stream entry of kind "langfuse").
struct event {
  entity stored_as = entity::trace;
  std::string event_id;  ///< the envelope's id
  std::string body_id;   ///< body.id
  std::string trace_id;  ///< body.traceId, or body.id for a trace; the shard key
  std::string project;   ///< set by the route: the key's project or the default
  std::string json;      ///< the whole event, compact JSON
};

/// An event Langfuse would refuse: answered in "errors", never enqueued.
struct event_error {
  std::string id;       ///< the event's id, "unknown" when it has no string id (as Langfuse)
  std::string problem;  ///< where and what: "batch[3].body.id: is required"
};

struct batch_result {
  std::vector<event> events;             ///< to enqueue, in Langfuse's order (creates, then updates, by timestamp)
  std::vector<std::string> successes;    ///< ids answered 201: the events, and those without a body.id
  std::vector<event_error> errors;
};

class event_reader {
 public:
  explicit event_reader(std::size_t json_depth);

  /// Reads the request body; a rejection refuses it whole (400).
  std::optional<rejection> read(std::string_view body, batch_result& out);

 private:
  simdjson::dom::parser parser_;
  std::size_t json_depth_;
};

/// The 207 answer's JSON.
std::string answer_body(const batch_result& r);

}  // namespace tracepipe::ingest::langfuse
