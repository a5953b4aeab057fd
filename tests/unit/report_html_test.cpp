// report.html: the SVG chart primitive, reading a run's files back, and the
// page (escaping, notes for unmeasured charts, phase lines, thresholds).
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "report/report_html.hpp"
#include "report/svg_chart.hpp"

namespace tracepipe::report {

using namespace tracepipe::loadgen;

namespace {

std::size_t count(const std::string& haystack, std::string_view needle) {
  std::size_t n = 0;
  for (auto at = haystack.find(needle); at != std::string::npos; at = haystack.find(needle, at + needle.size())) ++n;
  return n;
}

// What `tracepipe load` wrote before the stack columns existed.
constexpr const char* old_csv =
    "second,offered_runs,sent_runs,sent,accepted,429,5xx,other_rejected,errors,p99_ms\n"
    "1,1000,1000,100,99,1,0,0,0,12.5\n"
    "2,1000,1000,100,100,0,0,0,0,11.0\n"
    "3,1000,990,99,97,2,0,0,0,15.25\n";

// Every column, some cells unknown, and a column this reader does not know.
constexpr const char* full_csv =
    "second,offered_runs,sent_runs,sent,accepted,429,5xx,other_rejected,errors,p99_ms,accepted_runs,inserted_runs,"
    "lag_p50_ms,lag_p99_ms,visible_p99_ms,queue_depth,clickhouse_parts,future_column,redis_memory_mib,"
    "redis_ops_per_s,redis_pending,redis_group_lag,clickhouse_merges,clickhouse_queries,"
    "clickhouse_inserted_rows_per_s,clickhouse_inserted_mib_per_s,clickhouse_merged_rows_per_s,"
    "clickhouse_delayed_inserts_per_s,clickhouse_rejected_inserts_per_s,ingest_inflight_mib,ingest_enqueue_p99_ms,"
    "worker_inserted_rows_per_s,worker_insert_p99_ms,worker_ack_lag_p99_ms,worker_retries_per_s,s3_puts_per_s,"
    "s3_put_mib_per_s,s3_put_p99_ms,replica1_delay_s,replica1_queue,replicas_readonly\n"
    "1,1000,1000,100,100,0,0,0,0,10,1000,,,,,5,3,x,2.5,120,0,5,0,0,,,,,,0.1,,,,,,,,,0,0,0\n"
    "2,1000,1000,100,100,0,0,0,0,11,1000,900,120,400,450,12,4,x,3.5,180,200,12,1,1,900,1.2,0,0,0,0.2,1.5,900,80,"
    "1100,0,20,0.8,12,1,3,0\n"
    "3,1000,1000,100,98,2,0,0,0,12,980,1100,130,420,470,9,4,x,3.0,170,0,9,1,0,1100,1.5,4000,1,0,0.3,1.2,1100,95,"
    "1200,1,25,1.1,15,2,5,1\n"
    "4,1000,1000,100,100,0,0,0,0,12,1000,1000,125,410,460,4,5,x,2.75,160,100,4,0,1,1000,1.3,0,0,0,0.1,1.1,1000,"
    "85,1150,0,18,0.7,11,0,1,0\n";

constexpr const char* summary =
    R"({"target":"http://127.0.0.1:8080/runs?a=1&b=<2>","duration_s":4,"target_rate":1000,"achieved_rate":997.5,)"
    R"("offered":400,"sent":400,"accepted":398,"rejected":{"429":2},"errors":0,"dropped":0,)"
    R"("runs":{"offered":4000,"sent":4000,"accepted":3980,"operations_accepted":7950},)"
    R"("http_latency_ms":{"corrected":{"p50":4.5,"p99":12.25},"uncorrected":{"p50":4.0,"p99":9.0}},)"
    R"("lag_ms":null,"visible_ms":{"p50":200,"p99":470,"count":3980},"lost":0,"duplicates":null,)"
    R"("components":{"queue_depth_max":12,"clickhouse_parts_max":null},)"
    R"("thresholds":[{"threshold":"http_p99<10ms","actual":12.25,"passed":false},)"
    R"({"threshold":"errors==0","actual":0,"passed":true}],)"
    R"("phases":[{"name":"warm-up","start_s":0,"end_s":2},{"name":"<b>spike</b>","start_s":2,"end_s":4}]})";

report_inputs inputs(const char* csv, const char* json = summary) {
  return {"runs/<dir>", parse_summary_json(json), parse_timeseries_csv(csv)};
}

TEST(report_html_escape, replaces_every_markup_character) {
  EXPECT_EQ(html_escape(R"(<a href="x">Tom & 'Jerry'</a>)"),
            "&lt;a href=&quot;x&quot;&gt;Tom &amp; &#39;Jerry&#39;&lt;/a&gt;");
  EXPECT_EQ(html_escape("plain → text"), "plain → text");
}

TEST(report_html_escape, strings_from_the_files_never_reach_the_page_raw) {
  auto page = render_report_html(inputs(full_csv));
  EXPECT_EQ(count(page, "http://127.0.0.1:8080/runs?a=1&amp;b=&lt;2&gt;"), 3u);  // title, header, Run table
  EXPECT_EQ(count(page, "<2>"), 0u);
  EXPECT_EQ(count(page, "<b>spike</b>"), 0u);
  EXPECT_EQ(count(page, "&lt;b&gt;spike&lt;/b&gt;"), 20u);  // the phase label on each chart
  EXPECT_NE(page.find("from <code>runs/&lt;dir&gt;</code>"), std::string::npos);
}

TEST(report_chart_ticks, are_round_and_cover_the_data) {
  auto t = nice_ticks(0, 97, 5);
  EXPECT_DOUBLE_EQ(t.step, 20);
  EXPECT_EQ(t.values, (std::vector<double>{0, 20, 40, 60, 80, 100}));
  t = nice_ticks(0, 12345, 6);
  EXPECT_DOUBLE_EQ(t.step, 5000);  // 2000 would need 7 intervals
  EXPECT_DOUBLE_EQ(t.values.back(), 15000);
  t = nice_ticks(0, 0.37, 5);
  EXPECT_DOUBLE_EQ(t.step, 0.1);
  ASSERT_EQ(t.values.size(), 5u);  // 0 … 0.4, no extra tick from 0.1 × 3 = 0.30000000000000004
  t = nice_ticks(10, 60, 10);
  EXPECT_DOUBLE_EQ(t.step, 5);
  EXPECT_DOUBLE_EQ(t.values.front(), 10);
  t = nice_ticks(0, 0, 5);  // a flat zero line still gets an axis
  EXPECT_DOUBLE_EQ(t.values.front(), 0);
  EXPECT_DOUBLE_EQ(t.values.back(), 1);
}

TEST(report_chart_ticks, labels_use_the_decimals_the_step_needs) {
  EXPECT_EQ(tick_label(40, 10), "40");
  EXPECT_EQ(tick_label(0.1 * 3, 0.1), "0.3");
  EXPECT_EQ(tick_label(0.05, 0.05), "0.05");
  EXPECT_EQ(tick_label(20000, 5000), "20k");
  EXPECT_EQ(tick_label(1200, 200), "1.2k");
  EXPECT_EQ(tick_label(1.5e6, 5e5), "1.5M");
  EXPECT_EQ(tick_label(-1e-17, 0.1), "0");
}

TEST(report_chart, breaks_lines_at_unknown_values_and_marks_lone_points) {
  line_chart c{"t", "u", {1, 2, 3, 4, 5}, {{"a", "red", {1, 2, std::nullopt, 4, 5}}}, {}};
  auto svg = render_svg(c);
  EXPECT_EQ(count(svg, "<polyline class=\"series\""), 2u);
  c.series[0].y = {1, std::nullopt, 3, std::nullopt, std::nullopt};
  svg = render_svg(c);
  EXPECT_EQ(count(svg, "<polyline class=\"series\""), 0u);
  EXPECT_EQ(count(svg, "<circle class=\"series\""), 2u);
  c.series[0].y = {std::nullopt, std::nullopt, std::nullopt, std::nullopt, std::nullopt};
  EXPECT_FALSE(has_data(c));
}

TEST(report_chart, draws_a_labelled_line_at_each_phase_boundary) {
  line_chart c{"t", "u", {0, 10, 20, 30}, {{"a", "red", {1, 2, 3, 4}}}, {{"ramp", 0, 10}, {"hold", 10, 25}}};
  auto svg = render_svg(c);
  EXPECT_EQ(count(svg, R"(class="phase")"), 3u);  // 0, 10 shared by both, 25 where hold ends
  EXPECT_EQ(count(svg, R"(class="phase-label")"), 2u);
  EXPECT_NE(svg.find(">ramp</text>"), std::string::npos);
  EXPECT_NE(svg.find(">hold</text>"), std::string::npos);
}

TEST(report_page, a_run_without_the_stack_notes_the_charts_it_cannot_draw) {
  auto page = render_report_html(inputs(old_csv, R"({"duration_s":3})"));
  // lag, queue depth, parts and the 7 component charts; the 4 from /metrics
  EXPECT_EQ(count(page, "not measured in this run (needs --stack)"), 10u);
  EXPECT_EQ(count(page, "not measured in this run (needs --stack and a tracepipe /metrics page)"), 4u);
  EXPECT_EQ(count(page, "<svg class=\"chart\""), 3u);  // throughput, latency, rejections
  EXPECT_NE(page.find(R"(data-charts-with-data="3")"), std::string::npos);
  EXPECT_EQ(count(page, R"(class="phase")"), 0u);
}

TEST(report_page, draws_every_chart_when_every_column_has_values) {
  auto page = render_report_html(inputs(full_csv));
  EXPECT_EQ(count(page, "needs --stack"), 0u);
  EXPECT_EQ(count(page, "<svg class=\"chart\""), 20u);
  EXPECT_NE(page.find(R"(data-charts-with-data="20")"), std::string::npos);
  EXPECT_EQ(count(page, R"(class="phase")"), 20u * 3);  // 0, 2 and 4 s on each chart
  EXPECT_NE(page.find(">S3 PUT</text>"), std::string::npos);
  EXPECT_NE(page.find(">rejected (TOO_MANY_PARTS)</text>"), std::string::npos);
  EXPECT_NE(page.find(">inserted in ClickHouse</text>"), std::string::npos);
  EXPECT_EQ(count(page, "src="), 0u);  // self-contained: nothing to fetch
  EXPECT_EQ(count(page, "<link"), 0u);
}

TEST(report_page, a_column_of_empty_cells_counts_as_not_measured) {
  auto page = render_report_html(inputs(
      "second,offered_runs,lag_p50_ms,lag_p99_ms,visible_p99_ms,queue_depth,clickhouse_parts\n1,10,,,,,\n2,10,,,,,\n",
      "{}"));
  EXPECT_EQ(count(page, "not measured in this run (needs --stack)"), 10u);
}

TEST(report_page, the_summary_colours_thresholds_and_says_what_was_not_measured) {
  auto page = render_report_html(inputs(full_csv));
  EXPECT_NE(page.find(R"(<tr class="fail"><th><code>http_p99&lt;10ms</code></th><td>12.25</td>)"), std::string::npos);
  EXPECT_NE(page.find(R"(<tr class="pass"><th><code>errors==0</code></th><td>0</td>)"), std::string::npos);
  EXPECT_NE(page.find("<tr><th>rejected 429</th><td>2</td></tr>"), std::string::npos);
  EXPECT_NE(page.find("<tr><th>achieved rate</th><td>997.5 runs/s</td></tr>"), std::string::npos);
  EXPECT_NE(page.find("<tr><th>duplicates</th><td><span class=\"na\">not measured</span></td></tr>"),
            std::string::npos);
  EXPECT_NE(page.find("<tr><th>operations accepted (posts + patches)</th><td>7\u202f950</td></tr>"),
            std::string::npos);
}

TEST(report_files, flatten_summary_json_and_treat_null_as_missing) {
  auto s = parse_summary_json(summary);
  EXPECT_EQ(s.number("http_latency_ms.corrected.p99"), 12.25);
  EXPECT_EQ(s.number("rejected.429"), 2);
  EXPECT_EQ(s.number("visible_ms.p99"), 470);
  EXPECT_FALSE(s.number("lag_ms.p99"));
  EXPECT_FALSE(s.number("components.clickhouse_parts_max"));
  EXPECT_EQ(s.string("target"), "http://127.0.0.1:8080/runs?a=1&b=<2>");
  ASSERT_EQ(s.thresholds.size(), 2u);
  EXPECT_FALSE(s.thresholds[0].passed);
  EXPECT_EQ(s.thresholds[0].actual, 12.25);
  ASSERT_EQ(s.phases.size(), 2u);
  EXPECT_EQ(s.phases[1].name, "<b>spike</b>");
  EXPECT_EQ(s.phases[1].end_s, 4);
}

TEST(report_files, read_csv_columns_by_name) {
  auto t = parse_timeseries_csv("p99_ms,second,phase,queue_depth\r\n1.5,1,warm-up,\r\n2.5,2\r\n");
  EXPECT_EQ(t.rows, 2u);
  EXPECT_EQ(t.column("second"), (std::vector<std::optional<double>>{1, 2}));
  EXPECT_EQ(t.column("p99_ms"), (std::vector<std::optional<double>>{1.5, 2.5}));
  EXPECT_EQ(t.column("queue_depth"), (std::vector<std::optional<double>>{std::nullopt, std::nullopt}));  // empty, short
  EXPECT_FALSE(t.column("phase")[0]);            // not a column the report reads: never parsed
  EXPECT_EQ(t.column("lag_p99_ms").size(), 2u);  // absent: all unknown
  EXPECT_FALSE(t.column("lag_p99_ms")[0]);
}

class report_dir : public ::testing::Test {
 protected:
  std::filesystem::path dir_ = std::filesystem::temp_directory_path() /
                               ("tracepipe-report-" + std::to_string(::testing::UnitTest::GetInstance()->random_seed()) +
                                "-" + ::testing::UnitTest::GetInstance()->current_test_info()->name());
  void SetUp() override { std::filesystem::create_directories(dir_); }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  void write(const char* name, std::string_view text) { std::ofstream(dir_ / name, std::ios::binary) << text; }

