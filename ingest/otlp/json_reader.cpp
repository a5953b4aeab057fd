#include "ingest/otlp/json_reader.hpp"

#include <fmt/format.h>

#include <charconv>

#include "common/base64.hpp"
#include "trace.pb.h"

namespace tracepipe::ingest::otlp {
namespace {

using simdjson::dom::element;
using simdjson::dom::element_type;
using simdjson::dom::object;

constexpr int max_value_depth = 32;  // nested arrays/kvlists in one attribute value

/// A problem at a path: unwinds the reader to read_json_export.
struct bad_json {
  std::string where;
  std::string problem;
};

std::string at(std::string_view where, std::string_view key) {
  return where.empty() ? std::string(key) : fmt::format("{}.{}", where, key);
}
std::string at(std::string_view where, std::size_t i) { return fmt::format("{}[{}]", where, i); }

/// `obj[key]` as `want` (an array, an object or a string), or nullopt when
/// absent or null; another type is a problem.
std::optional<element> member(object obj, std::string_view key, element_type want, std::string_view where) {
  element v;
  if (obj[key].get(v) != simdjson::SUCCESS || v.type() == element_type::NULL_VALUE) return std::nullopt;
  if (v.type() != want)
    throw bad_json{at(where, key), want == element_type::ARRAY    ? "must be an array"
                                   : want == element_type::OBJECT ? "must be an object"
                                                                  : "must be a string"};
  return v;
}

/// Calls each(item, "where.key[i]") for the items of the array obj[key], if any.
template <typename Each>
void for_each_item(object obj, std::string_view key, std::string_view where, Each each) {
  auto list = member(obj, key, element_type::ARRAY, where);
  if (!list) return;
  std::size_t i = 0;
  simdjson::dom::array items;
  // In a variable: a range over get_array().value() would dangle.
  if (list->get(items) != simdjson::SUCCESS) return;
  for (element item : items) each(item, at(at(where, key), i++));
}

object as_object(element e, std::string_view where) {
  object o;
  if (e.get(o) != simdjson::SUCCESS) throw bad_json{std::string(where), "must be an object"};
  return o;
}

std::string_view string_member(object obj, std::string_view key, std::string_view where) {
  auto v = member(obj, key, element_type::STRING, where);
  return v ? v->get_string().value() : std::string_view{};
}

/// A 64-bit integer sent as a decimal string or as a JSON number; 0 when absent.
template <typename Int>
Int integer_member(object obj, std::string_view key, std::string_view where) {
  element v;
  if (obj[key].get(v) != simdjson::SUCCESS || v.type() == element_type::NULL_VALUE) return 0;
  Int n{};
  if (v.type() == element_type::STRING) {
    auto s = v.get_string().value();
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), n);
    if (ec == std::errc{} && p == s.data() + s.size()) return n;
  } else if constexpr (std::is_signed_v<Int>) {
    if (v.get_int64().get(n) == simdjson::SUCCESS) return n;
  } else {
    if (v.get_uint64().get(n) == simdjson::SUCCESS) return n;
  }
  throw bad_json{at(where, key), std::is_signed_v<Int> ? "must be a 64-bit integer (a number or a decimal string)"
                                                       : "must be an unsigned 64-bit integer (a number or a decimal string)"};
}

void read_value(element e, std::string_view where, int depth, wire::AnyValue& out);

/// The KeyValue list obj[key] (attributes, kvlistValue.values).
void read_key_values(object obj, std::string_view key, std::string_view where, int depth,
                     google::protobuf::RepeatedPtrField<wire::KeyValue>& out) {
  for_each_item(obj, key, where, [&](element kv, const std::string& here) {
    auto pair = as_object(kv, here);
    auto* added = out.Add();
    added->set_key(std::string(string_member(pair, "key", here)));
    element v;
    if (pair["value"].get(v) == simdjson::SUCCESS && v.type() != element_type::NULL_VALUE)
      read_value(v, at(here, "value"), depth, *added->mutable_value());
  });
}

void read_value(element e, std::string_view where, int depth, wire::AnyValue& out) {
  if (depth > max_value_depth) throw bad_json{std::string(where), fmt::format("nests deeper than {}", max_value_depth)};
  auto obj = as_object(e, where);
  element v;
  if (obj["stringValue"].get(v) == simdjson::SUCCESS && v.is_string()) {
    out.set_string_value(std::string(v.get_string().value()));
  } else if (obj["boolValue"].get(v) == simdjson::SUCCESS && v.is_bool()) {
    out.set_bool_value(v.get_bool().value());
  } else if (obj["intValue"].get(v) == simdjson::SUCCESS) {
    out.set_int_value(integer_member<std::int64_t>(obj, "intValue", where));
  } else if (obj["doubleValue"].get(v) == simdjson::SUCCESS) {
    double d;
    if (v.get(d) != simdjson::SUCCESS) throw bad_json{at(where, "doubleValue"), "must be a number"};
    out.set_double_value(d);
  } else if (obj["arrayValue"].get(v) == simdjson::SUCCESS) {
    auto here = at(where, "arrayValue");
    auto* list = out.mutable_array_value();
    for_each_item(as_object(v, here), "values", here,
                  [&](element item, const std::string& at_item) { read_value(item, at_item, depth + 1, *list->add_values()); });
  } else if (obj["kvlistValue"].get(v) == simdjson::SUCCESS) {
    auto here = at(where, "kvlistValue");
    read_key_values(as_object(v, here), "values", here, depth + 1, *out.mutable_kvlist_value()->mutable_values());
  } else if (obj["bytesValue"].get(v) == simdjson::SUCCESS) {
    std::string_view text;
    std::optional<std::string> bytes;
    if (v.get(text) == simdjson::SUCCESS) bytes = common::decode_base64(text, true);
    if (!bytes) throw bad_json{at(where, "bytesValue"), "must be base64"};
    out.set_bytes_value(std::move(*bytes));
  }
  // {} or an unknown kind: an empty value, as protobuf leaves an unset oneof.
}

