#include "sink/row_builder.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>

#include <fmt/format.h>

#include "common/base64.hpp"
#include "common/json_members.hpp"
#include "common/json_out.hpp"
#include "common/run_fields.hpp"
#include "queue/entry_fields.hpp"
#include "sink/detail/row_json.hpp"
#include "sink/schema.hpp"

namespace tracepipe::sink {
namespace {

namespace field = queue::entry_field;
using common::append_json_string;
using simdjson::dom::element;
using namespace detail;

/// "part.<field>" of every payload field: the stream field of a multipart part.
const std::vector<std::string>& part_names() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> v;
    for (const char* f : payload_fields) v.push_back(field::part(f));
    return v;
  }();
  return names;
}

std::string_view string_field(element run, const char* name) {
  std::string_view v;
  return run[name].get(v) == simdjson::SUCCESS ? v : std::string_view{};
}

std::uint64_t time_field(element run, const char* name) {
  element v;
  if (run[name].get(v) != simdjson::SUCCESS) return 0;
  std::string_view s;
  if (v.get(s) == simdjson::SUCCESS) return static_cast<std::uint64_t>(common::parse_iso8601_us(s).value_or(0));
  double d;
  if (v.get(d) == simdjson::SUCCESS) return static_cast<std::uint64_t>(common::epoch_number_to_us(d).value_or(0));
  return 0;
}

/// Client-chosen attachment names become safe object-key segments.
std::string key_segment(std::string_view name) {
  std::string out;
  for (unsigned char c : name) {
    if (std::isalnum(c) || c == '-' || c == '_') out += static_cast<char>(c);
    else out += fmt::format("%{:02X}", c);
  }
  return out;
}

}  // namespace

bool row_builder::payload_members(std::string_view run_json, element run) {
  normalized_.clear();
  bool compact = false;
  if (!common::json_object_members(run_json, members_, compact)) return false;
  // Ingest writes runs compact, with keys unescaped; an entry written
  // otherwise is made so first (payload columns hold compact JSON).
  bool plain_keys = std::none_of(members_.begin(), members_.end(), [](const common::json_member& m) {
    return m.key.find('\\') != std::string_view::npos;
  });
  if (compact && plain_keys) return true;
  normalized_ = simdjson::minify(run);
  return common::json_object_members(normalized_, members_, compact);
}

std::string_view row_builder::member(std::string_view key) const {
  for (const auto& m : members_)
    if (m.key == key) return m.value == "null" ? std::string_view() : m.value;
  return {};
}

std::string blob_key(std::string_view run_id, std::string_view kind, std::string_view field) {
  return fmt::format("runs/{}/{}/{}", run_id, kind, field);
}

void built_row::render(std::string& out, std::uint64_t sent_at_us) const {
  out += json;
  out += ",\"sent_at_us\":";
  append_u64(out, sent_at_us);
  out += "}\n";
}

