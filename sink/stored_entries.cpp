#include "sink/stored_entries.hpp"

#include <fmt/format.h>

#include "common/base64.hpp"
#include "queue/entry_fields.hpp"

namespace tracepipe::sink {
namespace {

namespace field = queue::entry_field;
namespace od = simdjson::ondemand;

/// One field's value as ingest wrote it: a string, the JSON of run or event,
/// or {"base64": …} for bytes that are not UTF-8.
simdjson::error_code value_of(std::string_view name, od::value v, std::string& out) {
  if (name == field::run || name == field::event) {
    od::object o;
    std::string_view raw;
    if (auto ec = v.get_object().get(o); ec || (ec = o.raw_json().get(raw))) return ec;
    // raw_json() runs to the next token: drop what lies between.
    while (!raw.empty() && (raw.back() == ' ' || raw.back() == '\n' || raw.back() == '\t' || raw.back() == '\r'))
      raw.remove_suffix(1);
    out.assign(raw);
    return simdjson::SUCCESS;
  }
  od::json_type type;
  if (auto ec = v.type().get(type)) return ec;
  std::string_view text;
  if (type == od::json_type::string) {
    if (auto ec = v.get_string().get(text)) return ec;
    out.assign(text);
    return simdjson::SUCCESS;
  }
  od::object o;
  if (auto ec = v.get_object().get(o)) return ec;
  if (auto ec = o["base64"].get_string().get(text)) return ec;
  auto bytes = common::decode_base64(text);
  if (!bytes) return simdjson::INCORRECT_TYPE;
  out = std::move(*bytes);
  return simdjson::SUCCESS;
}

}  // namespace

std::optional<std::string> stored_entries::read(std::string_view object, std::vector<entry_fields>& out) {
  out.clear();
  padded_ = simdjson::padded_string(object);
  od::document doc;
  od::array entries;
  if (auto ec = parser_.iterate(padded_).get(doc); ec || (ec = doc.get_array().get(entries)))
    return fmt::format("the object is not a JSON array of entries: {}", simdjson::error_message(ec));
  for (auto element : entries) {
    od::object entry;
    if (auto ec = element.get_object().get(entry))
      return fmt::format("entry {} is not an object: {}", out.size(), simdjson::error_message(ec));
    auto& fields = out.emplace_back();
    for (auto member : entry) {
      std::string_view name;
      od::value value;
      if (auto ec = member.unescaped_key().get(name); ec || (ec = member.value().get(value)))
        return fmt::format("entry {}: {}", out.size() - 1, simdjson::error_message(ec));
      std::string key(name);
      std::string text;
      if (auto ec = value_of(key, value, text))
        return fmt::format("entry {} field {}: {}", out.size() - 1, key, simdjson::error_message(ec));
      fields.emplace_back(std::move(key), std::move(text));
    }
  }
  // Past the array's end there must be nothing: no token left to point at.
  if (doc.current_location().error() != simdjson::OUT_OF_BOUNDS) return "the object has more after its array";
  return std::nullopt;
}

queue::stream_message stand_in(const queue::stream_message& reference, const entry_fields& stored) {
  queue::stream_message m;
  m.stream = reference.stream;
  m.id = reference.id;
  m.deliveries = reference.deliveries;
  m.fields = stored;
  return m;
}

}  // namespace tracepipe::sink
