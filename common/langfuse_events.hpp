#pragma once
// The event types of Langfuse's v3 ingestion API (POST /api/public/ingestion)
// and where each is stored: the vocabulary ingest (which validates and
// enqueues them) and the sink (which writes them to the traces, observations
// and scores tables) share. Source: langfuse/langfuse
// packages/shared/src/server/ingestion/types.ts (see
// ../shared/research/otlp-and-langfuse.md §3).
#include <string_view>

namespace tracepipe::common::langfuse {

/// The table an event's row goes to; `none`: accepted or refused, never stored.
enum class entity { trace, observation, score, none };

constexpr std::string_view to_string(entity e) {
  return e == entity::trace ? "trace" : e == entity::observation ? "observation" : e == entity::score ? "score" : "";
}

struct event_type {
  std::string_view name;              ///< the envelope's `type`
  entity stored_as;
  std::string_view observation_type;  ///< observations: their `type` column; "" for legacy ones (body.type says)
  bool update;                        ///< *-update: Langfuse applies them after the creates of a batch
  bool body_id_required;              ///< else optional: an event without body.id is answered 201, never stored
};

inline constexpr event_type event_types[] = {
    {"trace-create", entity::trace, "", false, false},
    {"score-create", entity::score, "", false, false},
    {"event-create", entity::observation, "EVENT", false, true},
    {"span-create", entity::observation, "SPAN", false, true},
    {"span-update", entity::observation, "SPAN", true, true},
    {"generation-create", entity::observation, "GENERATION", false, true},
    {"generation-update", entity::observation, "GENERATION", true, true},
    {"agent-create", entity::observation, "AGENT", false, true},
    {"tool-create", entity::observation, "TOOL", false, true},
    {"chain-create", entity::observation, "CHAIN", false, true},
    {"retriever-create", entity::observation, "RETRIEVER", false, true},
    {"evaluator-create", entity::observation, "EVALUATOR", false, true},
    {"embedding-create", entity::observation, "EMBEDDING", false, true},
    {"guardrail-create", entity::observation, "GUARDRAIL", false, true},
    {"sdk-log", entity::none, "", false, false},
    {"dataset-run-item-create", entity::none, "", false, false},
    {"observation-create", entity::observation, "", false, false},
    {"observation-update", entity::observation, "", true, false},
};

/// The type named `name`, or nullptr.
constexpr const event_type* find_event_type(std::string_view name) {
  for (const auto& t : event_types)
    if (t.name == name) return &t;
  return nullptr;
}

}  // namespace tracepipe::common::langfuse
