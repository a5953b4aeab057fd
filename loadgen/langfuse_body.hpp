#pragma once
// A request's runs as one Langfuse v3 ingestion batch (POST
// /api/public/ingestion, ../shared/research/otlp-and-langfuse.md §3): each
// trace root a trace-create, each run an observation — generation-create
// for llm runs, span-create for the rest — with its trace, parent, name,
// start, input and metadata, and its end (end time, output) either in its
// own -update event or in the create itself. Langfuse keeps no project in
// a body: ingest files the events under the API key's project. Where each
// id sits is recorded, so request_plan stamps fresh run and event ids per
// request as it does in the LangSmith bodies.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "loadgen/run_factory.hpp"
#include "loadgen/run_ids.hpp"

namespace tracepipe::loadgen {

/// The public half of the Basic credentials the load sends; the secret is
/// the load's API key (ingest checks only the secret).
inline constexpr std::string_view langfuse_public_key = "pk-tracepipe-load";

/// Where a 36-character id sits in a batch's body: the id of run `run_id`
/// (a body.id, traceId or parentObservationId), or, with `event`, the
/// envelope id of that run's event.
struct langfuse_id_place {
  std::uint32_t offset;
  std::string_view run_id;  ///< one of the runs given (their own strings)
  bool is_event;
  langfuse_event event;     ///< when is_event
};

struct langfuse_batch {
  std::string body;
  std::vector<langfuse_id_place> ids;
  int events = 0;
};

/// One batch: the creates of `creates` (and the trace-create of each root
/// among them), then the updates of `updates`, which may be the same runs.
/// With `ends_in_creates` (pattern post: no updates) each create carries its run's end.
langfuse_batch langfuse_batch_of(const std::vector<generated_run>& creates, const std::vector<generated_run>& updates,
                                 bool ends_in_creates);

/// Whether a 207 answer {successes, errors} refuses none of the events: its
/// `errors` array is there and empty. Any other body: the answer is not
/// Langfuse's, and which events landed is unknown.
bool langfuse_all_accepted(std::string_view answer);

}  // namespace tracepipe::loadgen
