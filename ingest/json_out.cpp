#include "ingest/json_out.hpp"

#include <cstdint>
#include <cstring>

namespace tracepipe::ingest {

namespace {

constexpr std::uint64_t bytes_of(unsigned char c) { return 0x0101010101010101ULL * c; }

/// True when none of the 8 bytes needs escaping: none < 0x20, '"' or '\\'
/// (bit tricks: a byte of (x − 0x01…) & ~x & 0x80… is set only where x had a
/// byte below the subtrahend; exact as a yes/no answer).
bool clean_word(std::uint64_t v) {
  constexpr std::uint64_t high = bytes_of(0x80);
  auto has_zero = [](std::uint64_t x) { return (x - bytes_of(1)) & ~x & high; };
  auto has_control = (v - bytes_of(0x20)) & ~v & high;
  return !(has_control | has_zero(v ^ bytes_of('"')) | has_zero(v ^ bytes_of('\\')));
}

void append_escaped(std::string& out, unsigned char c) {
  static constexpr char hex[] = "0123456789abcdef";
  switch (c) {
    case '"': out += "\\\""; break;
    case '\\': out += "\\\\"; break;
    case '\n': out += "\\n"; break;
    case '\r': out += "\\r"; break;
    case '\t': out += "\\t"; break;
    default:
      if (c < 0x20) {
        out += "\\u00";
        out += hex[c >> 4];
        out += hex[c & 15];
      } else {
        out += static_cast<char>(c);
      }
  }
}

}  // namespace

void append_json_string(std::string& out, std::string_view s) {
  out.reserve(out.size() + s.size() + 2);
  out += '"';
  // Runs of bytes that need no escaping (nearly all of them) are copied at
  // once, found 8 bytes at a time; this is the sink's hottest loop.
  const char* p = s.data();
  const char* end = p + s.size();
  while (p < end) {
    const char* run = p;
    for (std::uint64_t w; end - p >= 8 && (std::memcpy(&w, p, 8), clean_word(w));) p += 8;
    while (p < end && static_cast<unsigned char>(*p) >= 0x20 && *p != '"' && *p != '\\') ++p;
    out.append(run, p);
    if (p < end) append_escaped(out, static_cast<unsigned char>(*p++));
  }
  out += '"';
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

void append_base64(std::string& out, std::string_view bytes) {
  static constexpr char table[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::size_t i = 0;
  for (; i + 3 <= bytes.size(); i += 3) {
    unsigned v = (static_cast<unsigned char>(bytes[i]) << 16) | (static_cast<unsigned char>(bytes[i + 1]) << 8) |
                 static_cast<unsigned char>(bytes[i + 2]);
    out += table[v >> 18];
    out += table[(v >> 12) & 63];
    out += table[(v >> 6) & 63];
    out += table[v & 63];
  }
  if (auto rest = bytes.size() - i) {
    unsigned v = static_cast<unsigned char>(bytes[i]) << 16;
    if (rest == 2) v |= static_cast<unsigned char>(bytes[i + 1]) << 8;
    out += table[v >> 18];
    out += table[(v >> 12) & 63];
    out += rest == 2 ? table[(v >> 6) & 63] : '=';
    out += '=';
  }
}

}  // namespace tracepipe::ingest