std::optional<std::string> row_builder::build(const queue::stream_message& m, std::uint64_t dequeued_at_us,
                                              built_row& out) {
  // Cleared, not replaced: a reused row keeps its string's capacity (unless
  // an outsized row left it huge: that memory is not held on to).
  if (out.json.capacity() > (256 << 10)) out.json = std::string();
  out.json.clear();
  out.blobs.clear();
  out.inline_bytes = 0;
  out.langfuse = common::langfuse::entity::none;
  auto run_id = m.field(field::run_id);
  auto kind = m.field(field::kind);
  if (!common::is_uuid(run_id) || (kind != "post" && kind != "patch"))
    return "entry has no valid run_id/kind: not written by tracepipe ingest?";
  element run;
  if (auto err = parser_.parse(m.field(field::run)).get(run); err || run.type() != simdjson::dom::element_type::OBJECT)
    return "entry's run is not a JSON object";

  auto& j = out.json;
  j.reserve(m.field(field::run).size() + 512);
  j += "{\"id\":";
  append_json_string(j, run_id);
  add_string(j, "kind", kind);
  add_string(j, "trace_id", m.field(field::trace_id));
  for (const char* f : {"parent_run_id", "dotted_order", "name", "run_type", "reference_example_id"})
    add_string(j, f, string_field(run, f));
  add_string(j, "project", m.field(field::project));
  add_string(j, "tenant", common::valid_utf8_or_marked(m.field(field::tenant)));  // an HTTP header, any bytes
  add_number(j, "start_time_us", time_field(run, "start_time"));
  add_number(j, "end_time_us", time_field(run, "end_time"));

  j += ",\"tags\":[";
  simdjson::dom::array tags;
  bool first = true;
  if (run["tags"].get(tags) == simdjson::SUCCESS)
    for (element t : tags) {
      std::string_view s;
      if (t.get(s) != simdjson::SUCCESS) continue;
      if (!first) j += ',';
      append_json_string(j, s);
      first = false;
    }
  j += ']';

  if (!payload_members(m.field(field::run), run)) return "entry's run is not a JSON object";
  for (std::size_t p = 0; p < std::size(payload_fields); ++p) {
    const char* f = payload_fields[p];
    // A multipart field part travels beside the run; otherwise it is inside it.
    std::string_view part = m.field(part_names()[p]);
    std::string_view value = part.empty() ? member(f) : part;
    std::string reference;
    if (!value.empty() && offload(value.size())) {
      auto key = blob_key(run_id, kind, f);
      reference = fmt::format("s3://{}/{}", options_.bucket, key);
      // Borrowed from the message (which outlives the batch's PUTs) unless re-serialized here.
      bool ours = part.empty() && !normalized_.empty();
      out.blobs.push_back({std::move(key), ours ? std::string_view() : value, ours ? std::string(value) : std::string(),
                           "application/json"});
      add_string(j, f, "");
    } else {
      add_string(j, f, value);
      out.inline_bytes += value.size();
    }
    add_key(j, f, "_s3");
    append_json_string(j, reference);
    add_number(j, f, value.size(), "_bytes");
  }

  std::string attachments = "[";
  constexpr std::string_view prefix = field::attachment_prefix;
  for (const auto& [name, bytes] : m.fields) {
    // Attachment names have no '.', so "part.attachment.<name>.content_type"
    // is the only kind of field with a dot after the prefix.
    if (name.rfind(prefix, 0) != 0 || name.find('.', prefix.size()) != std::string::npos) continue;
    // Names and content types come from clients, outside any JSON: make them valid UTF-8.
    auto attachment = common::valid_utf8_or_marked(std::string_view(name).substr(prefix.size()));
    auto content_type = common::valid_utf8_or_marked(m.field(field::content_type_of(name)));
    if (attachments.size() > 1) attachments += ',';
    attachments += "{\"name\":";
    append_json_string(attachments, attachment);
    attachments += ",\"content_type\":";
    append_json_string(attachments, content_type);
    add_number(attachments, "bytes", bytes.size());
    if (offload(bytes.size())) {
      auto key = blob_key(run_id, kind, "attachments/" + key_segment(attachment));
      attachments += ",\"s3\":";
      append_json_string(attachments, fmt::format("s3://{}/{}", options_.bucket, key));
      out.blobs.push_back({std::move(key), bytes, {}, content_type});
    } else {
      attachments += ",\"base64\":\"";
      common::append_base64(attachments, bytes);
      attachments += '"';
      out.inline_bytes += bytes.size();
    }
    attachments += '}';
  }
  attachments += ']';
  add_string(j, "attachments", attachments);

  auto received = to_u64(m.field(field::received_at_us));
  add_number(j, "received_at_us", received);
  add_number(j, "enqueued_at_us", m.enqueued_at_ms() * 1000);
  add_number(j, "dequeued_at_us", dequeued_at_us);
  // A client's retry through ingest is a newer operation and wins; a replay
  // of the same entry (reclaim, re-sent batch) has the same version and collapses.
  add_number(j, "version", received);
  add_string(j, "stream_id", m.id);
  return std::nullopt;
}

std::size_t row_builder::row_bytes(const queue::stream_message& m) const {
  std::size_t n = 0;
  for (const auto& [name, value] : m.fields) {
    std::string_view key = name;
    bool part = key.starts_with(field::part_prefix) && !key.ends_with(field::content_type_suffix);
    if (!(part && offload(value.size()))) n += value.size();
  }
  return n;
}

}  // namespace tracepipe::sink
