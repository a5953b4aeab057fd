#include "ingest/otlp/attributes.hpp"

#include <charconv>
#include <cmath>

#include <boost/json/parse.hpp>

#include "common/base64.hpp"
#include "trace.pb.h"

namespace tracepipe::ingest::otlp {

const wire::AnyValue* attributes::find(std::string_view key) const {
  const wire::AnyValue* found = nullptr;
  for (const auto& kv : list_)
    if (kv.key() == key) found = &kv.value();
  return found;
}

std::optional<std::string_view> attributes::text(std::string_view key) const {
  const auto* v = find(key);
  if (!v || v->value_case() != wire::AnyValue::kStringValue) return std::nullopt;
  return v->string_value();
}

std::optional<double> attributes::number(std::string_view key) const {
  const auto* v = find(key);
  if (!v) return std::nullopt;
  switch (v->value_case()) {
    case wire::AnyValue::kIntValue: return static_cast<double>(v->int_value());
    case wire::AnyValue::kDoubleValue: return v->double_value();
    case wire::AnyValue::kStringValue: {
      const auto& s = v->string_value();
      double d = 0;
      auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), d);
      if (ec == std::errc{} && p == s.data() + s.size()) return d;
      return std::nullopt;
    }
    default: return std::nullopt;
  }
}

std::optional<bool> attributes::flag(std::string_view key) const {
  const auto* v = find(key);
  if (!v) return std::nullopt;
  if (v->value_case() == wire::AnyValue::kBoolValue) return v->bool_value();
  if (v->value_case() == wire::AnyValue::kStringValue) {
    if (v->string_value() == "true") return true;
    if (v->string_value() == "false") return false;
  }
  return std::nullopt;
}

boost::json::value to_json(const wire::AnyValue& v) {
  switch (v.value_case()) {
    case wire::AnyValue::kStringValue: return boost::json::string(v.string_value());
    case wire::AnyValue::kBoolValue: return v.bool_value();
    case wire::AnyValue::kIntValue: return v.int_value();
    case wire::AnyValue::kDoubleValue:
      return std::isfinite(v.double_value()) ? boost::json::value(v.double_value()) : boost::json::value(nullptr);
    case wire::AnyValue::kArrayValue: {
      boost::json::array out;
      for (const auto& item : v.array_value().values()) out.push_back(to_json(item));
      return out;
    }
    case wire::AnyValue::kKvlistValue: {
      boost::json::object out;
      for (const auto& kv : v.kvlist_value().values()) out[kv.key()] = to_json(kv.value());
      return out;
    }
    case wire::AnyValue::kBytesValue: {
      std::string text;
      common::append_base64(text, v.bytes_value());
      return boost::json::string(text);
    }
    default: return nullptr;
  }
}

boost::json::value json_or_text(std::string_view text) {
  auto first = text.find_first_not_of(" \t\r\n");
  if (first != std::string_view::npos && (text[first] == '{' || text[first] == '[')) {
    boost::system::error_code ec;
    auto parsed = boost::json::parse(text, ec);
    if (!ec) return parsed;
  }
  return boost::json::string(text);
}

}  // namespace tracepipe::ingest::otlp
