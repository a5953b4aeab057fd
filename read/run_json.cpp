#include "read/run_json.hpp"

#include <simdjson.h>

#include "common/json_out.hpp"
#include "common/run_fields.hpp"
#include "ingest/read_api.hpp"
#include "read/run_queries.hpp"
#include "sink/schema.hpp"

namespace tracepipe::read {
namespace {

using common::append_json_string;
using simdjson::dom::element;

void key(std::string& out, std::string_view name) {
  out += out.size() > 1 ? ",\"" : "\"";
  out += name;
  out += "\":";
}

void text_or_null(std::string& out, std::string_view name, std::string_view value) {
  key(out, name);
  if (value.empty()) out += "null";
  else append_json_string(out, value);
}

void time_or_null(std::string& out, std::string_view name, std::uint64_t us) {
  key(out, name);
  if (us == 0) out += "null";
  else append_json_string(out, common::iso8601_of_us(static_cast<std::int64_t>(us)));
}

}  // namespace

std::optional<std::string> run_json(std::string_view row) {
  simdjson::dom::parser parser;
  simdjson::dom::object r;
  if (parser.parse(row.data(), row.size()).get(r)) return std::nullopt;
  auto text = [&](const char* name) {
    std::string_view s;
    return r[name].get(s) ? std::string_view() : s;
  };
  auto number = [&](const char* name) {
    std::uint64_t n = 0;
    if (r[name].get(n)) {  // JSONEachRow quotes 64-bit numbers (output_format_json_quote_64bit_integers)
      std::string_view s;
      if (!r[name].get(s)) n = std::strtoull(std::string(s).c_str(), nullptr, 10);
    }
    return n;
  };
  auto id = text("id");
  if (!common::is_uuid(id)) return std::nullopt;
  std::string out = "{";
  text_or_null(out, "id", id);
  for (const char* f : {"name", "run_type", "parent_run_id", "trace_id", "dotted_order", "reference_example_id"})
    text_or_null(out, f, text(f));
  time_or_null(out, "start_time", number("start_time_us"));
  time_or_null(out, "end_time", number("end_time_us"));
  bool failed = false;
  simdjson::dom::parser value_parser;
  for (const char* f : sink::payload_fields) {
    auto value = text(f);
    auto s3 = text((std::string(f) + "_s3").c_str());
    key(out, f);
    // The field as the client sent it: JSON text, checked again before it is embedded.
    if (!value.empty() && !value_parser.parse(value.data(), value.size()).error()) out += value;
    else out += "null";
    if (!s3.empty()) text_or_null(out, std::string(f) + "_s3", s3);
    if (std::string_view(f) == "error" && (!value.empty() || !s3.empty()) && value != "null") failed = true;
  }
  key(out, "tags");
  element tags;
  out += r["tags"].get(tags) ? "[]" : simdjson::minify(tags);
  auto tenant = text("tenant");
  auto project = text("project");
  text_or_null(out, "session_id", project_id(tenant, project));
  text_or_null(out, "session_name", project);
  key(out, "status");
  out += failed ? "\"error\"" : number("end_time_us") ? "\"success\"" : "\"pending\"";
  out += '}';
  return out;
}

std::optional<std::vector<std::string>> runs_of(std::string_view body) {
  std::vector<std::string> runs;
  while (!body.empty()) {
    auto nl = body.find('\n');
    auto line = body.substr(0, nl);
    body = nl == std::string_view::npos ? std::string_view() : body.substr(nl + 1);
    if (line.empty()) continue;
    auto run = run_json(line);
    if (!run) return std::nullopt;
    runs.push_back(std::move(*run));
  }
  return runs;
}

std::string query_page_json(std::vector<std::string> runs, std::size_t limit, std::size_t offset) {
  bool more = runs.size() > limit;
  if (more) runs.resize(limit);
  std::string out = "{\"runs\":[";
  for (std::size_t i = 0; i < runs.size(); ++i) {
    if (i) out += ',';
    out += runs[i];
  }
  out += "],\"cursors\":{\"next\":";
  if (more) append_json_string(out, ingest::cursor_after(offset + limit));
  else out += "null";
  return out + "}}";
}

std::string sessions_json(std::string_view tenant, std::string_view name, std::optional<std::int64_t> first_received_us) {
  if (!first_received_us) return "[]";
  std::string body = "{";
  text_or_null(body, "id", project_id(tenant, name));
  text_or_null(body, "name", name);
  text_or_null(body, "tenant_id", tenant);
  time_or_null(body, "start_time", static_cast<std::uint64_t>(*first_received_us));
  return "[" + body + "}]";
}

}  // namespace tracepipe::read
