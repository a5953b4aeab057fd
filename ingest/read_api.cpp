#include "ingest/read_api.hpp"

#include <charconv>
#include <set>

#include <fmt/format.h>
#include <simdjson.h>

#include "common/run_fields.hpp"
#include "common/url_text.hpp"
#include "ingest/api_path.hpp"

namespace tracepipe::ingest {
namespace {

using simdjson::dom::element;
using simdjson::dom::element_type;

constexpr std::string_view cursor_prefix = "tp1:";

rejection bad(std::string_view field, std::string why) {
  return {400, "invalid_query", fmt::format("{}: {}", field, why)};
}

std::optional<rejection> uuid_into(std::string_view field, element v, std::optional<std::string>& out) {
  std::string_view s;
  if (v.get(s) || !common::is_uuid(s)) return bad(field, "expected a run id (UUID) or null");
  out = common::canonical_uuid(s);
  return std::nullopt;
}

std::optional<rejection> uuids_into(std::string_view field, element v, std::vector<std::string>& out) {
  simdjson::dom::array list;
  if (v.is_string()) {  // one id where a list is expected: taken as a list of one
    std::optional<std::string> one;
    if (auto r = uuid_into(field, v, one)) return r;
    out.push_back(*one);
    return std::nullopt;
  }
  if (v.get(list)) return bad(field, "expected a list of UUIDs or null");
  for (element item : list) {
    std::optional<std::string> one;
    if (auto r = uuid_into(field, item, one)) return r;
    out.push_back(*one);
  }
  return std::nullopt;
}

/// Reads one member of the query body into `q`.
std::optional<rejection> member_into(std::string_view key, element v, run_query& q, std::size_t max_limit) {
  if (key == "session") return uuids_into(key, v, q.sessions);
  if (key == "id") return uuids_into(key, v, q.ids);
  if (key == "trace") return uuid_into(key, v, q.trace);
  if (key == "parent_run") return uuid_into(key, v, q.parent_run);
  if (key == "run_type") {
    std::string_view s;
    if (v.get(s) || !common::is_run_type(s)) return bad(key, "expected llm, chain, tool, retriever, embedding, prompt or parser");
    q.run_type = std::string(s);
    return std::nullopt;
  }
  if (key == "is_root") {
    bool b = false;
    if (v.get(b)) return bad(key, "expected true, false or null");
    q.is_root = b;
    return std::nullopt;
  }
  if (key == "start_time") {
    std::string_view s;
    auto us = v.get(s) ? std::nullopt : common::parse_iso8601_us(s);
    if (!us || *us < 0) return bad(key, "expected an ISO 8601 time or null");
    q.start_time_us = static_cast<std::uint64_t>(*us);
    return std::nullopt;
  }
  if (key == "limit") {
    std::int64_t n = 0;
    if (v.get(n) || n < 1 || static_cast<std::uint64_t>(n) > max_limit)
      return bad(key, fmt::format("must be a whole number from 1 to {}", max_limit));
    q.limit = static_cast<std::size_t>(n);
    return std::nullopt;
  }
  if (key == "cursor") {
    std::string_view s;
    auto offset = v.get(s) ? std::nullopt : offset_of(s);
    if (!offset) return bad(key, "not a cursor this server gave out (cursors.next of an earlier page)");
    q.offset = *offset;
    return std::nullopt;
  }
  if (key == "order") {
    std::string_view s;
    if (v.get(s) || (s != "asc" && s != "desc")) return bad(key, "expected \"asc\", \"desc\" or null");
    q.ascending = s == "asc";
    return std::nullopt;
  }
  if (key == "select") return std::nullopt;  // every field is returned
  static const std::set<std::string_view> unsupported = {"reference_example", "query",           "filter",
                                                         "trace_filter",      "tree_filter",     "execution_order",
                                                         "error",             "data_source_type", "skip_pagination"};
  if (unsupported.count(key))
    return rejection{400, "unsupported_filter",
                     fmt::format("{}: not supported by tracepipe's read API (it answers session, id, trace, "
                                 "parent_run, run_type, is_root, start_time, limit, cursor, order)",
                                 key)};
  return rejection{400, "unknown_field", fmt::format("{}: not a field of a runs query", key)};
}

std::variant<read_request, rejection> parse_query(std::string_view body, std::size_t max_limit) {
  simdjson::dom::parser parser;
  simdjson::dom::object obj;
  if (parser.parse(body.data(), body.size()).get(obj))
    return rejection{400, "invalid_json", "the body of POST /runs/query must be a JSON object"};
  run_query q;
  q.limit = std::min<std::size_t>(q.limit, max_limit);
  for (auto [key, value] : obj) {
    if (value.is_null()) continue;  // the SDK sends every filter, unset ones as null
    if (auto r = member_into(key, value, q, max_limit)) return *r;
  }
  return read_request{std::move(q)};
}

}  // namespace

std::string cursor_after(std::size_t offset) { return fmt::format("{}{}", cursor_prefix, offset); }

std::optional<std::size_t> offset_of(std::string_view cursor) {
  if (!cursor.starts_with(cursor_prefix)) return std::nullopt;
  cursor.remove_prefix(cursor_prefix.size());
  std::size_t n = 0;
  auto [end, ec] = std::from_chars(cursor.data(), cursor.data() + cursor.size(), n);
  if (ec != std::errc{} || end != cursor.data() + cursor.size() || cursor.empty()) return std::nullopt;
  return n;
}

std::variant<read_request, rejection> parse_read(bool is_post, std::string_view target, std::string_view body,
                                                 std::size_t max_limit) {
  auto path = api_path(target);
  if (is_post) return parse_query(body, max_limit);
  if (path == "/sessions") {
    std::string malformed;
    auto name = common::query_param(target, "name", &malformed);
    if (!malformed.empty()) return bad("name", fmt::format("the request's query string is malformed: {}", malformed));
    if (!name || name->empty())
      return bad("name", "GET /sessions answers a lookup by project name only (?name=PROJECT)");
    return read_request{session_lookup{std::move(*name)}};
  }
  auto id = path.substr(std::string_view("/runs/").size());
  if (!common::is_uuid(id)) return bad("run_id", fmt::format("'{}' is not a UUID", id));
  return read_request{run_lookup{common::canonical_uuid(id)}};
}

}  // namespace tracepipe::ingest