  /// read_report_files' message, or "" when it succeeded.
  std::string error() {
    try {
      read_report_files(dir_);
    } catch (const report_file_error& e) {
      return e.what();
    }
    return "";
  }
};

TEST_F(report_dir, reads_both_files) {
  write("summary.json", summary);
  write("timeseries.csv", full_csv);
  auto in = read_report_files(dir_);
  EXPECT_EQ(in.timeseries.rows, 4u);
  EXPECT_EQ(in.summary.number("achieved_rate"), 997.5);
  EXPECT_EQ(in.source, dir_.string());
}

TEST_F(report_dir, a_missing_file_is_named) {
  write("timeseries.csv", full_csv);
  EXPECT_EQ(error(), (dir_ / "summary.json").string() + ": cannot be read (missing?)");
  std::filesystem::remove(dir_ / "timeseries.csv");
  write("summary.json", summary);
  EXPECT_EQ(error(), (dir_ / "timeseries.csv").string() + ": cannot be read (missing?)");
}

TEST_F(report_dir, bad_json_is_named) {
  write("summary.json", R"({"sent": 1,)");
  write("timeseries.csv", full_csv);
  EXPECT_TRUE(error().starts_with((dir_ / "summary.json").string() + ": not valid JSON")) << error();
  write("summary.json", "[1, 2]");
  EXPECT_EQ(error(), (dir_ / "summary.json").string() + ": not a JSON object");
}

TEST_F(report_dir, a_bad_csv_cell_is_named_with_its_line_and_column) {
  write("summary.json", summary);
  write("timeseries.csv", "second,p99_ms\n1,2.5\n2,fast\n");
  EXPECT_EQ(error(), (dir_ / "timeseries.csv").string() + ": line 3: p99_ms = 'fast' is not a number");
  write("timeseries.csv", "p99_ms\n2.5\n");
  EXPECT_EQ(error(), (dir_ / "timeseries.csv").string() + ": the header has no 'second' column");
  write("timeseries.csv", "");
  EXPECT_EQ(error(), (dir_ / "timeseries.csv").string() + ": no header row");
}

}  // namespace
}  // namespace tracepipe::report
