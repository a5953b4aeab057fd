#include "queue/resp.hpp"

#include <charconv>

namespace tracepipe::queue {
namespace {

void append_header(std::string& out, char kind, std::size_t n) {
  char digits[24];
  digits[0] = kind;
  auto end = std::to_chars(digits + 1, digits + sizeof digits - 2, n).ptr;
  *end++ = '\r';
  *end++ = '\n';
  out.append(digits, end);
}

}  // namespace

void append_resp_command(std::string& out, const std::vector<std::string_view>& argv) {
  std::size_t size = 16;
  for (auto a : argv) size += a.size() + 16;
  out.reserve(out.size() + size);
  append_header(out, '*', argv.size());
  for (auto a : argv) {
    append_header(out, '$', a.size());
    out += a;
    out += "\r\n";
  }
}

}  // namespace tracepipe::queue
