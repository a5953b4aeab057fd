#include "common/json_members.hpp"

#include <emmintrin.h>  // SSE2: every x86-64 has it, the only target here

#include <bit>

namespace tracepipe::common {
namespace {

bool is_space(char c) { return c == ' ' || c == '\n' || c == '\r' || c == '\t'; }

const char* skip_space(const char* p, const char* end, bool& spaced) {
  const char* from = p;
  while (p < end && is_space(*p)) ++p;
  spaced |= p != from;
  return p;
}

/// One bit per byte of the 16 at p that is '"' or '\\', the first byte's lowest.
unsigned quote_or_backslash(const char* p) {
  __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
  return static_cast<unsigned>(_mm_movemask_epi8(
      _mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8('"')), _mm_cmpeq_epi8(v, _mm_set1_epi8('\\')))));
}

/// p at an opening quote → just past the closing one (or end). Sixteen
/// bytes at a time to the next quote or backslash.
const char* past_string(const char* p, const char* end) {
  ++p;
  while (p < end) {
    if (end - p >= 16) {
      auto skip = static_cast<std::size_t>(std::countr_zero(quote_or_backslash(p) | 0x10000u));
      p += skip;
      if (skip == 16) continue;
    }
    if (*p == '"') return p + 1;
    p += *p == '\\' ? 2 : 1;
  }
  return end;
}

/// p at a value's first character → just past the value.
const char* past_value(const char* p, const char* end, bool& spaced) {
  if (p >= end) return end;
  if (*p == '"') return past_string(p, end);
  if (*p == '{' || *p == '[') {
    int depth = 0;
    while (p < end) {
      char c = *p;
      if (c == '"') {
        p = past_string(p, end);
        continue;
      }
      if (c == '{' || c == '[') ++depth;
      else if (is_space(c)) spaced = true;
      else if ((c == '}' || c == ']') && --depth == 0) return p + 1;
      ++p;
    }
    return end;
  }
  while (p < end && *p != ',' && *p != '}' && *p != ']' && !is_space(*p)) ++p;
  return p;
}

}  // namespace

bool json_object_members(std::string_view json, std::vector<json_member>& out, bool& compact) {
  out.clear();
  bool spaced = false;
  const char* p = json.data();
  const char* end = p + json.size();
  p = skip_space(p, end, spaced);
  if (p >= end || *p != '{') return false;
  p = skip_space(p + 1, end, spaced);
  if (p < end && *p == '}') {
    compact = !spaced;
    return true;
  }
  while (p < end && *p == '"') {
    const char* key_end = past_string(p, end);
    if (key_end >= end) return false;  // a key is followed by ':' at least
    std::string_view key(p + 1, static_cast<std::size_t>(key_end - p - 2));
    p = skip_space(key_end, end, spaced);
    if (p >= end || *p != ':') return false;
    p = skip_space(p + 1, end, spaced);
    const char* value_end = past_value(p, end, spaced);
    out.push_back({key, std::string_view(p, static_cast<std::size_t>(value_end - p))});
    p = skip_space(value_end, end, spaced);
    if (p < end && *p == '}') {
      compact = !spaced;
      return true;
    }
    if (p >= end || *p != ',') return false;
    p = skip_space(p + 1, end, spaced);
  }
  return false;
}

bool json_array_elements(std::string_view json, std::vector<std::string_view>& out) {
  out.clear();
  bool spaced = false;
  const char* p = json.data();
  const char* end = p + json.size();
  p = skip_space(p, end, spaced);
  if (p >= end || *p != '[') return false;
  p = skip_space(p + 1, end, spaced);
  if (p < end && *p == ']') return true;
  while (p < end) {
    const char* value_end = past_value(p, end, spaced);
    if (value_end == p) return false;
    out.emplace_back(p, static_cast<std::size_t>(value_end - p));
    p = skip_space(value_end, end, spaced);
    if (p < end && *p == ']') return true;
    if (p >= end || *p != ',') return false;
    p = skip_space(p + 1, end, spaced);
  }
  return false;
}

}  // namespace tracepipe::common
