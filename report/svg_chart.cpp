#include "report/svg_chart.hpp"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

namespace tracepipe::report {

namespace {

// The SVG's own coordinate system; the page scales it to its width.
// About the size it is shown at, two charts a row, so text stays legible.
constexpr double width = 600, height = 300;
constexpr double left = 48, right = 16, top = 56, bottom = 36;
constexpr double plot_w = width - left - right, plot_h = height - top - bottom;

struct range {
  double lo = 0, hi = 0;
};

/// Maps data values onto the plot area.
struct scale {
  axis_ticks xt, yt;
  double sx(double x) const { return left + (x - xt.values.front()) / span(xt) * plot_w; }
  double sy(double y) const { return top + plot_h - (y - yt.values.front()) / span(yt) * plot_h; }
  static double span(const axis_ticks& t) { return t.values.back() - t.values.front(); }
};

range x_range(const line_chart& c) {
  range r{c.x.front(), c.x.back()};
  // Phases belong to the run even when the timeseries ends early.
  for (const auto& p : c.phases) r.lo = std::min(r.lo, p.start_s), r.hi = std::max(r.hi, p.end_s);
  return r;
}

range y_range(const line_chart& c) {
  range r;  // from 0: every chart is of rates, counts or latencies
  for (const auto& s : c.series)
    for (const auto& y : s.y)
      if (y) r.lo = std::min(r.lo, *y), r.hi = std::max(r.hi, *y);
  return r;
}

std::string axes(const scale& s, const line_chart& c) {
  std::string out;
  for (double y : s.yt.values)
    out += fmt::format(R"(<line class="grid" x1="{:.1f}" x2="{:.1f}" y1="{:.1f}" y2="{:.1f}"/>)"
                       R"(<text class="tick" x="{:.1f}" y="{:.1f}" text-anchor="end">{}</text>)",
                       left, left + plot_w, s.sy(y), s.sy(y), left - 6, s.sy(y) + 4, tick_label(y, s.yt.step));
  for (double x : s.xt.values)
    out += fmt::format(R"(<line class="axis" x1="{0:.1f}" x2="{0:.1f}" y1="{1:.1f}" y2="{2:.1f}"/>)"
                       R"(<text class="tick" x="{0:.1f}" y="{3:.1f}" text-anchor="middle">{4}</text>)",
                       s.sx(x), top + plot_h, top + plot_h + 5, top + plot_h + 18, tick_label(x, s.xt.step));
  out += fmt::format(R"(<line class="axis" x1="{0}" x2="{1}" y1="{2}" y2="{2}"/>)", left, left + plot_w, top + plot_h);
  out += fmt::format(R"(<text class="unit" x="{}" y="{}" text-anchor="end">seconds</text>)", left + plot_w,
                     height - 4);
  out += fmt::format(R"(<text class="title" x="0" y="18">{}<tspan class="unit"> {}</tspan></text>)",
                     html_escape(c.title), html_escape(c.y_unit));
  return out;
}

std::string legend(const line_chart& c) {
  std::string out;
  double x = left;
  for (const auto& s : c.series) {
    if (std::none_of(s.y.begin(), s.y.end(), [](auto& y) { return y.has_value(); })) continue;
    out += fmt::format(R"(<line x1="{0:.1f}" x2="{1:.1f}" y1="38" y2="38" stroke="{2}" stroke-width="3"/>)"
                       R"(<text class="legend" x="{3:.1f}" y="42">{4}</text>)",
                       x, x + 18, html_escape(s.color), x + 24, html_escape(s.name));
    x += 24 + 6.5 * static_cast<double>(s.name.size()) + 18;  // a rough text width is enough here
  }
  return out;
}

std::string phase_lines(const scale& s, const line_chart& c) {
  std::string out;
  auto starts_a_phase = [&](double t) {
    return std::any_of(c.phases.begin(), c.phases.end(), [&](auto& p) { return p.start_s == t; });
  };
  auto line = [&](double t) {
    return fmt::format(R"(<line class="phase" x1="{0:.1f}" x2="{0:.1f}" y1="{1:.1f}" y2="{2:.1f}"/>)", s.sx(t), top,
                       top + plot_h);
  };
  for (const auto& p : c.phases) {
    out += line(p.start_s);
    out += fmt::format(R"(<text class="phase-label" x="{:.1f}" y="{:.1f}">{}</text>)", s.sx(p.start_s) + 4,
                       top + 12, html_escape(p.name));
    // The end of the last phase (or of one followed by a pause) is a boundary too.
    if (!starts_a_phase(p.end_s)) out += line(p.end_s);
  }
  return out;
}

std::string series_paths(const scale& s, const line_chart& c) {
  std::string out;
  for (const auto& ser : c.series) {
    std::size_t n = std::min(ser.y.size(), c.x.size());
    for (std::size_t i = 0; i < n;) {
      if (!ser.y[i]) {
        ++i;
        continue;
      }
      std::size_t end = i;
      std::string points;
      for (; end < n && ser.y[end]; ++end) points += fmt::format("{:.1f},{:.1f} ", s.sx(c.x[end]), s.sy(*ser.y[end]));
      if (end - i == 1)
        out += fmt::format(R"(<circle class="series" cx="{:.1f}" cy="{:.1f}" r="2.5" fill="{}"/>)", s.sx(c.x[i]),
                           s.sy(*ser.y[i]), html_escape(ser.color));
      else
        out += fmt::format(R"(<polyline class="series" fill="none" stroke="{}" points="{}"/>)",
                           html_escape(ser.color), points);
      i = end;
    }
  }
  return out;
}

}  // namespace

std::string html_escape(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out += c;
    }
  }
  return out;
}

