#include "lab/expectation.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include <fmt/format.h>

#include "loadgen/component_figures.hpp"

#include "report/report_files.hpp"

namespace tracepipe::lab {

using report::comparison_scanner;
using report::comparison_ops_text;
using report::holds;
using report::timeseries_columns;
using report::timeseries_table;

using loadgen::component_columns;

namespace {

constexpr std::string_view aggregates[] = {"max", "min", "mean", "median", "sum", "first", "last", "until_below"};
struct parse_failure {
  std::string why;
};

expectation_side parse_side(comparison_scanner& s) {
  expectation_side side;
  auto factor = s.number();
  if (factor) {
    side.factor = *factor;
    if (!s.take("*")) return side;  // a plain number
  }
  auto word = s.name();
  if (word.empty()) throw parse_failure{fmt::format("expected a number, AGG(COLUMN) or a figure at '{}'", s.rest())};
  if (!s.take("(")) {
    side.what = expectation_side::kind::figure;
    side.figure = word;
    return side;
  }
  if (std::find(std::begin(aggregates), std::end(aggregates), word) == std::end(aggregates))
    throw parse_failure{fmt::format("unknown aggregate '{}' (max, min, mean, median, sum, first, last, until_below)", word)};
  side.what = expectation_side::kind::aggregate;
  side.agg = word;
  side.column = s.name();
  if (!is_timeseries_column(side.column))
    throw parse_failure{fmt::format("'{}' is not a timeseries.csv column", side.column)};
  if (word == "until_below") {
    auto n = s.take(",") ? s.number() : std::nullopt;
    if (!n) throw parse_failure{"until_below takes a column and a number: until_below(queue_depth, 1000)"};
    side.below = *n;
  }
  if (!s.take(")")) throw parse_failure{fmt::format("expected ')' at '{}'", s.rest())};
  if (s.take("@")) {
    side.phase = s.name();
    if (side.phase.empty()) throw parse_failure{"expected a phase name after '@'"};
  }
  return side;
}

double nan() { return std::numeric_limits<double>::quiet_NaN(); }

double aggregate(const expectation_side& side, const time_window& w, const timeseries_table& t) {
  auto seconds = t.column("second");
  auto values = t.column(side.column);
  std::vector<std::pair<double, double>> cells;  // (second, value), known ones inside the window
  for (std::size_t i = 0; i < seconds.size() && i < values.size(); ++i)
    if (seconds[i] && values[i] && *seconds[i] > w.start_s && *seconds[i] <= w.end_s)
      cells.emplace_back(*seconds[i], *values[i]);
  if (cells.empty()) return nan();
  const auto& a = side.agg;
  if (a == "until_below") {
    double from = std::isfinite(w.start_s) ? w.start_s : 0;  // @all: from the load's start
    for (auto [s, v] : cells)
      if (v <= side.below) return s - from;
    return std::numeric_limits<double>::infinity();
  }
  if (a == "first") return cells.front().second;
  if (a == "last") return cells.back().second;
  if (a == "median") {
    std::vector<double> v;
    for (auto [s, x] : cells) v.push_back(x);
    auto mid = v.begin() + static_cast<std::ptrdiff_t>((v.size() - 1) / 2);  // the lower middle: a real cell
    std::nth_element(v.begin(), mid, v.end());
    return *mid;
  }
  double sum = 0, lo = cells.front().second, hi = lo;
  for (auto [s, v] : cells) {
    sum += v;
    lo = std::min(lo, v);
    hi = std::max(hi, v);
  }
  if (a == "max") return hi;
  if (a == "min") return lo;
  if (a == "sum") return sum;
  return sum / static_cast<double>(cells.size());  // mean
}

double value_of(const expectation_side& side, std::string_view own, const expectation_context& ctx) {
  switch (side.what) {
    case expectation_side::kind::number:
      return side.factor;
    case expectation_side::kind::figure:
      return side.factor * (ctx.figure ? ctx.figure(side.figure) : nan());
    case expectation_side::kind::aggregate: {
      std::string_view name = side.phase.empty() ? own : std::string_view(side.phase);
      time_window all{-std::numeric_limits<double>::infinity(), std::numeric_limits<double>::infinity()};
      const time_window* w = &all;
      if (!name.empty()) {
        auto it = ctx.windows.find(name);
        if (it == ctx.windows.end()) return nan();
        w = &it->second;
      }
      return ctx.series ? side.factor * aggregate(side, *w, *ctx.series) : nan();
    }
  }
  return nan();
}

}  // namespace

bool is_timeseries_column(std::string_view name) {
  for (auto c : timeseries_columns)
    if (c == name) return true;
  for (const auto& c : component_columns)
    if (c.name == name) return true;
  return false;
}

std::optional<expectation> expectation::parse(std::string_view text, std::string* error) {
  comparison_scanner s(text);
  expectation e;
  e.text = std::string(text);
  try {
    e.left = parse_side(s);
    auto op = s.op();
    if (!op) throw parse_failure{fmt::format("expected one of {} at '{}'", comparison_ops_text, s.rest())};
    e.op = *op;
    e.right = parse_side(s);
    if (!s.done()) throw parse_failure{fmt::format("unexpected '{}' after the comparison", s.rest())};
  } catch (const parse_failure& f) {
    if (error) *error = fmt::format("expectation '{}': {}", text, f.why);
    return std::nullopt;
  }
  return e;
}

expectation_outcome judge(const expectation& e, std::string_view window, const expectation_context& ctx) {
  expectation_outcome o;
  o.window = std::string(window);
  o.text = e.text;
  o.left = value_of(e.left, window, ctx);
  o.right = value_of(e.right, window, ctx);
  o.passed = holds(o.left, e.op, o.right);
  return o;
}

}  // namespace tracepipe::lab
