#include "report/report_files.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <fstream>
#include <sstream>

#include <fmt/format.h>
#include <simdjson.h>

#include "common/text.hpp"
#include "loadgen/component_figures.hpp"

namespace tracepipe::report {

using loadgen::component_column;
using loadgen::component_columns;

namespace {

using simdjson::dom::element;
using simdjson::dom::element_type;

std::optional<double> as_number(element e) {
  double d;
  if (e.type() == element_type::NULL_VALUE || e.get(d) != simdjson::SUCCESS || !std::isfinite(d)) return std::nullopt;
  return d;
}

std::string as_string(element e) {
  std::string_view s;
  return e.get(s) == simdjson::SUCCESS ? std::string(s) : std::string();
}

void read_thresholds(simdjson::dom::array a, summary_values& out) {
  for (element t : a) {
    threshold_row row;
    element v;
    if (t["threshold"].get(v) == simdjson::SUCCESS) row.text = as_string(v);
    if (t["actual"].get(v) == simdjson::SUCCESS) row.actual = as_number(v);
    bool passed = false;
    if (t["passed"].get(passed) == simdjson::SUCCESS) row.passed = passed;
    out.thresholds.push_back(std::move(row));
  }
}

void read_phases(simdjson::dom::array a, summary_values& out) {
  for (element p : a) {
    element v;
    std::optional<double> start, end;
    if (p["start_s"].get(v) == simdjson::SUCCESS) start = as_number(v);
    if (p["end_s"].get(v) == simdjson::SUCCESS) end = as_number(v);
    if (!start) continue;  // a boundary needs a time; the rest is decoration
    phase_row row;
    row.start_s = *start;
    row.end_s = end.value_or(*start);
    if (p["name"].get(v) == simdjson::SUCCESS) row.name = as_string(v);
    out.phases.push_back(std::move(row));
  }
}

void flatten(element e, const std::string& key, summary_values& out) {
  switch (e.type()) {
    case element_type::OBJECT:
      for (auto [k, v] : simdjson::dom::object(e)) flatten(v, key.empty() ? std::string(k) : key + "." + std::string(k), out);
      break;
    case element_type::ARRAY:
      if (key == "thresholds") read_thresholds(e, out);
      else if (key == "phases") read_phases(e, out);
      break;
    case element_type::STRING: out.strings[key] = as_string(e); break;
    case element_type::BOOL:
    case element_type::NULL_VALUE: break;
    default:
      if (auto d = as_number(e)) out.numbers[key] = *d;
  }
}

std::vector<std::string_view> split_cells(std::string_view line) {
  std::vector<std::string_view> cells;
  for (std::size_t at = 0;;) {
    auto comma = line.find(',', at);
    cells.push_back(common::trim(line.substr(at, comma == std::string_view::npos ? std::string_view::npos : comma - at)));
    if (comma == std::string_view::npos) return cells;
    at = comma + 1;
  }
}

}  // namespace

std::string read_text_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw report_file_error(fmt::format("{}: cannot be read (missing?)", path.string()));
  std::ostringstream text;
  text << in.rdbuf();
  return std::move(text).str();
}

std::vector<std::optional<double>> timeseries_table::column(std::string_view name) const {
  auto it = columns.find(name);
  return it == columns.end() ? std::vector<std::optional<double>>(rows) : it->second;
}

std::optional<double> summary_values::number(std::string_view key) const {
  auto it = numbers.find(key);
  return it == numbers.end() ? std::nullopt : std::optional<double>(it->second);
}

std::optional<std::string> summary_values::string(std::string_view key) const {
  auto it = strings.find(key);
  return it == strings.end() ? std::nullopt : std::optional<std::string>(it->second);
}

summary_values parse_summary_json(std::string_view text, std::string_view file) {
  simdjson::dom::parser parser;
  element doc;
  if (auto err = parser.parse(simdjson::padded_string(text)).get(doc); err != simdjson::SUCCESS)
    throw report_file_error(fmt::format("{}: not valid JSON: {}", file, simdjson::error_message(err)));
  if (doc.type() != element_type::OBJECT) throw report_file_error(fmt::format("{}: not a JSON object", file));
  summary_values out;
  flatten(doc, "", out);
  return out;
}

timeseries_table parse_timeseries_csv(std::string_view text, std::string_view file) {
  std::istringstream lines{std::string(text)};
  std::string line;
  if (!std::getline(lines, line) || common::trim(line).empty()) throw report_file_error(fmt::format("{}: no header row", file));
  auto names = split_cells(line);
  if (std::find(names.begin(), names.end(), "second") == names.end())
    throw report_file_error(fmt::format("{}: the header has no 'second' column", file));
  timeseries_table t;
  std::vector<std::vector<std::optional<double>>*> by_position;
  for (auto name : names) {  // a repeated name keeps its first column
    bool known = std::find(std::begin(timeseries_columns), std::end(timeseries_columns), name) !=
                     std::end(timeseries_columns) ||
                 std::any_of(std::begin(component_columns), std::end(component_columns),
                             [&](const component_column& c) { return c.name == name; });
    by_position.push_back(known && !t.columns.contains(name) ? &t.columns[std::string(name)] : nullptr);
  }
  for (int number = 2; std::getline(lines, line); ++number) {
    if (common::trim(line).empty()) continue;
    auto cells = split_cells(line);
    // A short row leaves the rest unknown; cells past the header are ignored.
    for (std::size_t i = 0; i < by_position.size(); ++i) {
      if (!by_position[i]) continue;
      std::optional<double> value;
      std::string_view cell = i < cells.size() ? cells[i] : std::string_view();
      if (!cell.empty()) {
        double d;
        auto [end, ec] = std::from_chars(cell.data(), cell.data() + cell.size(), d);
        if (ec != std::errc() || end != cell.data() + cell.size())
          throw report_file_error(fmt::format("{}: line {}: {} = '{}' is not a number", file, number, names[i], cell));
        if (std::isfinite(d)) value = d;
      }
      by_position[i]->push_back(value);
    }
    ++t.rows;
  }
  return t;
}

report_inputs read_report_files(const std::filesystem::path& dir) {
  auto summary = dir / "summary.json";
  auto timeseries = dir / "timeseries.csv";
  report_inputs in;
  in.source = dir.string();
  in.summary = parse_summary_json(read_text_file(summary), summary.string());
  in.timeseries = parse_timeseries_csv(read_text_file(timeseries), timeseries.string());
  return in;
}

}  // namespace tracepipe::report