axis_ticks nice_ticks(double lo, double hi, int at_most) {
  if (!(hi > lo)) hi = lo + 1;
  double raw = (hi - lo) / std::max(1, at_most);
  double magnitude = std::pow(10.0, std::floor(std::log10(raw)));
  axis_ticks t;
  for (double m : {1.0, 2.0, 5.0, 10.0}) {
    t.step = m * magnitude;
    if (t.step >= raw) break;
  }
  // The epsilon keeps 0.3 / 0.1 = 2.9999… from adding a tick below lo.
  auto first = static_cast<long long>(std::floor(lo / t.step + 1e-9));
  auto last = static_cast<long long>(std::ceil(hi / t.step - 1e-9));
  for (long long i = first; i <= last; ++i) t.values.push_back(static_cast<double>(i) * t.step);
  return t;
}

std::string tick_label(double value, double step) {
  if (std::abs(value) < step * 1e-6) return "0";  // not "-0" or "2.8e-17"
  double unit = std::abs(value) >= 1e6 ? 1e6 : std::abs(value) >= 1e3 ? 1e3 : 1;
  const char* suffix = unit == 1e6 ? "M" : unit == 1e3 ? "k" : "";
  double scaled_step = step / unit;
  int decimals = scaled_step >= 1 ? 0 : static_cast<int>(std::ceil(-std::log10(scaled_step) - 1e-9));
  return fmt::format("{:.{}f}{}", value / unit, decimals, suffix);
}

bool has_data(const line_chart& c) {
  if (c.x.empty()) return false;
  for (const auto& s : c.series)
    for (std::size_t i = 0; i < std::min(s.y.size(), c.x.size()); ++i)
      if (s.y[i]) return true;
  return false;
}

std::string render_svg(const line_chart& c) {
  std::string body;
  if (has_data(c)) {
    auto xr = x_range(c);
    auto yr = y_range(c);
    scale s{nice_ticks(xr.lo, xr.hi, 10), nice_ticks(yr.lo, yr.hi, 5)};
    body = axes(s, c) + legend(c) + phase_lines(s, c) + series_paths(s, c);
  }
  return fmt::format(R"(<svg class="chart" viewBox="0 0 {} {}" role="img" aria-label="{}">{}</svg>)", width, height,
                     html_escape(c.title), body);
}

}  // namespace tracepipe::report
