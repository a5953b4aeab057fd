#include "report/detail/report_tables.hpp"

#include <cmath>
#include <optional>
#include <string_view>

#include <fmt/format.h>

#include "report/svg_chart.hpp"

namespace tracepipe::report::detail {

namespace {

constexpr std::string_view not_measured = R"(<span class="na">not measured</span>)";

std::string value_or_na(std::optional<double> v, std::string_view unit = "") {
  if (!v) return std::string(not_measured);
  return unit.empty() ? format_value(*v) : fmt::format("{} {}", format_value(*v), unit);
}

std::string row(std::string_view label, const std::string& cell) {
  return fmt::format("<tr><th>{}</th><td>{}</td></tr>", label, cell);
}

std::string table(std::string_view caption, const std::string& rows) {
  return fmt::format(R"(<table><caption>{}</caption>{}</table>)", caption, rows);
}

std::string run_table(const summary_values& s) {
  auto target = s.string("target");
  std::string rows = row("target", target ? fmt::format("<code>{}</code>", html_escape(*target))
                                          : std::string(not_measured));
  rows += row("duration", value_or_na(s.number("duration_s"), "s"));
  rows += row("elapsed (with draining)", value_or_na(s.number("elapsed_s"), "s"));
  rows += row("runs per request", value_or_na(s.number("runs_per_request")));
  rows += row("target rate", value_or_na(s.number("target_rate"), "runs/s"));
  rows += row("achieved rate", value_or_na(s.number("achieved_rate"), "runs/s"));
  return table("Run", rows);
}

std::string requests_table(const summary_values& s) {
  std::string rows;
  for (auto key : {"offered", "sent", "retries", "accepted"}) rows += row(key, value_or_na(s.number(key)));
  bool any_rejected = false;
  for (const auto& [key, n] : s.numbers)
    if (key.starts_with("rejected.")) {
      rows += row(fmt::format("rejected {}", html_escape(key.substr(9))), format_value(n));
      any_rejected = true;
    }
  if (!any_rejected) rows += row("rejected", "0");
  rows += row("transport errors", value_or_na(s.number("errors")));
  rows += row("dropped", value_or_na(s.number("dropped")));
  return table("HTTP requests", rows);
}

std::string runs_table(const summary_values& s) {
  std::string rows;
  for (auto [key, label] : {std::pair{"runs.offered", "offered"}, {"runs.sent", "sent"}, {"runs.accepted", "accepted"},
                            {"runs.operations_accepted", "operations accepted (posts + patches)"}})
    rows += row(label, value_or_na(s.number(key)));
  return table("Runs", rows);
}

/// Percentile rows × one column per prefix, e.g. corrected / uncorrected.
std::string grid(const summary_values& s, std::string_view caption,
                 std::initializer_list<std::pair<std::string_view, std::string_view>> columns,
                 std::initializer_list<std::string_view> stats) {
  std::string rows = "<tr><th></th>";
  for (auto [prefix, label] : columns) rows += fmt::format("<th scope=\"col\">{}</th>", label);
  rows += "</tr>";
  for (auto stat : stats) {
    rows += fmt::format("<tr><th>{}</th>", stat);
    for (auto [prefix, label] : columns) rows += fmt::format("<td>{}</td>", value_or_na(s.number(fmt::format("{}.{}", prefix, stat))));
    rows += "</tr>";
  }
  return fmt::format(R"(<table class="grid"><caption>{}</caption>{}</table>)", caption, rows);
}

std::string data_table(const summary_values& s) {
  std::string rows = row("lost", value_or_na(s.number("lost")));
  rows += row("duplicates", value_or_na(s.number("duplicates")));
  rows += row("late", value_or_na(s.number("late")));
  rows += row("max queue depth", value_or_na(s.number("components.queue_depth_max")));
  rows += row("max ClickHouse parts", value_or_na(s.number("components.clickhouse_parts_max")));
  return table("Data and components", rows);
}

std::string thresholds_table(const summary_values& s) {
  if (s.thresholds.empty()) return table("Thresholds", row("none given", ""));
  std::string rows;
  for (const auto& t : s.thresholds)
    rows += fmt::format(R"(<tr class="{0}"><th><code>{1}</code></th><td>{2}</td><td class="verdict">{3}</td></tr>)",
                        t.passed ? "pass" : "fail", html_escape(t.text), value_or_na(t.actual),
                        t.passed ? "pass" : "FAIL");
  return table("Thresholds", rows);
}

std::string card(std::string_view label, const std::string& value, std::string_view detail,
                 std::string_view tone = "") {
  return fmt::format(R"(<div class="card {}"><div class="label">{}</div><div class="value">{}</div>)"
                     R"(<div class="detail">{}</div></div>)",
                     tone, label, value, detail);
}

}  // namespace

std::string format_value(double v) {
  int decimals = std::round(v) == v ? 0 : std::abs(v) < 100 ? 2 : std::abs(v) < 10000 ? 1 : 0;
  auto digits = fmt::format("{:.{}f}", std::abs(v), decimals);
  if (decimals == 2 && digits.back() == '0') digits.pop_back();  // 41.5, not 41.50
  auto integer_digits = digits.find('.') == std::string::npos ? digits.size() : digits.find('.');
  std::string grouped;
  for (std::size_t i = 0; i < digits.size(); ++i) {
    if (i && i < integer_digits && (integer_digits - i) % 3 == 0) grouped += "\u202f";  // narrow no-break space
    grouped += digits[i];
  }
  return (v < 0 && std::abs(v) >= 0.005 ? "-" : "") + grouped;
}

std::string headline_html(const summary_values& s) {
  auto achieved = s.number("achieved_rate"), target = s.number("target_rate");
  std::string cards = card("achieved rate", value_or_na(achieved, "runs/s"),
                           target ? fmt::format("of {} runs/s planned", format_value(*target)) : "");
  cards += card("HTTP p99", value_or_na(s.number("http_latency_ms.corrected.p99"), "ms"),
                "corrected for coordinated omission");
  cards += card("lag p99", value_or_na(s.number("lag_ms.p99"), "ms"), "received → inserted in ClickHouse");
  std::size_t passed = 0;
  for (const auto& t : s.thresholds) passed += t.passed;
  if (s.thresholds.empty())
    cards += card("thresholds", "none", "");
  else
    cards += card("thresholds", fmt::format("{} / {}", passed, s.thresholds.size()), "passed",
                  passed == s.thresholds.size() ? "pass" : "fail");
  return fmt::format(R"(<section class="headline">{}</section>)", cards);
}

std::string summary_tables_html(const summary_values& s) {
  std::string tables = run_table(s) + thresholds_table(s) + requests_table(s) + runs_table(s);
  tables += grid(s, "HTTP latency (ms)", {{"http_latency_ms.corrected", "corrected"},
                                          {"http_latency_ms.uncorrected", "uncorrected"}},
                 {"p50", "p90", "p99", "p999", "max", "mean", "count"});
  tables += grid(s, "Lag and visibility (ms)", {{"lag_ms", "received → inserted"}, {"visible_ms", "sent → visible"}},
                 {"p50", "p90", "p99", "max", "count"});
  if (s.number("replicas"))
    tables += grid(s, "Visibility on the replicas (ms)",
                   {{"visible_ms", "sent → on the replica read"},
                    {"visible_all_replicas_ms", "sent → on every replica"},
                    {"replication_lag_ms", "first replica → every replica"}},
                   {"p50", "p90", "p99", "max", "count"});
  tables += data_table(s);
  return fmt::format(R"(<section class="tables"><h2>Summary</h2><div class="table-grid">{}</div></section>)",
                     tables);
}

}  // namespace tracepipe::report::detail
