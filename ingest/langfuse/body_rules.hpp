#pragma once
// What Langfuse's schemas (types.ts) ask of an event's body, per type: the
// ids (1–800 characters, no carriage return), times (ISO-8601 with a zone),
// enums (level, environment, score source and data type) and the types of
// the fields it reads. Fields it does not look at pass as sent.
#include <optional>
#include <string>
#include <string_view>

#include <simdjson.h>

#include "common/langfuse_events.hpp"

namespace tracepipe::ingest::langfuse {

/// Langfuse's idSchema: a string of 1 to 800 characters without '\r'.
bool is_langfuse_id(std::string_view s);

/// An ISO-8601 time with a zone ("Z" or an offset), as zod's datetime({offset: true}).
bool is_zoned_time(std::string_view s);

/// The body's first problem as "body.<field>: <what>", or nullopt.
std::optional<std::string> body_problem(const common::langfuse::event_type& type, simdjson::dom::object body);

}  // namespace tracepipe::ingest::langfuse
