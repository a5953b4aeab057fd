#include "ingest/langfuse/event_reader.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <new>

#include "common/json_out.hpp"
#include "common/run_fields.hpp"
#include "ingest/langfuse/body_rules.hpp"

namespace tracepipe::ingest::langfuse {
namespace {

using simdjson::dom::element;
using simdjson::dom::element_type;

std::string_view string_or_empty(simdjson::dom::object o, const char* key) {
  std::string_view s;
  return o[key].get(s) == simdjson::SUCCESS ? s : std::string_view();
}

/// An accepted event with what Langfuse orders a batch by.
struct accepted {
  std::string id;
  bool update = false;
  std::int64_t timestamp_us = 0;
  std::optional<event> stored;  ///< none: answered 201, not stored (no body.id)
};

/// The envelope's and body's first problem, or nullopt; `type` is set once the type is known.
std::optional<std::string> envelope_problem(simdjson::dom::object e, const common::langfuse::event_type*& type) {
  std::string_view id, timestamp, type_name;
  if (e["id"].get(id) != simdjson::SUCCESS || !is_langfuse_id(id))
    return "id: must be a string of 1 to 800 characters without a carriage return";
  if (e["timestamp"].get(timestamp) != simdjson::SUCCESS || !is_zoned_time(timestamp))
    return "timestamp: must be an ISO-8601 time with a zone, such as 2024-05-01T12:00:00.000Z";
  if (e["type"].get(type_name) != simdjson::SUCCESS || !(type = common::langfuse::find_event_type(type_name)))
    return fmt::format("type: '{}' is not a Langfuse ingestion event type", common::valid_utf8_or_marked(type_name));
  simdjson::dom::object body;
  if (e["body"].get(body) != simdjson::SUCCESS) return "body: must be an object";
  return body_problem(*type, body);
}

}  // namespace

event_reader::event_reader(std::size_t json_depth) : json_depth_(json_depth) {
  // As run_reader: simdjson enforces the depth while parsing.
  if (parser_.allocate(64 * 1024, json_depth + 1) != simdjson::SUCCESS) throw std::bad_alloc();
}

std::optional<rejection> event_reader::read(std::string_view body, batch_result& out) {
  element doc;
  auto err = parser_.parse(body.data(), body.size()).get(doc);
  if (err == simdjson::DEPTH_ERROR)
    return rejection{400, "json_too_deep", fmt::format("the body nests deeper than {} levels", json_depth_)};
  if (err) return rejection{400, "invalid_json", fmt::format("the body is not valid JSON: {}", simdjson::error_message(err))};
  simdjson::dom::array batch;
  if (doc.type() != element_type::OBJECT || doc["batch"].get(batch) != simdjson::SUCCESS)
    return rejection{400, "invalid_batch", "the body must be an object {\"batch\": [event, …]}"};

  std::vector<accepted> ok;
  std::size_t index = 0;
  for (element e : batch) {
    auto where = fmt::format("batch[{}]", index++);
    simdjson::dom::object object;
    const common::langfuse::event_type* type = nullptr;
    std::optional<std::string> problem;
    if (e.get(object) != simdjson::SUCCESS) problem = "must be an object";
    else problem = envelope_problem(object, type);
    if (problem) {
      std::string_view id;
      bool named = e.type() == element_type::OBJECT && object["id"].get(id) == simdjson::SUCCESS;
      out.errors.push_back({named ? common::valid_utf8_or_marked(id) : "unknown",
                            fmt::format("{}{}{}", where, problem->starts_with("must") ? " " : ".", *problem)});
      continue;
    }
    // Langfuse logs sdk-log events and answers neither success nor error for them.
    if (type->name == "sdk-log") continue;
    accepted a{std::string(string_or_empty(object, "id")), type->update,
               common::parse_iso8601_us(string_or_empty(object, "timestamp")).value_or(0), std::nullopt};
    simdjson::dom::object body = object["body"].get_object().value_unsafe();
    std::string_view body_id = string_or_empty(body, "id");
    // Without a body.id Langfuse answers 201 and stores nothing (it groups by body.id).
    if (!body_id.empty()) {
      std::string_view trace_id = type->stored_as == entity::trace ? body_id : string_or_empty(body, "traceId");
      a.stored = event{type->stored_as, a.id, std::string(body_id), std::string(trace_id.empty() ? body_id : trace_id),
                       {}, simdjson::minify(e)};
    }
    ok.push_back(std::move(a));
  }
  // Langfuse's sortBatch: creates before updates, each by timestamp.
  std::stable_sort(ok.begin(), ok.end(), [](const accepted& x, const accepted& y) {
    return x.update != y.update ? !x.update : x.timestamp_us < y.timestamp_us;
  });
  for (auto& a : ok) {
    out.successes.push_back(std::move(a.id));
    if (a.stored) out.events.push_back(std::move(*a.stored));
  }
  return std::nullopt;
}

std::string answer_body(const batch_result& r) {
  std::string out = R"({"successes":[)";
  for (std::size_t i = 0; i < r.successes.size(); ++i) {
    out += i ? R"(,{"id":)" : R"({"id":)";
    common::append_json_string(out, common::valid_utf8_or_marked(r.successes[i]));
    out += R"(,"status":201})";
  }
  out += R"(],"errors":[)";
  for (std::size_t i = 0; i < r.errors.size(); ++i) {
    out += i ? R"(,{"id":)" : R"({"id":)";
    common::append_json_string(out, r.errors[i].id);
    out += R"(,"status":400,"message":"Invalid request data","error":)";
    common::append_json_string(out, common::valid_utf8_or_marked(r.errors[i].problem));
    out += '}';
  }
  return out + "]}";
}

}  // namespace tracepipe::ingest::langfuse