std::string read_id(object obj, std::string_view key, std::size_t bytes, std::string_view where) {
  auto text = string_member(obj, key, where);
  auto id = id_bytes(text, bytes);
  if (!id)
    throw bad_json{at(where, key), fmt::format("must be {} hex digits (or the base64 of {} bytes), got '{}'",
                                               2 * bytes, bytes, text.substr(0, 64))};
  return std::move(*id);
}

void read_span(object obj, std::string_view where, wire::Span& span) {
  span.set_trace_id(read_id(obj, "traceId", 16, where));
  span.set_span_id(read_id(obj, "spanId", 8, where));
  span.set_parent_span_id(read_id(obj, "parentSpanId", 8, where));
  span.set_name(std::string(string_member(obj, "name", where)));
  span.set_kind(static_cast<std::int32_t>(integer_member<std::int64_t>(obj, "kind", where)));
  span.set_start_time_unix_nano(integer_member<std::uint64_t>(obj, "startTimeUnixNano", where));
  span.set_end_time_unix_nano(integer_member<std::uint64_t>(obj, "endTimeUnixNano", where));
  read_key_values(obj, "attributes", where, 0, *span.mutable_attributes());
  for_each_item(obj, "events", where, [&](element e, const std::string& here) {
    auto event = as_object(e, here);
    auto* added = span.add_events();
    added->set_time_unix_nano(integer_member<std::uint64_t>(event, "timeUnixNano", here));
    added->set_name(std::string(string_member(event, "name", here)));
    read_key_values(event, "attributes", here, 0, *added->mutable_attributes());
  });
  if (auto status = member(obj, "status", element_type::OBJECT, where)) {
    auto here = at(where, "status");
    auto s = status->get_object().value();
    span.mutable_status()->set_code(static_cast<std::int32_t>(integer_member<std::int64_t>(s, "code", here)));
    span.mutable_status()->set_message(std::string(string_member(s, "message", here)));
  }
}

}  // namespace

std::optional<std::string> id_bytes(std::string_view text, std::size_t bytes) {
  if (text.empty()) return std::string{};
  if (text.size() == 2 * bytes) {
    std::string out(bytes, '\0');
    for (std::size_t i = 0; i < bytes; ++i) {
      unsigned v = 0;
      auto [p, ec] = std::from_chars(text.data() + 2 * i, text.data() + 2 * i + 2, v, 16);
      if (ec != std::errc{} || p != text.data() + 2 * i + 2) return std::nullopt;
      out[i] = static_cast<char>(v);
    }
    return out;
  }
  auto decoded = common::decode_base64(text, true);
  if (decoded && decoded->size() == bytes) return decoded;
  return std::nullopt;
}

std::optional<rejection> read_json_export(std::string_view body, simdjson::dom::parser& parser,
                                          wire::ExportTraceServiceRequest& out) {
  element root;
  if (auto error = parser.parse(body).get(root))
    return rejection{400, "invalid_json", fmt::format("the body is not JSON: {}", simdjson::error_message(error))};
  try {
    auto request = as_object(root, "the body");
    for_each_item(request, "resourceSpans", "", [&](element rs, const std::string& where) {
      auto resource_spans = as_object(rs, where);
      auto* added = out.add_resource_spans();
      if (auto resource = member(resource_spans, "resource", element_type::OBJECT, where))
        read_key_values(resource->get_object().value(), "attributes", at(where, "resource"), 0,
                        *added->mutable_resource()->mutable_attributes());
      for_each_item(resource_spans, "scopeSpans", where, [&](element ss, const std::string& scope_where) {
        auto scope_spans = as_object(ss, scope_where);
        auto* scope_added = added->add_scope_spans();
        if (auto scope = member(scope_spans, "scope", element_type::OBJECT, scope_where)) {
          auto obj = scope->get_object().value();
          auto here = at(scope_where, "scope");
          scope_added->mutable_scope()->set_name(std::string(string_member(obj, "name", here)));
          scope_added->mutable_scope()->set_version(std::string(string_member(obj, "version", here)));
        }
        for_each_item(scope_spans, "spans", scope_where, [&](element span, const std::string& span_where) {
          read_span(as_object(span, span_where), span_where, *scope_added->add_spans());
        });
      });
    });
  } catch (const bad_json& bad) {
    return rejection{400, "invalid_otlp", fmt::format("{}: {}", bad.where, bad.problem)};
  }
  return std::nullopt;
}

}  // namespace tracepipe::ingest::otlp
