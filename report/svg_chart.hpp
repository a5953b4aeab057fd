#pragma once
// A line chart as inline SVG, drawn on the server so report.html needs no
// script and no network: axes with round-number ticks, several series with
// a legend, gaps where a value is unknown, and labelled phase boundaries.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tracepipe::report {

/// `s` with & < > " ' replaced by entities: safe in element text and in
/// quoted attribute values.
std::string html_escape(std::string_view s);

/// Evenly spaced ticks at 1, 2 or 5 × 10^k covering [lo, hi].
struct axis_ticks {
  double step = 1;
  std::vector<double> values;  ///< first ≤ lo, last ≥ hi
};
axis_ticks nice_ticks(double lo, double hi, int at_most = 6);

/// A tick label with k / M for thousands and millions and only the decimals
/// `step` needs there: (1500, 500) → "1.5k", (0.3, 0.1) → "0.3", (40, 10) → "40".
std::string tick_label(double value, double step);

struct chart_series {
  std::string name;
  std::string color;                    ///< any CSS colour
  std::vector<std::optional<double>> y;  ///< one per x; nullopt = unknown (a gap)
};

struct chart_phase {
  std::string name;
  double start_s = 0;
  double end_s = 0;
};

struct line_chart {
  std::string title;
  std::string y_unit;    ///< shown beside the title, e.g. "runs/s"
  std::vector<double> x;  ///< seconds since the start, ascending
  std::vector<chart_series> series;
  std::vector<chart_phase> phases;
};

/// True when some series has at least one known value.
bool has_data(const line_chart& c);

/// `<svg class="chart">` with one `polyline.series` per unbroken run of a
/// series' known values (a lone value is a `circle.series`); without
/// has_data(c), an empty frame: callers show a note instead.
std::string render_svg(const line_chart& c);

}  // namespace tracepipe::report
