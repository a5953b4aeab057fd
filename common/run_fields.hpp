#pragma once
// Small checks on the values inside a run: UUIDs, run types, times and
// dotted_order, as the LangSmith SDKs write them (see ../shared/API.md).
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace tracepipe::common {

/// 8-4-4-4-12 hex digits, either case.
bool is_uuid(std::string_view s);
/// Lower-cased copy, so ids compare and hash the same whatever case the client used.
std::string canonical_uuid(std::string_view s);

/// llm, tool, chain, retriever, embedding, prompt, parser.
bool is_run_type(std::string_view s);

/// ISO-8601 "2024-05-01T12:00:00.123456Z" (zone optional, "+02:00" too) or
/// "2024-05-01 12:00:00" → microseconds since the epoch.
std::optional<std::int64_t> parse_iso8601_us(std::string_view s);
/// Microseconds since the epoch → "2024-05-01T12:00:00.123456" (UTC, as
/// LangSmith's API writes its times).
std::string iso8601_of_us(std::int64_t us);
/// Microseconds since the epoch → "%Y%m%dT%H%M%S%fZ", a dotted_order
/// segment's time (the SDKs' microsecond form).
std::string dotted_time(std::int64_t us);
/// Epoch numbers: seconds, milliseconds or microseconds, told apart by size
/// (the JS SDK sends Date.now() milliseconds, others send seconds).
std::optional<std::int64_t> epoch_number_to_us(double v);

/// A dotted_order segment is "%Y%m%dT%H%M%S%fZ" + the run's UUID; a child's
/// dotted_order is its parent's, ".", then its own segment. Returns the
/// problem, or nullopt when the value is well formed, starts with trace_id's
/// segment and ends with run_id's.
std::optional<std::string> check_dotted_order(std::string_view dotted, std::string_view run_id,
                                              std::string_view trace_id);

}  // namespace tracepipe::common
