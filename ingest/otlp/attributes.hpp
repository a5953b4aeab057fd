#pragma once
// Reading a span's attributes (OTLP KeyValue lists) by name, and turning
// attribute values into the JSON a run carries.
#include <optional>
#include <string>
#include <string_view>

#include <boost/json/value.hpp>
#include <google/protobuf/repeated_ptr_field.h>

namespace tracepipe::ingest::otlp {

namespace wire {
class AnyValue;
class KeyValue;
}  // namespace wire

using key_values = google::protobuf::RepeatedPtrField<wire::KeyValue>;

/// Lookups in one attribute list. A span has tens of attributes: a linear
/// scan is cheaper than building an index per span. When a key repeats, the
/// last one wins, as the OTel SDKs' setAttribute would have it.
class attributes {
 public:
  explicit attributes(const key_values& list) : list_(list) {}

  const wire::AnyValue* find(std::string_view key) const;
  /// A string attribute's text; nullopt when absent or not a string.
  std::optional<std::string_view> text(std::string_view key) const;
  /// An int, double or numeric-string attribute as a number.
  std::optional<double> number(std::string_view key) const;
  /// A bool attribute, or the string "true"/"false".
  std::optional<bool> flag(std::string_view key) const;

  const key_values& list() const { return list_; }

 private:
  const key_values& list_;
};

/// An attribute value as JSON: strings stay strings, ints and doubles become
/// numbers (a non-finite double becomes null), arrays and kvlists nest,
/// bytes become base64 text.
boost::json::value to_json(const wire::AnyValue& v);

/// A text attribute that may hold JSON (gen_ai.prompt, input.value …): the
/// parsed value when it is a JSON object or array, else the text itself.
boost::json::value json_or_text(std::string_view text);

}  // namespace tracepipe::ingest::otlp
