#include "loadgen/otlp_body.hpp"

#include <charconv>
#include <optional>
#include <stdexcept>
#include <unordered_map>
#include <utility>

#include <fmt/format.h>

#include "common/json_out.hpp"

namespace tracepipe::loadgen {

namespace {

/// What ingest reads back as the run's type, project, metadata, tags,
/// inputs and outputs (README, OpenTelemetry: span → run).
std::vector<std::pair<std::string_view, std::string_view>> attributes_of(const generated_run& r) {
  return {{"langsmith.span.kind", r.run_type},
          {"langsmith.trace.session_name", r.project},
          {"langsmith.metadata.generator", "tracepipe"},
          {"langsmith.span.tags", "tracepipe"},
          {"gen_ai.prompt", r.inputs_json},
          {"gen_ai.completion", r.outputs_json}};
}

constexpr std::string_view service_name = "tracepipe-load", scope_name = "tracepipe.load";
constexpr int span_kind_internal = 1;

/// The 32 hex digits of a UUID's text.
std::string uuid_hex(std::string_view uuid) {
  std::string out;
  for (char c : uuid)
    if (c != '-') out += c;
  return out;
}

std::string bytes_of_hex(std::string_view hex) {
  std::string out(hex.size() / 2, '\0');
  for (std::size_t i = 0; i < out.size(); ++i) {
    unsigned byte = 0;
    std::from_chars(hex.data() + 2 * i, hex.data() + 2 * i + 2, byte, 16);
    out[i] = static_cast<char>(byte);
  }
  return out;
}

/// Where a run's trace root and parent are among the export's runs.
struct span_links {
  std::uint32_t root = 0;
  std::optional<std::uint32_t> parent;
};

std::vector<span_links> links_of(const std::vector<generated_run>& runs) {
  std::unordered_map<std::string_view, std::uint32_t> index;
  for (std::uint32_t i = 0; i < runs.size(); ++i) index.emplace(runs[i].id, i);
  auto at = [&](const std::string& id) {
    auto it = index.find(id);
    if (it == index.end()) throw std::invalid_argument("an OTLP export must hold every run's trace root and parent");
    return it->second;
  };
  std::vector<span_links> links(runs.size());
  for (std::uint32_t i = 0; i < runs.size(); ++i) {
    links[i].root = at(runs[i].trace_id);
    if (!runs[i].parent_run_id.empty()) links[i].parent = at(runs[i].parent_run_id);
  }
  return links;
}

// --- protobuf (field numbers: ingest/otlp/trace.proto) ---------------------

constexpr int varint_type = 0, fixed64_type = 1, bytes_type = 2;

void put_varint(std::string& out, std::uint64_t v) {
  for (; v >= 0x80; v >>= 7) out += static_cast<char>((v & 0x7f) | 0x80);
  out += static_cast<char>(v);
}

void put_tag(std::string& out, int field, int wire_type) { put_varint(out, static_cast<std::uint64_t>(field << 3 | wire_type)); }

/// A length-delimited field's tag and length, its bytes to follow.
std::string field_head(int field, std::size_t length) {
  std::string out;
  put_tag(out, field, bytes_type);
  put_varint(out, length);
  return out;
}

void put_bytes(std::string& out, int field, std::string_view bytes) {
  out += field_head(field, bytes.size());
  out += bytes;
}

void put_fixed64(std::string& out, int field, std::uint64_t v) {
  put_tag(out, field, fixed64_type);
  for (int i = 0; i < 8; ++i) out += static_cast<char>(v >> (8 * i));
}

/// KeyValue{key, AnyValue{string_value}}.
std::string key_value(std::string_view key, std::string_view value) {
  std::string any, kv;
  put_bytes(any, 1, value);
  put_bytes(kv, 1, key);
  put_bytes(kv, 2, any);
  return kv;
}

/// One Span; `ids` gets its id places, offsets from the span's first byte.
std::string proto_span(const std::vector<generated_run>& runs, std::uint32_t i, const span_links& link,
                       std::vector<otlp_id_place>& ids) {
  const auto& r = runs[i];
  std::string span;
  auto id_field = [&](int field, std::uint32_t run, bool trace) {
    auto hex = uuid_hex(runs[run].id);
    auto bytes = bytes_of_hex(trace ? std::string_view(hex) : std::string_view(hex).substr(16));
    span += field_head(field, bytes.size());
    ids.push_back({static_cast<std::uint32_t>(span.size()), run, trace});
    span += bytes;
  };
  id_field(1, link.root, true);
  id_field(2, i, false);
  if (link.parent) id_field(4, *link.parent, false);
  put_bytes(span, 5, r.name);
  put_tag(span, 6, varint_type);
  put_varint(span, span_kind_internal);
  put_fixed64(span, 7, static_cast<std::uint64_t>(r.start_us) * 1000);
  put_fixed64(span, 8, static_cast<std::uint64_t>(r.end_us) * 1000);
  for (auto [key, value] : attributes_of(r)) put_bytes(span, 9, key_value(key, value));
  return span;
}

/// ExportTraceServiceRequest{ResourceSpans{Resource, ScopeSpans{scope, spans…}}}:
/// the spans are serialized first, for the lengths in front of them.
otlp_export proto_export(const std::vector<generated_run>& runs, const std::vector<span_links>& links) {
  std::vector<std::string> spans;
  std::vector<std::vector<otlp_id_place>> span_ids(runs.size());
  std::string resource, scope, scope_field;
  put_bytes(resource, 1, key_value("service.name", service_name));
  put_bytes(scope, 1, scope_name);
  put_bytes(scope_field, 1, scope);
  auto scope_spans_length = scope_field.size();
  for (std::uint32_t i = 0; i < runs.size(); ++i) {
    spans.push_back(proto_span(runs, i, links[i], span_ids[i]));
    scope_spans_length += field_head(2, spans.back().size()).size() + spans.back().size();
  }
  auto resource_field = field_head(1, resource.size()) + resource;
  auto scope_spans_head = field_head(2, scope_spans_length);
  otlp_export out;
  out.body = field_head(1, resource_field.size() + scope_spans_head.size() + scope_spans_length);
  out.body += resource_field;
  out.body += scope_spans_head;
  out.body += scope_field;
  for (std::size_t i = 0; i < spans.size(); ++i) {
    out.body += field_head(2, spans[i].size());
    for (auto place : span_ids[i]) {
      place.offset += static_cast<std::uint32_t>(out.body.size());
      out.ids.push_back(place);
    }
    out.body += spans[i];
  }
  return out;
}

// --- JSON (OTLP/JSON: camelCase names, hex ids, 64-bit integers as strings)

otlp_export json_export(const std::vector<generated_run>& runs, const std::vector<span_links>& links) {
  otlp_export out;
  auto& b = out.body;
  auto id = [&](const char* name, std::uint32_t run, bool trace) {
    auto hex = uuid_hex(runs[run].id);
    b += fmt::format(R"("{}":")", name);
    out.ids.push_back({static_cast<std::uint32_t>(b.size()), run, trace});
    b += trace ? std::string_view(hex) : std::string_view(hex).substr(16);
    b += "\",";
  };
  auto string_value = [&](std::string_view key, std::string_view value) {
    b += R"({"key":)";
    common::append_json_string(b, key);
    b += R"(,"value":{"stringValue":)";
    common::append_json_string(b, value);
    b += "}}";
  };
  b += R"({"resourceSpans":[{"resource":{"attributes":[)";
  string_value("service.name", service_name);
  b += fmt::format(R"(]}},"scopeSpans":[{{"scope":{{"name":"{}"}},"spans":[)", scope_name);
  for (std::uint32_t i = 0; i < runs.size(); ++i) {
    const auto& r = runs[i];
    b += i ? ",{" : "{";
    id("traceId", links[i].root, true);
    id("spanId", i, false);
    if (links[i].parent) id("parentSpanId", *links[i].parent, false);
    b += R"("name":)";
    common::append_json_string(b, r.name);
    b += fmt::format(R"(,"kind":{},"startTimeUnixNano":"{}","endTimeUnixNano":"{}","attributes":[)",
                     span_kind_internal, r.start_us * 1000, r.end_us * 1000);
    bool first = true;
    for (auto [key, value] : attributes_of(r)) {
      if (!std::exchange(first, false)) b += ',';
      string_value(key, value);
    }
    b += "]}";
  }
  b += "]}]}]}";
  return out;
}

/// The varint at `at` (advanced past it); nullopt when cut short.
std::optional<std::uint64_t> read_varint(std::string_view bytes, std::size_t& at) {
  std::uint64_t v = 0;
  for (int shift = 0; at < bytes.size() && shift < 64; shift += 7) {
    auto byte = static_cast<unsigned char>(bytes[at++]);
    v |= static_cast<std::uint64_t>(byte & 0x7f) << shift;
    if (byte < 0x80) return v;
  }
  return std::nullopt;
}

/// Field `field` of a protobuf message, of `wire_type`: a varint's value,
/// or a length-delimited field's length with its bytes in `bytes`; nullopt
/// when absent or the message is cut short.
std::optional<std::uint64_t> find_field(std::string_view message, int field, int wire_type, std::string_view& bytes) {
  constexpr int fixed32_type = 5;
  for (std::size_t at = 0; at < message.size();) {
    auto tag = read_varint(message, at);
    if (!tag) return std::nullopt;
    auto type = static_cast<int>(*tag & 7);
    std::optional<std::uint64_t> value = 0;
    std::size_t skip = type == fixed64_type ? 8 : type == fixed32_type ? 4 : 0;
    if (type == varint_type || type == bytes_type) value = read_varint(message, at);
    if (value && type == bytes_type) skip = *value;
    if (!value || skip > message.size() - at) return std::nullopt;
    if (type == bytes_type) bytes = message.substr(at, skip);
    at += skip;
    if (static_cast<int>(*tag >> 3) == field && type == wire_type) return value;
  }
  return std::nullopt;
}

}  // namespace

std::int64_t otlp_rejected_spans(std::string_view answer, otlp_encoding e) {
  if (e == otlp_encoding::json) {
    // {"partialSuccess":{"rejectedSpans":"3",…}}: an int64, as a string or a number.
    auto key = answer.find("\"rejectedSpans\"");
    if (key == std::string_view::npos) return 0;
    auto digits = answer.find_first_of("0123456789", key);
    std::int64_t n = 0;
    if (digits != std::string_view::npos) std::from_chars(answer.data() + digits, answer.data() + answer.size(), n);
    return n;
  }
  std::string_view partial_success, ignored;
  if (!find_field(answer, 1, bytes_type, partial_success)) return 0;
  auto rejected = find_field(partial_success, 1, varint_type, ignored);
  return rejected ? static_cast<std::int64_t>(*rejected) : 0;
}

otlp_encoding otlp_encoding_of(protocol p) {
  return p == protocol::otlp_json ? otlp_encoding::json : otlp_encoding::protobuf;
}

std::string_view otlp_content_type(otlp_encoding e) {
  return e == otlp_encoding::protobuf ? "application/x-protobuf" : "application/json";
}

otlp_export otlp_export_of(const std::vector<generated_run>& runs, otlp_encoding e) {
  auto links = links_of(runs);
  return e == otlp_encoding::protobuf ? proto_export(runs, links) : json_export(runs, links);
}

}  // namespace tracepipe::loadgen
