#include "ingest/langfuse/body_rules.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <initializer_list>

#include "common/run_fields.hpp"

namespace tracepipe::ingest::langfuse {
namespace {

using simdjson::dom::element;
using simdjson::dom::element_type;
using common::langfuse::entity;

/// Checks on one body, in order; the first problem found is kept. Absent
/// and null fields pass every check but `required` (zod's nullish()).
class body_check {
 public:
  explicit body_check(simdjson::dom::object body) : body_(body) {}

  const std::optional<std::string>& problem() const { return problem_; }

  /// The field, when present and not null.
  std::optional<element> get(const char* field) const {
    element v;
    if (body_[field].get(v) != simdjson::SUCCESS || v.is_null()) return std::nullopt;
    return v;
  }

  void required(const char* field) {
    if (!get(field)) fail(field, "is required");
  }
  void id(const char* field) {
    auto v = get(field);
    std::string_view s;
    if (v && (v->get(s) != simdjson::SUCCESS || !is_langfuse_id(s)))
      fail(field, "must be a string of 1 to 800 characters without a carriage return");
  }
  void text(const char* field, std::size_t max = 0) {
    auto v = get(field);
    std::string_view s;
    if (!v) return;
    if (v->get(s) != simdjson::SUCCESS) return fail(field, "must be a string");
    if (max && s.size() > max) fail(field, fmt::format("must be at most {} characters", max));
  }
  void time(const char* field) {
    auto v = get(field);
    std::string_view s;
    if (v && (v->get(s) != simdjson::SUCCESS || !is_zoned_time(s)))
      fail(field, "must be an ISO-8601 time with a zone, such as 2024-05-01T12:00:00.000Z");
  }
  void one_of(const char* field, std::initializer_list<std::string_view> allowed) {
    auto v = get(field);
    std::string_view s;
    if (!v) return;
    if (v->get(s) == simdjson::SUCCESS)
      for (auto a : allowed)
        if (s == a) return;
    fail(field, fmt::format("must be one of {}", fmt::join(allowed, ", ")));
  }
  void of_type(const char* field, element_type type, const char* type_name) {
    auto v = get(field);
    if (v && v->type() != type) fail(field, fmt::format("must be {}", type_name));
  }
  void strings(const char* field) {
    auto v = get(field);
    simdjson::dom::array a;
    if (!v) return;
    if (v->get(a) != simdjson::SUCCESS) return fail(field, "must be an array of strings");
    for (element e : a)
      if (e.type() != element_type::STRING) return fail(field, "must be an array of strings");
  }
  void integer(const char* field) {
    auto v = get(field);
    if (v && v->type() != element_type::INT64 && v->type() != element_type::UINT64) fail(field, "must be an integer");
  }
  /// Langfuse's environment names: lower-case letters, digits, '-' and '_', at most 40, not starting with "langfuse".
  void environment() {
    auto v = get("environment");
    std::string_view s;
    if (!v) return;
    bool ok = v->get(s) == simdjson::SUCCESS && !s.empty() && s.size() <= 40 && !s.starts_with("langfuse");
    for (char c : s) ok = ok && ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_');
    if (!ok)
      fail("environment",
           "must be 1 to 40 lower-case letters, digits, '-' or '_', not starting with 'langfuse'");
  }
  void fail(std::string_view field, std::string_view what) {
    if (!problem_) problem_ = fmt::format("body.{}: {}", field, what);
  }

 private:
  simdjson::dom::object body_;
  std::optional<std::string> problem_;
};

void check_trace(body_check& c) {
  c.id("id");
  c.time("timestamp");
  c.text("name", 1000);
  for (const char* f : {"externalId", "sessionId", "userId", "release", "version"}) c.text(f);
  c.of_type("public", element_type::BOOL, "true or false");
  c.strings("tags");
}

void check_observation(body_check& c, const common::langfuse::event_type& type) {
  if (type.body_id_required) c.required("id");
  c.id("id");
  c.id("traceId");
  for (const char* f : {"name", "statusMessage", "parentObservationId", "version", "model", "promptName"}) c.text(f);
  for (const char* f : {"startTime", "endTime", "completionStartTime"}) c.time(f);
  c.one_of("level", {"DEBUG", "DEFAULT", "WARNING", "ERROR"});
  c.of_type("modelParameters", element_type::OBJECT, "an object");
  c.of_type("usageDetails", element_type::OBJECT, "an object");
  c.of_type("costDetails", element_type::OBJECT, "an object");
  c.integer("promptVersion");
  // Generations name their prompt with both or neither.
  if (c.get("promptName").has_value() != c.get("promptVersion").has_value())
    c.fail("promptName", "and body.promptVersion must be set together or not at all");
  if (type.observation_type.empty()) {  // legacy observation-create/-update: the body says which
    c.required("type");
    c.one_of("type", {"GENERATION", "SPAN", "EVENT"});
  }
}

void check_score(body_check& c) {
  c.id("id");
  c.required("name");
  c.text("name");
  std::string_view name;
  if (!c.problem() && c.get("name")->get(name) == simdjson::SUCCESS && name.empty()) c.fail("name", "must not be empty");
  for (const char* f : {"traceId", "sessionId", "datasetRunId", "observationId", "comment", "configId"}) c.text(f);
  c.one_of("source", {"API", "EVAL", "ANNOTATION"});
  c.one_of("dataType", {"NUMERIC", "CATEGORICAL", "BOOLEAN", "CORRECTION", "TEXT"});
  c.required("value");
  auto value = c.get("value");
  if (!value || c.problem()) return;
  bool number = value->is_number(), text = value->type() == element_type::STRING;
  std::string_view data_type;
  if (auto d = c.get("dataType")) data_type = d->get_string().value_unsafe();
  if (data_type == "NUMERIC" && !number) c.fail("value", "must be a number for dataType NUMERIC");
  else if (data_type == "BOOLEAN" && !(number && (value->get_double().value_unsafe() == 0 ||
                                                  value->get_double().value_unsafe() == 1)))
    c.fail("value", "must be 0 or 1 for dataType BOOLEAN");
  else if ((data_type == "CATEGORICAL" || data_type == "CORRECTION" || data_type == "TEXT") && !text)
    c.fail("value", fmt::format("must be a string for dataType {}", data_type));
  else if (!number && !text)
    c.fail("value", "must be a number or a string");
}

}  // namespace

bool is_langfuse_id(std::string_view s) {
  return !s.empty() && s.size() <= 800 && s.find('\r') == std::string_view::npos;
}

bool is_zoned_time(std::string_view s) {
  if (!common::parse_iso8601_us(s)) return false;
  // parse_iso8601_us takes a time without a zone too; Langfuse does not.
  auto zone = s.find_first_of("Zz+-", 19);
  return zone != std::string_view::npos;
}

std::optional<std::string> body_problem(const common::langfuse::event_type& type, simdjson::dom::object body) {
  body_check c(body);
  if (type.name == "sdk-log") {
    c.required("log");
  } else if (type.name == "dataset-run-item-create") {
    // Langfuse's public API refuses it: "only allowed for internal usage".
    c.fail("datasetId", "dataset run items are only created by Langfuse itself, not through the public API");
  } else {
    c.environment();
    switch (type.stored_as) {
      case entity::trace: check_trace(c); break;
      case entity::observation: check_observation(c, type); break;
      case entity::score: check_score(c); break;
      case entity::none: break;
    }
  }
  return c.problem();
}

}  // namespace tracepipe::ingest::langfuse
