#include "ingest/run_reader.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <new>
#include <stdexcept>
#include <unordered_set>

#include "common/json_members.hpp"
#include "common/run_fields.hpp"

namespace tracepipe::ingest {
namespace {

using simdjson::dom::element;
using simdjson::dom::element_type;

rejection invalid_run(std::string_view where, std::string_view field, std::string_view problem) {
  return {422, "invalid_run", fmt::format("{}.{} {}", where, field, problem)};
}

bool is_null(element e) { return e.type() == element_type::NULL_VALUE; }

/// The members of a run that read_run looks at, found in one pass over the
/// object (the first of a repeated key, as at_key finds it): twenty-odd
/// at_key calls were twenty-odd scans of it, a strlen each.
class run_members {
 public:
  explicit run_members(simdjson::dom::object run) {
    for (auto [key, value] : run)
      for (std::size_t i = 0; i < std::size(names); ++i)
        if (key == names[i]) {
          if (!found_[i]) {
            values_[i] = value;
            found_[i] = true;
          }
          break;
        }
  }
  /// As element::operator[]: the value, or NO_SUCH_FIELD.
  simdjson::simdjson_result<element> operator[](std::string_view name) const {
    for (std::size_t i = 0; i < std::size(names); ++i)
      if (name == names[i]) {
        if (!found_[i]) return simdjson::NO_SUCH_FIELD;
        return element(values_[i]);
      }
    throw std::logic_error("run_members: '" + std::string(name) + "' is not among the names it collects");
  }

