#include "report/acknowledged_file.hpp"

#include <charconv>

#include <fmt/format.h>

#include "report/report_files.hpp"

namespace tracepipe::report {

namespace {
constexpr std::string_view magic = "tpops1 key=";
constexpr std::string_view span_ids = " ids=span";  ///< an OTLP load's section (loadgen::id_form::span)
constexpr std::string_view langfuse_ids = " ids=langfuse";  ///< a Langfuse load's (loadgen::id_form::langfuse)

std::string_view suffix_of(loadgen::id_form f) {
  return f == loadgen::id_form::span ? span_ids : f == loadgen::id_form::langfuse ? langfuse_ids : "";
}
}  // namespace

std::string acknowledged_ops_text(const std::vector<loadgen::acknowledged_ops>& loads) {
  std::string out;
  for (const auto& a : loads) {
    out += fmt::format("{}{:016x} count={}{}\n", magic, a.id_key, a.ops.size(), suffix_of(a.ids));
    std::uint64_t previous = 0;
    for (std::size_t i = 0; i < a.ops.size();) {
      auto delta = a.ops[i] - previous;
      std::size_t repeat = 1;
      while (i + repeat < a.ops.size() && a.ops[i + repeat] - a.ops[i + repeat - 1] == delta) ++repeat;
      out += repeat == 1 ? fmt::format("{}\n", delta) : fmt::format("{}*{}\n", delta, repeat);
      previous = a.ops[i + repeat - 1];
      i += repeat;
    }
  }
  return out;
}

std::vector<loadgen::acknowledged_ops> parse_acknowledged_ops(std::string_view text, std::string_view file) {
  std::size_t line_no = 0;
  auto fail = [&](const std::string& why) {
    throw report_file_error(fmt::format("{}: line {}: {}", file, line_no, why));
  };
  auto number = [&](std::string_view s, int base = 10) {
    std::uint64_t v = 0;
    auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v, base);
    if (ec != std::errc{} || end != s.data() + s.size() || s.empty()) fail("'" + std::string(s) + "' is not a number");
    return v;
  };
  std::vector<loadgen::acknowledged_ops> loads;
  std::uint64_t count = 0, value = 0;
  auto check_count = [&] {
    if (!loads.empty() && loads.back().ops.size() != count)
      fail(fmt::format("{} operations, the section's header says {}", loads.back().ops.size(), count));
  };
  while (!text.empty()) {
    ++line_no;
    auto nl = text.find('\n');
    auto line = text.substr(0, nl);
    text = nl == std::string_view::npos ? std::string_view{} : text.substr(nl + 1);
    if (line.empty()) continue;
    if (line.substr(0, magic.size()) == magic) {
      check_count();
      auto count_at = line.find(" count=");
      if (count_at == std::string_view::npos) fail("a section header needs ' count='");
      auto form = loadgen::id_form::uuid;
      for (auto f : {loadgen::id_form::span, loadgen::id_form::langfuse})
        if (line.ends_with(suffix_of(f))) {
          form = f;
          line.remove_suffix(suffix_of(f).size());
        }
      loads.push_back({number(line.substr(magic.size(), count_at - magic.size()), 16), {}, form});
      count = number(line.substr(count_at + 7));
      loads.back().ops.reserve(count);
      value = 0;
      continue;
    }
    if (loads.empty()) fail("not an acknowledged_ops.txt (expected 'tpops1 key=… count=…')");
    auto& ops = loads.back().ops;
    auto star = line.find('*');
    auto delta = number(line.substr(0, star));
    auto repeat = star == std::string_view::npos ? 1 : number(line.substr(star + 1));
    if ((delta == 0 && (!ops.empty() || repeat > 1)) || repeat == 0) fail("operations must be distinct and ascending");
    if (ops.size() + repeat > count) fail(fmt::format("more operations than the section's count {}", count));
    for (std::uint64_t i = 0; i < repeat; ++i) ops.push_back(value += delta);
  }
  check_count();
  if (loads.empty()) fail("empty: not an acknowledged_ops.txt");
  return loads;
}

}  // namespace tracepipe::report
