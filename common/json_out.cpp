#include "common/json_out.hpp"

#include <emmintrin.h>  // SSE2: every x86-64 has it, the only target here

#include <bit>
#include <cstdint>
#include <cstring>

namespace tracepipe::common {

namespace {

/// One bit per byte of the 16 at p that needs escaping (< 0x20, '"' or '\\'),
/// the first byte's lowest. SSE2 is part of x86-64 itself.
unsigned escape_mask(const char* p) {
  __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
  __m128i control = _mm_cmpeq_epi8(_mm_max_epu8(v, _mm_set1_epi8(0x1f)), _mm_set1_epi8(0x1f));
  __m128i quote = _mm_cmpeq_epi8(v, _mm_set1_epi8('"'));
  __m128i backslash = _mm_cmpeq_epi8(v, _mm_set1_epi8('\\'));
  return static_cast<unsigned>(_mm_movemask_epi8(_mm_or_si128(control, _mm_or_si128(quote, backslash))));
}

/// Writes c, escaped when it must be; answers how many bytes (1, 2 or 6).
std::size_t put_escaped(char* dst, unsigned char c) {
  static constexpr char hex[] = "0123456789abcdef";
  char short_form = c == '"' ? '"' : c == '\\' ? '\\' : c == '\n' ? 'n' : c == '\r' ? 'r' : c == '\t' ? 't' : 0;
  if (short_form) {
    dst[0] = '\\';
    dst[1] = short_form;
    return 2;
  }
  if (c >= 0x20) {
    dst[0] = static_cast<char>(c);
    return 1;
  }
  std::memcpy(dst, "\\u00", 4);
  dst[4] = hex[c >> 4];
  dst[5] = hex[c & 15];
  return 6;
}

}  // namespace

void append_json_string(std::string& out, std::string_view s) {
  // This is the sink's hottest loop (payloads are JSON: a quote every few
  // bytes). Bytes go through a stack buffer 16 at a time, up to the first
  // that needs escaping, so a quote costs a few instructions, not two appends.
  out.reserve(out.size() + s.size() + 2);
  char buf[2048];
  std::size_t n = 0;
  buf[n++] = '"';
  const char* p = s.data();
  const char* end = p + s.size();
  while (p < end) {
    if (n > sizeof buf - 32) {
      out.append(buf, n);
      n = 0;
    }
    if (end - p >= 16) {
      unsigned mask = escape_mask(p);
      std::memcpy(buf + n, p, 16);  // all 16 written; only the clean ones count
      auto clean = static_cast<std::size_t>(std::countr_zero(mask | 0x10000u));
      n += clean;
      p += clean;
      if (clean == 16) continue;
    }
    n += put_escaped(buf + n, static_cast<unsigned char>(*p++));
  }
  buf[n++] = '"';
  out.append(buf, n);
}

namespace {

/// Length of the valid UTF-8 sequence starting at s[i], or 0 (RFC 3629 §4:
/// no overlong forms, no surrogates, nothing above U+10FFFF).
std::size_t utf8_sequence(std::string_view s, std::size_t i) {
  auto c = static_cast<unsigned char>(s[i]);
  std::size_t n = c >= 0xf0 && c <= 0xf4 ? 4 : c >= 0xe0 && c <= 0xef ? 3 : c >= 0xc2 && c < 0xe0 ? 2 : 0;
  if (n == 0 || i + n > s.size()) return 0;
  for (std::size_t k = 1; k < n; ++k)
    if ((static_cast<unsigned char>(s[i + k]) & 0xc0) != 0x80) return 0;
  // The second byte's range is narrower after E0, ED, F0 and F4.
  auto c1 = static_cast<unsigned char>(s[i + 1]);
  if ((c == 0xe0 && c1 < 0xa0) || (c == 0xed && c1 > 0x9f) || (c == 0xf0 && c1 < 0x90) || (c == 0xf4 && c1 > 0x8f))
    return 0;
  return n;
}

}  // namespace

std::string valid_utf8_or_marked(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (static_cast<unsigned char>(s[i]) < 0x80) {
      out += s[i];
    } else if (auto n = utf8_sequence(s, i)) {
      out.append(s.substr(i, n));
      i += n - 1;
    } else {
      out += '?';
    }
  }
  return out;
}

}  // namespace tracepipe::common
