#include "report/report_html.hpp"

#include <vector>

#include <fmt/format.h>

#include "report/detail/report_tables.hpp"
#include "report/svg_chart.hpp"

namespace tracepipe::report {

namespace {

struct series_def {
  const char* column;  ///< in timeseries.csv
  const char* label;
};

struct chart_def {
  const char* title;
  const char* unit;
  std::vector<series_def> series;
  const char* missing_note;  ///< shown instead of an empty axis
};

constexpr const char* needs_stack = "not measured in this run (needs --stack)";
constexpr const char* not_recorded = "not recorded in this run's timeseries.csv";
constexpr const char* needs_replicas = "not measured in this run (a replicated ClickHouse behind --stack)";
constexpr const char* needs_cluster = "not measured in this run (a Redis Cluster behind --stack)";
constexpr const char* needs_reads = "not measured in this run (needs --read-rate: a read load beside the writes)";
constexpr const char* needs_metrics = "not measured in this run (needs --stack and a tracepipe /metrics page)";

// Queue depth and parts get a chart each: on one axis tens of thousands of
// queued entries would flatten a few hundred parts into the baseline.
const std::vector<chart_def>& chart_defs() {
  static const std::vector<chart_def> defs = {
      {"Throughput", "runs/s",
       {{"offered_runs", "offered"}, {"sent_runs", "sent"}, {"accepted_runs", "accepted"},
        {"inserted_runs", "inserted in ClickHouse"}},
       not_recorded},
      {"HTTP latency", "ms", {{"p99_ms", "p99 (corrected)"}}, not_recorded},
      {"Lag and visibility", "ms, received → inserted, sent → visible",
       {{"lag_p50_ms", "lag p50"}, {"lag_p99_ms", "lag p99"}, {"visible_p99_ms", "visible p99"}},
       needs_stack},
      {"Redis queue depth", "entries", {{"queue_depth", "queue depth"}}, needs_stack},
      {"Replication delay", "s behind (system.replicas absolute_delay)",
       {{"replica1_delay_s", "replica 1"}, {"replica2_delay_s", "replica 2"}, {"replica3_delay_s", "replica 3"},
        {"replica4_delay_s", "replica 4"}, {"replica5_delay_s", "replica 5"}},
       needs_replicas},
      {"Replication queue", "entries (system.replicas queue_size)",
       {{"replica1_queue", "replica 1"}, {"replica2_queue", "replica 2"}, {"replica3_queue", "replica 3"},
        {"replica4_queue", "replica 4"}, {"replica5_queue", "replica 5"}},
       needs_replicas},
      {"Replicas and ZooKeeper", "count",
       {{"replicas_readonly", "read-only (no ZooKeeper session)"}, {"replicas_unanswered", "not answering"},
        {"zookeeper_up", "ZooKeeper up (1)"}},
       needs_replicas},
      {"ClickHouse parts", "active parts", {{"clickhouse_parts", "parts"}}, needs_stack},
      {"Consumer group", "entries",
       {{"redis_pending", "pending (delivered, not acked)"}, {"redis_group_lag", "lag (not yet delivered)"}},
       needs_stack},
      {"Redis memory", "MiB", {{"redis_memory_mib", "used memory"}}, needs_stack},
      {"Redis operations", "ops/s", {{"redis_ops_per_s", "operations"}}, needs_stack},
      {"Redis Cluster: memory per master", "MiB (used_memory; masters by their lowest slot)",
       {{"redis_master1_memory_mib", "master 1"}, {"redis_master2_memory_mib", "master 2"},
        {"redis_master3_memory_mib", "master 3"}, {"redis_master4_memory_mib", "master 4"},
        {"redis_master5_memory_mib", "master 5"}},
       needs_cluster},
      {"Redis Cluster: operations per master", "ops/s",
       {{"redis_master1_ops_per_s", "master 1"}, {"redis_master2_ops_per_s", "master 2"},
        {"redis_master3_ops_per_s", "master 3"}, {"redis_master4_ops_per_s", "master 4"},
        {"redis_master5_ops_per_s", "master 5"}},
       needs_cluster},
      {"Redis Cluster: pending per master", "entries delivered, not acked, on the shards it serves",
       {{"redis_master1_pending", "master 1"}, {"redis_master2_pending", "master 2"},
        {"redis_master3_pending", "master 3"}, {"redis_master4_pending", "master 4"},
        {"redis_master5_pending", "master 5"}},
       needs_cluster},
      {"Redis Cluster: not yet delivered per master", "entries (consumer-group lag) on the shards it serves",
       {{"redis_master1_lag", "master 1"}, {"redis_master2_lag", "master 2"}, {"redis_master3_lag", "master 3"},
        {"redis_master4_lag", "master 4"}, {"redis_master5_lag", "master 5"}},
       needs_cluster},
      {"ClickHouse writes", "rows/s",
       {{"clickhouse_inserted_rows_per_s", "inserted"}, {"clickhouse_merged_rows_per_s", "merged"}}, needs_stack},
      {"ClickHouse inserted bytes", "MiB/s (uncompressed)", {{"clickhouse_inserted_mib_per_s", "inserted"}},
       needs_stack},
      {"ClickHouse merges and queries", "running",
       {{"clickhouse_merges", "merges"}, {"clickhouse_queries", "queries"}}, needs_stack},
      {"ClickHouse inserts held back", "INSERTs/s",
       {{"clickhouse_delayed_inserts_per_s", "delayed (too many parts)"},
        {"clickhouse_rejected_inserts_per_s", "rejected (TOO_MANY_PARTS)"}},
       needs_stack},
      {"Where the time goes", "ms, p99 of each second",
       {{"ingest_enqueue_p99_ms", "ingest → Redis (XADD)"}, {"s3_put_p99_ms", "S3 PUT"},
        {"worker_insert_p99_ms", "ClickHouse INSERT"}, {"worker_ack_lag_p99_ms", "received → acked"}},
       needs_metrics},
      {"S3 offload", "PUTs/s", {{"s3_puts_per_s", "PUTs"}}, needs_metrics},
      {"Worker retries", "retries/s", {{"worker_retries_per_s", "retries (ClickHouse, S3, Redis)"}}, needs_metrics},
      {"Ingest in flight", "MiB", {{"ingest_inflight_mib", "request bytes being served"}}, needs_metrics},
      {"Reads", "reads/s (GET /runs/{id}, POST /runs/query)",
       {{"read_sent_per_s", "sent"}, {"read_ok_per_s", "answered (200, or 404: not visible yet)"},
        {"read_429_per_s", "429 (too many reads at once)"}, {"read_failed_per_s", "failed"}},
       needs_reads},
      {"Read latency", "ms, p99 of each second (corrected)", {{"read_p99_ms", "read p99"}}, needs_reads},
      {"Rejections and errors", "requests/s",
       {{"429", "429"}, {"5xx", "5xx"}, {"other_rejected", "other rejected"}, {"errors", "transport errors"}},
       not_recorded},
  };
  return defs;
}

constexpr const char* palette[] = {"#2563eb", "#f59e0b", "#16a34a", "#dc2626", "#7c3aed"};

line_chart build_chart(const chart_def& def, const report_inputs& in) {
  line_chart c{def.title, def.unit, {}, {}, {}};
  auto second = in.timeseries.column("second");
  std::vector<std::size_t> rows;  // those with a known second: a point needs an x
  for (std::size_t i = 0; i < second.size(); ++i)
    if (second[i]) rows.push_back(i), c.x.push_back(*second[i]);
  for (std::size_t k = 0; k < def.series.size(); ++k) {
    auto column = in.timeseries.column(def.series[k].column);
    chart_series s{def.series[k].label, palette[k % std::size(palette)], {}};
    for (auto i : rows) s.y.push_back(column[i]);
    c.series.push_back(std::move(s));
  }
  for (const auto& p : in.summary.phases) c.phases.push_back({p.name, p.start_s, p.end_s});
  return c;
}

std::string chart_figure(const chart_def& def, const line_chart& c) {
  if (has_data(c)) return fmt::format(R"(<figure class="chart-box">{}</figure>)", render_svg(c));
  return fmt::format(R"(<figure class="chart-box empty"><h3>{} <span class="unit">{}</span></h3>)"
                     R"(<p class="note">{}</p></figure>)",
                     html_escape(c.title), html_escape(c.y_unit), def.missing_note);
}

constexpr const char* style = R"(
:root { color-scheme: light; --ink: #1f2933; --muted: #6b7280; --line: #e5e7eb; --pass: #15803d; --fail: #b91c1c; }
* { box-sizing: border-box; }
body { margin: 0 auto; max-width: 1180px; padding: 24px; font: 14px/1.45 system-ui, -apple-system, "Segoe UI",
       Roboto, sans-serif; color: var(--ink); background: #fff; }
h1 { font-size: 22px; margin: 0 0 4px; }
h2 { font-size: 17px; margin: 28px 0 10px; }
h3 { font-size: 14px; margin: 0 0 6px; }
.meta { color: var(--muted); margin: 0; }
code { font: 12.5px ui-monospace, SFMono-Regular, Menlo, monospace; word-break: break-all; }
.headline { display: grid; grid-template-columns: repeat(4, 1fr); gap: 12px; margin: 20px 0; }
.card { border: 1px solid var(--line); border-radius: 8px; padding: 12px 14px; }
.card .label { color: var(--muted); font-size: 12px; text-transform: uppercase; letter-spacing: .04em; }
.card .value { font-size: 22px; font-weight: 600; margin: 2px 0; }
.card .detail { color: var(--muted); font-size: 12px; }
.card.pass .value { color: var(--pass); } .card.fail .value { color: var(--fail); }
.charts { display: grid; grid-template-columns: 1fr 1fr; gap: 16px; }
.chart-box { margin: 0; border: 1px solid var(--line); border-radius: 8px; padding: 10px 12px; }
.chart-box.empty { display: flex; flex-direction: column; justify-content: center; min-height: 90px; }
svg.chart { width: 100%; height: auto; display: block; }
svg .title { font-size: 15px; font-weight: 600; fill: var(--ink); }
svg .unit, .unit { font-weight: 400; fill: var(--muted); color: var(--muted); font-size: 12px; }
svg .tick, svg .legend { font-size: 12px; fill: #374151; }
svg .grid { stroke: var(--line); } svg .axis { stroke: #9ca3af; }
svg .series { stroke-width: 2; stroke-linejoin: round; }
svg .phase { stroke: #6b7280; stroke-dasharray: 4 3; }
svg .phase-label { font-size: 11px; fill: #4b5563; }
.note, .na { color: var(--muted); font-style: italic; }
.table-grid { display: grid; grid-template-columns: 1fr 1fr; gap: 16px 24px; align-items: start; }
table { border-collapse: collapse; width: 100%; }
caption { text-align: left; font-weight: 600; padding-bottom: 4px; }
th, td { text-align: left; padding: 4px 8px; border-bottom: 1px solid var(--line); vertical-align: top; }
td { text-align: right; font-variant-numeric: tabular-nums; }
th { font-weight: 500; }
table.grid th[scope=col] { text-align: right; color: var(--muted); }
tr.pass .verdict { color: var(--pass); font-weight: 600; } tr.fail .verdict { color: var(--fail); font-weight: 700; }
tr.fail th code { color: var(--fail); }
@media (max-width: 800px) { .charts, .table-grid, .headline { grid-template-columns: 1fr; } }
@media print { body { max-width: none; padding: 0; } .chart-box, table { break-inside: avoid; } }
)";

// Lets a headless browser prove the charts were laid out: it counts charts
// with a data mark of non-zero width (see tests/browser).
constexpr const char* drawn_check = R"(
document.body.dataset.chartsDrawn = [...document.querySelectorAll('svg.chart')].filter(svg =>
  [...svg.querySelectorAll('.series')].some(mark => mark.getBBox().width > 0)).length;
)";

}  // namespace

std::string render_report_html(const report_inputs& in) {
  const auto& s = in.summary;
  auto target = s.string("target");
  std::string charts;
  int with_data = 0;
  for (const auto& def : chart_defs()) {
    auto c = build_chart(def, in);
    with_data += has_data(c);
    charts += chart_figure(def, c);
  }
  std::string meta = target ? fmt::format("<code>{}</code> · ", html_escape(*target)) : "";
  if (auto d = s.number("duration_s")) meta += fmt::format("{} s · ", detail::format_value(*d));
  meta += fmt::format("from <code>{}</code>", html_escape(in.source));
  return fmt::format(R"(<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>tracepipe load report{}</title><style>{}</style></head>
<body data-charts-with-data="{}">
<header><h1>tracepipe load report</h1><p class="meta">{}</p></header>
{}
<section><h2>Over time</h2><div class="charts">{}</div></section>
{}
<script>{}</script>
</body></html>
)",
                     target ? " — " + html_escape(*target) : "", style, with_data, meta, detail::headline_html(s),
                     charts, detail::summary_tables_html(s), drawn_check);
}

}  // namespace tracepipe::report
