#include "common/json_document.hpp"

#include <cmath>
#include <cstdint>

#include <fmt/format.h>

#include <boost/json/serialize.hpp>

namespace tracepipe::common {

boost::json::value json_number(double v) {
  if (!std::isfinite(v)) return nullptr;
  // Below 2^53 every whole double is exact as an integer too.
  constexpr double exact = 9007199254740992.0;
  if (std::fabs(v) < exact && v == std::trunc(v)) return static_cast<std::int64_t>(v);
  return v;
}

boost::json::value json_number(std::optional<double> v) { return v ? json_number(*v) : nullptr; }

boost::json::value json_rounded(double v, int places) {
  double scale = std::pow(10.0, places);
  // Too large to scale without overflow, and nothing left to round there.
  if (!std::isfinite(v * scale)) return json_number(v);
  return json_number(std::round(v * scale) / scale);
}

boost::json::value json_rounded(std::optional<double> v, int places) {
  return v ? json_rounded(*v, places) : nullptr;
}

namespace {

/// Compact JSON of `v`, but doubles in their shortest round-trip decimal form
/// (10.235, not Boost 1.81's 1.0235E1): the documents are read by people too.
void write_compact(const boost::json::value& v, std::string& out) {
  switch (v.kind()) {
    case boost::json::kind::double_:
      out += std::isfinite(v.get_double()) ? fmt::format("{}", v.get_double()) : "null";
      return;
    case boost::json::kind::object: {
      out += '{';
      for (const auto& member : v.get_object()) {
        if (out.back() != '{') out += ',';
        out += boost::json::serialize(boost::json::string_view(member.key()));
        out += ':';
        write_compact(member.value(), out);
      }
      out += '}';
      return;
    }
    case boost::json::kind::array: {
      out += '[';
      for (const auto& item : v.get_array()) {
        if (out.back() != '[') out += ',';
        write_compact(item, out);
      }
      out += ']';
      return;
    }
    default:
      out += boost::json::serialize(v);
  }
}

}  // namespace

std::string json_document(const boost::json::object& doc) {
  std::string out = "{";
  for (const auto& member : doc) {
    out += out.size() == 1 ? "\n  " : ",\n  ";
    out += boost::json::serialize(boost::json::string_view(member.key()));
    out += ':';
    write_compact(member.value(), out);
  }
  return out + "\n}\n";
}

}  // namespace tracepipe::common