 private:
  static constexpr std::string_view names[] = {
      "id",    "trace_id", "parent_run_id", "reference_example_id", "dotted_order", "run_type",
      "name",  "start_time", "end_time",    "inputs",               "outputs",      "extra",
      "serialized", "events", "error",      "tags",                 "session_name", "session_id"};
  std::array<element, std::size(names)> values_{};
  std::array<bool, std::size(names)> found_{};
};

/// A UUID-valued field: absent → "", null allowed when nullable.
std::optional<rejection> uuid_field(const run_members& run, std::string_view where, const char* field, std::string& out,
                                    bool required) {
  element v;
  if (run[field].get(v) != simdjson::SUCCESS || is_null(v)) {
    if (required) return invalid_run(where, field, "is required");
    return std::nullopt;
  }
  std::string_view s;
  if (v.get(s) != simdjson::SUCCESS || !common::is_uuid(s)) return invalid_run(where, field, "must be a UUID string");
  out = common::canonical_uuid(s);
  return std::nullopt;
}

std::optional<rejection> time_field(const run_members& run, std::string_view where, const char* field) {
  element v;
  if (run[field].get(v) != simdjson::SUCCESS || is_null(v)) return std::nullopt;
  std::string_view s;
  if (v.get(s) == simdjson::SUCCESS) {
    if (!common::parse_iso8601_us(s))
      return invalid_run(where, field, "is not an ISO-8601 time such as 2024-05-01T12:00:00.000Z");
    return std::nullopt;
  }
  double d;
  if (v.get(d) == simdjson::SUCCESS && common::epoch_number_to_us(d)) return std::nullopt;
  return invalid_run(where, field, "must be an ISO-8601 string or a non-negative epoch number");
}

/// Checks that an optional field, when present and not null, has one of the JSON types.
std::optional<rejection> typed_field(const run_members& run, std::string_view where, const char* field, element_type type,
                                     const char* type_name) {
  element v;
  if (run[field].get(v) != simdjson::SUCCESS || is_null(v)) return std::nullopt;
  if (v.type() != type) return invalid_run(where, field, fmt::format("must be {}", type_name));
  return std::nullopt;
}

struct field_type {
  const char* name;
  element_type type;
  const char* type_name;
};
constexpr field_type payload_fields[] = {
    {"inputs", element_type::OBJECT, "an object"},   {"outputs", element_type::OBJECT, "an object"},
    {"extra", element_type::OBJECT, "an object"},    {"serialized", element_type::OBJECT, "an object"},
    {"events", element_type::ARRAY, "an array"},     {"error", element_type::STRING, "a string"},
    {"tags", element_type::ARRAY, "an array"},       {"name", element_type::STRING, "a string"},
    {"session_name", element_type::STRING, "a string"}, {"session_id", element_type::STRING, "a string"},
};

const field_type* find_payload_field(std::string_view name) {
  for (const auto& f : payload_fields)
    if (name == f.name) return &f;
  return nullptr;
}

}  // namespace

run_reader::run_reader(reader_limits limits) : limits_(limits) {
  // The depth limit is enforced by simdjson itself while parsing.
  // simdjson counts one level more than the nesting a person would count
  // when the innermost container holds a value.
  if (parser_.allocate(64 * 1024, limits_.json_depth + 1) != simdjson::SUCCESS) throw std::bad_alloc();
}

std::optional<rejection> run_reader::parse(std::string_view json, std::string_view where, element& out) {
  auto err = parser_.parse(json.data(), json.size()).get(out);
  if (err == simdjson::SUCCESS) return std::nullopt;
  if (err == simdjson::DEPTH_ERROR)
    return rejection{400, "json_too_deep",
                     fmt::format("{} nests objects/arrays deeper than {} levels", where, limits_.json_depth)};
  if (err == simdjson::EMPTY) return rejection{400, "invalid_json", fmt::format("{} is empty", where)};
  return rejection{400, "invalid_json", fmt::format("{} is not valid JSON: {}", where, simdjson::error_message(err))};
}

std::string_view run_reader::compacted(std::string_view json) {
  // simdjson's SIMD minifier writes in blocks: room for one more.
  if (compact_.size() < json.size() + simdjson::SIMDJSON_PADDING) compact_.resize(json.size() + simdjson::SIMDJSON_PADDING);
  std::size_t length = 0;
  if (simdjson::minify(json.data(), json.size(), compact_.data(), length) != simdjson::SUCCESS) return {};
  return {compact_.data(), length};
}

std::optional<rejection> run_reader::read_run(element element_run, op_kind kind, bool require_trace,
                                              std::string_view id_hint, std::string_view where, std::string_view text,
                                              run_op& out) {
  simdjson::dom::object object;
  if (element_run.get(object) != simdjson::SUCCESS)
    return rejection{422, "invalid_run", fmt::format("{} is not a JSON object", where)};
  const run_members run(object);
  out.kind = kind;
  out.run_id.clear();
  if (auto r = uuid_field(run, where, "id", out.run_id, id_hint.empty())) return r;
  if (!id_hint.empty()) {
    if (!out.run_id.empty() && out.run_id != common::canonical_uuid(id_hint))
      return invalid_run(where, "id", fmt::format("'{}' does not match the id '{}' it is sent under", out.run_id, id_hint));
    out.run_id = common::canonical_uuid(id_hint);
  }
  if (auto r = uuid_field(run, where, "trace_id", out.trace_id, require_trace)) return r;
  std::string ignored;
  if (auto r = uuid_field(run, where, "parent_run_id", ignored, false)) return r;
  if (auto r = uuid_field(run, where, "reference_example_id", ignored, false)) return r;

  element dotted;
  if (run["dotted_order"].get(dotted) == simdjson::SUCCESS && !is_null(dotted)) {
    std::string_view s;
    if (dotted.get(s) != simdjson::SUCCESS) return invalid_run(where, "dotted_order", "must be a string");
    if (auto problem = common::check_dotted_order(s, out.run_id, out.trace_id))
      return invalid_run(where, "dotted_order", *problem);
  } else if (require_trace) {
    return invalid_run(where, "dotted_order", "is required");
  }

  element run_type;
  if (run["run_type"].get(run_type) == simdjson::SUCCESS && !is_null(run_type)) {
    std::string_view s;
    if (run_type.get(s) != simdjson::SUCCESS || !common::is_run_type(s))
      return invalid_run(where, "run_type", "must be one of llm, tool, chain, retriever, embedding, prompt, parser");
  } else if (kind == op_kind::post) {
    return invalid_run(where, "run_type", "is required");
  }
  if (kind == op_kind::post) {
    std::string_view name;
    if (run["name"].get(name) != simdjson::SUCCESS || name.empty())
      return invalid_run(where, "name", "is required and must be a non-empty string");
  }
  for (const char* t : {"start_time", "end_time"})
    if (auto r = time_field(run, where, t)) return r;
  for (const auto& f : payload_fields)
    if (auto r = typed_field(run, where, f.name, f.type, f.type_name)) return r;

  std::string_view project;
  out.project_named = (run["session_name"].get(project) == simdjson::SUCCESS && !project.empty()) ||
                      (run["session_id"].get(project) == simdjson::SUCCESS && !project.empty());
  out.project = std::string(out.project_named ? project : limits_.default_project);
  // The run's own text, compacted, when there is one; else written from the DOM.
  if (text.empty()) out.json = simdjson::minify(element_run);
  else out.json.assign(text);
  return std::nullopt;
}

std::optional<rejection> run_reader::read_single_post(std::string_view body, std::vector<run_op>& out) {
  element run;
  if (auto r = parse(body, "the body", run)) return r;
  run_op op;
  if (auto r = read_run(run, op_kind::post, true, {}, "run", compacted(body), op)) return r;
  out.push_back(std::move(op));
  return std::nullopt;
}

std::optional<rejection> run_reader::read_patch(std::string_view body, std::string_view url_run_id,
                                                std::vector<run_op>& out) {
  if (!common::is_uuid(url_run_id))
    return rejection{422, "invalid_run", fmt::format("the run id in the path, '{}', is not a UUID", url_run_id)};
  element run;
  if (auto r = parse(body, "the body", run)) return r;
  run_op op;
  if (auto r = read_run(run, op_kind::patch, false, url_run_id, "run", compacted(body), op)) return r;
  out.push_back(std::move(op));
  return std::nullopt;
}

std::optional<rejection> run_reader::read_batch(std::string_view body, std::vector<run_op>& out) {
  element doc;
  if (auto r = parse(body, "the body", doc)) return r;
  if (doc.type() != element_type::OBJECT)
    return rejection{422, "invalid_batch", "the body must be an object {\"post\": [...], \"patch\": [...]}"};
  // Each run's text is cut out of the compacted body (a run's array element
  // there is exactly the run the DOM checked) unless a top-level key is
  // escaped: the scan matches keys as written, the DOM as decoded.
  std::string_view text = compacted(body);
  bool by_text = !text.empty() && common::json_object_members(text, members_, compact_scan_) &&
                 std::none_of(members_.begin(), members_.end(),
                              [](const common::json_member& m) { return m.key.find('\\') != std::string_view::npos; });
  std::size_t total = 0;
  for (auto kind : {op_kind::post, op_kind::patch}) {
    element list;
    if (doc[to_string(kind)].get(list) != simdjson::SUCCESS || is_null(list)) continue;
    simdjson::dom::array runs;
    if (list.get(runs) != simdjson::SUCCESS)
      return rejection{422, "invalid_batch", fmt::format("'{}' must be an array of runs", to_string(kind))};
    total += runs.size();
    if (total > limits_.max_runs)
      return rejection{413, "too_many_runs", fmt::format("the batch has more than {} runs", limits_.max_runs)};
    run_texts_.clear();
    if (by_text) {
      auto member = std::find_if(members_.begin(), members_.end(),
                                 [&](const common::json_member& m) { return m.key == to_string(kind); });
      if (member == members_.end() || !common::json_array_elements(member->value, run_texts_)) run_texts_.clear();
    }
    bool have_texts = run_texts_.size() == runs.size();
    std::unordered_set<std::string> seen;
    std::size_t index = 0;
    for (element run : runs) {
      run_op op;
      std::string_view run_text = have_texts ? run_texts_[index] : std::string_view();
      auto where = fmt::format("{}[{}]", to_string(kind), index++);
      if (auto r = read_run(run, kind, true, {}, where, run_text, op)) return r;
      if (!seen.insert(op.run_id).second)
        return invalid_run(where, "id", fmt::format("'{}' appears twice in '{}'", op.run_id, to_string(kind)));
      out.push_back(std::move(op));
    }
  }
  return std::nullopt;
}

std::optional<rejection> run_reader::read_part_run(std::string_view json, op_kind kind, std::string_view part_id,
                                                   std::string_view where, run_op& out) {
  if (!common::is_uuid(part_id))
    return rejection{422, "invalid_run", fmt::format("part '{}' does not name a run UUID", where)};
  element run;
  if (auto r = parse(json, fmt::format("part '{}'", where), run)) return r;
  return read_run(run, kind, true, part_id, where, compacted(json), out);
}

std::optional<rejection> run_reader::check_field(std::string_view json, std::string_view field,
                                                 std::string_view where) {
  const field_type* type = find_payload_field(field);
  element value;
  if (auto r = parse(json, fmt::format("part '{}'", where), value)) return r;
  if (type && !is_null(value) && value.type() != type->type)
    return rejection{422, "invalid_run", fmt::format("part '{}' must be {}", where, type->type_name)};
  return std::nullopt;
}

}  // namespace tracepipe::ingest
