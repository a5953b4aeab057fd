#include "report/blob_compare.hpp"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "common/json_document.hpp"
#include "report/svg_chart.hpp"

namespace tracepipe::report {

namespace {

std::string cell(std::optional<double> v) {
  if (!v) return "n/a";
  return std::fabs(*v) >= 100 || *v == std::floor(*v) ? fmt::format("{:.0f}", *v) : fmt::format("{:.2f}", *v);
}

std::optional<double> ratio(std::optional<double> blob, std::optional<double> inline_) {
  if (!blob || !inline_ || *inline_ == 0) return std::nullopt;
  return *blob / *inline_;
}

boost::json::object side_json(const blob_side& s) {
  boost::json::object out{{"blob_mode", s.blob_mode}, {"ingest_mode", s.ingest_mode}};
  for (const auto& f : blob_figures) out[f.key] = common::json_rounded(s.figure(f.key));
  return out;
}

/// The overlaid charts: a timeseries.csv column of each side on one axis.
struct overlay {
  const char* column;
  const char* title;
  const char* unit;
};
constexpr overlay overlays[] = {
    {"inserted_runs", "Inserted in ClickHouse", "rows/s"},
    {"lag_p99_ms", "Lag p99", "ms, received → inserted"},
    {"clickhouse_inserted_mib_per_s", "ClickHouse inserted bytes", "MiB/s (uncompressed)"},
    {"clickhouse_parts", "ClickHouse active parts", "parts (one partition)"},
    {"clickhouse_merged_rows_per_s", "ClickHouse merges", "rows/s merged"},
    {"worker_insert_p99_ms", "ClickHouse INSERT p99", "ms"},
    {"redis_memory_mib", "Redis memory", "MiB"},
    {"s3_puts_per_s", "S3 PUTs (workers')", "PUTs/s"},
};

constexpr const char* colors[] = {"#dc2626", "#2563eb", "#059669", "#d97706"};

line_chart overlay_chart(const overlay& o, std::span<const blob_side> sides) {
  line_chart c{o.title, o.unit, {}, {}, {}};
  std::size_t n = 0;
  for (const auto& side : sides) n = std::max(n, side.timeseries.column(o.column).size());
  for (std::size_t i = 0; i < n; ++i) c.x.push_back(static_cast<double>(i + 1));
  for (std::size_t k = 0; k < sides.size(); ++k) {
    auto y = sides[k].timeseries.column(o.column);
    y.resize(n);
    c.series.push_back({sides[k].label(), colors[k % std::size(colors)], std::move(y)});
  }
  return c;
}

/// "blob/inline": the ratio column of `side` to `base`.
std::string ratio_name(const blob_side& side, const blob_side& base, std::string_view between) {
  return fmt::format("{}{}{}", side.name, between, base.name);
}

constexpr const char* style = R"(
body { margin: 0 auto; max-width: 1180px; padding: 24px; font: 14px/1.45 system-ui, sans-serif; color: #1f2933; }
h1 { font-size: 22px; margin: 0 0 12px; } h2 { font-size: 17px; margin: 28px 0 10px; }
table { border-collapse: collapse; } th, td { padding: 4px 10px; border-bottom: 1px solid #e5e7eb; }
td { text-align: right; font-variant-numeric: tabular-nums; } th { text-align: left; font-weight: 500; }
.charts { display: grid; grid-template-columns: 1fr 1fr; gap: 16px; }
figure { margin: 0; border: 1px solid #e5e7eb; border-radius: 8px; padding: 10px 12px; }
.note { color: #6b7280; font-style: italic; }
svg.chart { width: 100%; height: auto; display: block; }
svg .title { font-size: 15px; font-weight: 600; } svg .unit { fill: #6b7280; font-size: 12px; }
svg .tick, svg .legend { font-size: 12px; fill: #374151; } svg .grid { stroke: #e5e7eb; } svg .axis { stroke: #9ca3af; }
svg .series { stroke-width: 2; stroke-linejoin: round; }
@media (max-width: 800px) { .charts { grid-template-columns: 1fr; } }
)";

}  // namespace

std::optional<double> blob_side::figure(std::string_view key) const {
  auto it = figures.find(key);
  return it == figures.end() ? std::nullopt : std::optional<double>(it->second);
}

std::string blob_side::label() const {
  return ingest_mode == "direct" ? fmt::format("{} (blob {})", name, blob_mode)
                                 : fmt::format("{} ({}, blob {})", name, ingest_mode, blob_mode);
}

std::string blob_compare_table(std::span<const blob_side> sides) {
  std::size_t label_width = 0;
  for (const auto& f : blob_figures) label_width = std::max(label_width, f.label.size() + f.unit.size() + 3);
  std::string out = fmt::format("{:<{}}", "", label_width);
  for (const auto& side : sides) out += fmt::format("  {:>12}", side.name);
  for (std::size_t k = 1; k < sides.size(); ++k) out += fmt::format("  {:>15}", ratio_name(sides[k], sides[0], "/"));
  out += '\n';
  for (const auto& f : blob_figures) {
    out += fmt::format("{:<{}}", fmt::format("{} ({})", f.label, f.unit), label_width);
    for (const auto& side : sides) out += fmt::format("  {:>12}", cell(side.figure(f.key)));
    for (std::size_t k = 1; k < sides.size(); ++k) {
      auto r = ratio(sides[k].figure(f.key), sides[0].figure(f.key));
      out += fmt::format("  {:>15}", r ? fmt::format("{:.2f}", *r) : "");
    }
    out += '\n';
  }
  return out;
}

std::string blob_compare_json(std::span<const blob_side> sides, const boost::json::object& config) {
  boost::json::object doc;
  doc["config"] = config;
  boost::json::object by_name;
  for (const auto& side : sides) by_name[side.name] = side_json(side);
  doc["sides"] = std::move(by_name);
  for (std::size_t k = 1; k < sides.size(); ++k) {
    boost::json::object ratios;
    for (const auto& f : blob_figures)
      ratios[f.key] = common::json_rounded(ratio(sides[k].figure(f.key), sides[0].figure(f.key)));
    doc["ratio_" + ratio_name(sides[k], sides[0], "_over_")] = std::move(ratios);
  }
  return common::json_document(doc);
}

std::string blob_compare_html(std::span<const blob_side> sides, std::string_view title) {
  std::string head = "<tr><th></th>";
  for (const auto& side : sides) head += fmt::format("<th>{}</th>", html_escape(side.name));
  for (std::size_t k = 1; k < sides.size(); ++k)
    head += fmt::format("<th>{} ÷ {}</th>", html_escape(sides[k].name), html_escape(sides[0].name));
  head += "</tr>\n";
  std::string rows;
  for (const auto& f : blob_figures) {
    rows += fmt::format("<tr><th>{} <span class=\"note\">{}</span></th>", html_escape(f.label), html_escape(f.unit));
    for (const auto& side : sides) rows += fmt::format("<td>{}</td>", cell(side.figure(f.key)));
    for (std::size_t k = 1; k < sides.size(); ++k) {
      auto r = ratio(sides[k].figure(f.key), sides[0].figure(f.key));
      rows += fmt::format("<td>{}</td>", r ? fmt::format("{:.2f}", *r) : "");
    }
    rows += "</tr>\n";
  }
  std::string charts;
  for (const auto& o : overlays) {
    auto c = overlay_chart(o, sides);
    charts += has_data(c) ? fmt::format("<figure>{}</figure>", render_svg(c))
                          : fmt::format("<figure><h3>{}</h3><p class=\"note\">not measured in any run</p></figure>",
                                        html_escape(o.title));
  }
  return fmt::format(R"(<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{0}</title><style>{1}</style></head>
<body><h1>{0}</h1>
<table>{2}{3}</table>
<h2>Over time (seconds since each run's start)</h2><div class="charts">{4}</div>
</body></html>
)",
                     html_escape(title), style, head, rows, charts);
}

}  // namespace tracepipe::report
