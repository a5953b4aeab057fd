#include "sink/langfuse_rows.hpp"

#include <charconv>

#include <fmt/format.h>

#include <algorithm>

#include "common/json_out.hpp"
#include "common/langfuse_events.hpp"
#include "common/run_fields.hpp"
#include "queue/entry_fields.hpp"
#include "sink/detail/row_json.hpp"
#include "sink/langfuse_schema.hpp"

namespace tracepipe::sink {
namespace {

namespace field = queue::entry_field;
using common::langfuse::entity;
using simdjson::dom::element;
using simdjson::dom::element_type;
using namespace detail;

std::optional<element> member(simdjson::dom::object o, const char* key) {
  element v;
  if (o[key].get(v) != simdjson::SUCCESS || v.is_null()) return std::nullopt;
  return v;
}

std::string_view text(simdjson::dom::object o, const char* key) {
  std::string_view s;
  return o[key].get(s) == simdjson::SUCCESS ? s : std::string_view();
}

/// An ISO-8601 member as milliseconds since the epoch; 0 when absent.
std::uint64_t time_ms(simdjson::dom::object o, const char* key) {
  auto us = common::parse_iso8601_us(text(o, key)).value_or(0);
  return us > 0 ? static_cast<std::uint64_t>(us / 1000) : 0;
}

/// A member's JSON text (Langfuse's input/output and the like); "" when absent or null.
void add_json(std::string& j, std::string_view column, simdjson::dom::object o, const char* key) {
  auto v = member(o, key);
  add_string(j, column, v ? simdjson::minify(*v) : std::string());
}

/// A JSON value as a map's value: a string as it is, anything else as its JSON.
std::string map_value(element v) {
  std::string_view s;
  return v.get(s) == simdjson::SUCCESS ? std::string(s) : simdjson::minify(v);
}

/// Langfuse's Map columns as two parallel arrays <column>_keys and
/// <column>_values. An object gives its members; any other value (metadata
/// may be any JSON) one entry under the key "metadata". Usage and cost
/// details keep their numeric members only: usage as unsigned integers
/// (Map(String, UInt64)), costs as doubles (Decimal64(12) in Langfuse).
enum class map_values { text, usage, cost };
void add_map(std::string& j, std::string_view column, simdjson::dom::object o, const char* key, map_values kind) {
  std::string keys = "[", values = "[";
  auto add = [&](std::string_view k, element v) {
    if (kind != map_values::text && !v.is_number()) return;
    if (keys.size() > 1) keys += ',', values += ',';
    common::append_json_string(keys, k);
    std::uint64_t u = 0;
    double d = 0;
    if (kind == map_values::text) common::append_json_string(values, map_value(v));
    else if (kind == map_values::usage)  // a negative or fractional count: its whole non-negative part
      append_u64(values, v.get(u) == simdjson::SUCCESS                ? u
                         : v.get(d) == simdjson::SUCCESS && d > 0 ? static_cast<std::uint64_t>(d)
                                                                  : 0);
    else values += fmt::format("{}", v.get(d) == simdjson::SUCCESS ? d : 0.0);
  };
  if (auto v = member(o, key)) {
    simdjson::dom::object members;
    if (v->get(members) == simdjson::SUCCESS)
      for (auto [k, value] : members) add(k, value);
    else if (kind == map_values::text)
      add("metadata", *v);
  }
  add_key(j, column, "_keys");
  j += keys + ']';
  add_key(j, column, "_values");
  j += values + ']';
}

void add_trace(std::string& j, simdjson::dom::object body, std::uint64_t event_ms) {
  auto timestamp = time_ms(body, "timestamp");
  add_number(j, "timestamp_ms", timestamp ? timestamp : event_ms);
  add_string(j, "name", text(body, "name"));
  add_string(j, "user_id", text(body, "userId"));
  add_string(j, "session_id", text(body, "sessionId"));
  add_string(j, "release", text(body, "release"));
  add_string(j, "version", text(body, "version"));
  bool is_public = false;
  add_number(j, "public", body["public"].get(is_public) == simdjson::SUCCESS && is_public);
  add_key(j, "tags");
  j += '[';
  simdjson::dom::array tags;
  bool first = true;
  if (body["tags"].get(tags) == simdjson::SUCCESS)
    for (element t : tags) {
      std::string_view s;
      if (t.get(s) != simdjson::SUCCESS) continue;
      if (!first) j += ',';
      common::append_json_string(j, s);
      first = false;
    }
  j += ']';
  add_map(j, "metadata", body, "metadata", map_values::text);
  add_json(j, "input", body, "input");
  add_json(j, "output", body, "output");
}

void add_observation(std::string& j, simdjson::dom::object body, std::string_view event_type) {
  add_string(j, "trace_id", text(body, "traceId"));
  const auto* type = common::langfuse::find_event_type(event_type);
  // Legacy observation-create/-update name their type in the body.
  add_string(j, "type", type && !type->observation_type.empty() ? type->observation_type : text(body, "type"));
  add_string(j, "parent_observation_id", text(body, "parentObservationId"));
  add_number(j, "start_time_ms", time_ms(body, "startTime"));
  add_number(j, "end_time_ms", time_ms(body, "endTime"));
  add_number(j, "completion_start_time_ms", time_ms(body, "completionStartTime"));
  add_string(j, "name", text(body, "name"));
  add_map(j, "metadata", body, "metadata", map_values::text);
  add_string(j, "level", text(body, "level"));
  add_string(j, "status_message", text(body, "statusMessage"));
  add_string(j, "version", text(body, "version"));
  add_json(j, "input", body, "input");
  add_json(j, "output", body, "output");
  add_string(j, "provided_model_name", text(body, "model"));
  add_json(j, "model_parameters", body, "modelParameters");
  add_map(j, "usage_details", body, "usageDetails", map_values::usage);
  add_map(j, "cost_details", body, "costDetails", map_values::cost);
  add_string(j, "prompt_name", text(body, "promptName"));
  std::uint64_t prompt_version = 0;
  if (body["promptVersion"].get(prompt_version) != simdjson::SUCCESS) prompt_version = 0;
  add_number(j, "prompt_version", std::min<std::uint64_t>(prompt_version, 65535));
}

void add_score(std::string& j, simdjson::dom::object body, std::uint64_t event_ms) {
  add_number(j, "timestamp_ms", event_ms);
  add_string(j, "trace_id", text(body, "traceId"));
  add_string(j, "observation_id", text(body, "observationId"));
  add_string(j, "session_id", text(body, "sessionId"));
  add_string(j, "dataset_run_id", text(body, "datasetRunId"));
  add_string(j, "name", text(body, "name"));
  // A number in value; a string (categorical) in string_value, value 0.
  double value = 0;
  if (body["value"].get(value) != simdjson::SUCCESS) value = 0;
  add_key(j, "value");
  j += fmt::format("{}", value);
  add_string(j, "string_value", text(body, "value"));
  auto source = text(body, "source");
  add_string(j, "source", source.empty() ? "API" : source);
  add_string(j, "data_type", text(body, "dataType"));
  add_string(j, "comment", text(body, "comment"));
  add_map(j, "metadata", body, "metadata", map_values::text);
  add_string(j, "config_id", text(body, "configId"));
  add_string(j, "queue_id", text(body, "queueId"));
}

}  // namespace

std::optional<std::string> langfuse_row_builder::build(const queue::stream_message& m, std::uint64_t dequeued_at_us,
                                                       built_row& out) {
  if (out.json.capacity() > (256 << 10)) out.json = std::string();
  out.json.clear();
  out.blobs.clear();
  auto kind = m.field(field::entity);
  out.langfuse = kind == "trace" ? entity::trace : kind == "observation" ? entity::observation
                 : kind == "score" ? entity::score : entity::none;
  if (out.langfuse == entity::none) return "Langfuse entry has no valid entity: not written by tracepipe ingest?";
  simdjson::dom::object event, body;
  if (parser_.parse(m.field(field::event)).get(event) != simdjson::SUCCESS || event["body"].get(body) != simdjson::SUCCESS)
    return "Langfuse entry's event is not an object with a body";
  auto event_ms = time_ms(event, "timestamp");
  auto& j = out.json;
  j += "{\"id\":";
  common::append_json_string(j, m.field(field::body_id));
  add_string(j, "project_id", m.field(field::project));
  add_string(j, "event_id", m.field(field::event_id));
  add_string(j, "event_type", text(event, "type"));
  add_string(j, "environment", text(body, "environment").empty() ? "default" : text(body, "environment"));
  switch (out.langfuse) {
    case entity::trace: add_trace(j, body, event_ms); break;
    case entity::observation: add_observation(j, body, text(event, "type")); break;
    default: add_score(j, body, event_ms); break;
  }
  add_number(j, "event_ts_ms", event_ms);
  add_string(j, "tenant", common::valid_utf8_or_marked(m.field(field::tenant)));  // an HTTP header, any bytes
  add_number(j, "received_at_us", to_u64(m.field(field::received_at_us)));
  add_number(j, "enqueued_at_us", m.enqueued_at_ms() * 1000);
  add_number(j, "dequeued_at_us", dequeued_at_us);
  add_string(j, "stream_id", m.id);
  out.inline_bytes = m.field(field::event).size();
  return std::nullopt;
}

std::optional<std::string> entry_row_builder::build(const queue::stream_message& m, std::uint64_t dequeued_at_us,
                                                    built_row& out) {
  if (m.field(field::kind) == field::langfuse_kind) return langfuse_.build(m, dequeued_at_us, out);
  return runs_.build(m, dequeued_at_us, out);
}

std::size_t entry_row_builder::row_bytes(const queue::stream_message& m) const {
  if (m.field(field::kind) != field::stored_kind) return runs_.row_bytes(m);
  auto text = m.field(field::bytes);
  std::size_t n = 0;
  std::from_chars(text.data(), text.data() + text.size(), n);
  return n;
}

std::vector<std::pair<std::string, std::vector<std::size_t>>> rows_by_table(const schema_names& names,
                                                                           const std::vector<built_row>& built,
                                                                           const std::vector<std::size_t>& rows) {
  std::vector<std::pair<std::string, std::vector<std::size_t>>> out;
  for (auto target : {entity::none, entity::trace, entity::observation, entity::score}) {
    std::vector<std::size_t> mine;
    for (auto i : rows)
      if (built[i].langfuse == target) mine.push_back(i);
    if (!mine.empty())
      out.emplace_back(target == entity::none ? names.qualified() : langfuse_table(names, target), std::move(mine));
  }
  return out;
}

}  // namespace tracepipe::sink
