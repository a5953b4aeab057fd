// blob-vs-inline's comparison: every figure in the table, the JSON and the
// page, ratios of each side to the first where both are known, null where
// not measured, and each overlaid chart drawing every run.
#include "report/blob_compare.hpp"

#include <gtest/gtest.h>

#include <simdjson.h>

namespace tracepipe::report {

using namespace tracepipe::loadgen;

namespace {

std::size_t count(const std::string& text, const std::string& what) {
  std::size_t n = 0;
  for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + what.size())) ++n;
  return n;
}

blob_side side(const char* name, const char* mode, double inserted_mib, double puts) {
  blob_side s{name, mode, "direct", {}, {}};
  s.figures = {{"clickhouse_inserted_mib", inserted_mib}, {"s3_puts", puts}, {"lost", 0}};
  s.timeseries = parse_timeseries_csv("second,inserted_runs,s3_puts_per_s\n1,100,\n2,200,\n");
  return s;
}

TEST(blob_compare, json_has_both_sides_every_figure_and_the_ratios) {
  auto a = side("inline", "never", 40, 0);
  auto b = side("blob", "auto", 10, 300);
  b.timeseries = parse_timeseries_csv("second,inserted_runs,s3_puts_per_s\n1,150,30\n2,250,40\n3,50,0\n");
  auto json = blob_compare_json(std::vector{a, b}, boost::json::object{{"rate", 300}});
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  ASSERT_EQ(parser.parse(json).get(doc), simdjson::SUCCESS) << json;
  EXPECT_EQ(doc["config"]["rate"].get_int64().value(), 300);
  EXPECT_EQ(std::string(doc["sides"]["inline"]["blob_mode"].get_string().value()), "never");
  EXPECT_EQ(std::string(doc["sides"]["blob"]["blob_mode"].get_string().value()), "auto");
  for (const auto& f : blob_figures) {
    EXPECT_FALSE(doc["sides"]["inline"][f.key].error()) << f.key;  // present, null when not measured
    EXPECT_FALSE(doc["sides"]["blob"][f.key].error()) << f.key;
  }
  EXPECT_DOUBLE_EQ(doc["sides"]["inline"]["clickhouse_inserted_mib"].get_double().value(), 40);
  EXPECT_TRUE(doc["sides"]["inline"]["lag_p99_ms"].is_null()) << "not measured is null, never 0";
  EXPECT_DOUBLE_EQ(doc["ratio_blob_over_inline"]["clickhouse_inserted_mib"].get_double().value(), 0.25);
  EXPECT_TRUE(doc["ratio_blob_over_inline"]["s3_puts"].is_null()) << "no ratio over 0";
}

TEST(blob_compare, table_lists_every_figure_with_both_values) {
  auto text = blob_compare_table(std::vector{side("inline", "never", 40, 0), side("blob", "auto", 10, 300)});
  for (const auto& f : blob_figures) EXPECT_NE(text.find(std::string(f.label)), std::string::npos) << f.label;
  EXPECT_NE(text.find("0.25"), std::string::npos) << text;
  EXPECT_NE(text.find("n/a"), std::string::npos) << "lag was not measured: " << text;
}

TEST(blob_compare, page_overlays_both_runs_on_each_chart) {
  auto a = side("inline", "never", 40, 0);
  auto b = side("blob", "auto", 10, 300);
  b.timeseries = parse_timeseries_csv("second,inserted_runs,s3_puts_per_s\n1,150,30\n2,250,40\n3,50,0\n");
  auto page = blob_compare_html(std::vector{a, b}, "blob <vs> inline");
  EXPECT_NE(page.find("<title>blob &lt;vs&gt; inline</title>"), std::string::npos);
  // Two charts have data (inserted runs, S3 PUTs); the rest say neither run measured them.
  EXPECT_EQ(count(page, "<svg class=\"chart\""), 2u);
  EXPECT_EQ(count(page, "not measured in any run"), 6u);
  // The inline run put nothing to S3 (an empty column): no line, no legend entry there.
  EXPECT_EQ(count(page, ">inline (blob never)</text>"), 1u);
  EXPECT_EQ(count(page, ">blob (blob auto)</text>"), 2u);
  EXPECT_EQ(count(page, "<tr><th>"), std::size(blob_figures) + 1);  // and the header
}

TEST(blob_compare, a_third_side_s3_first_has_its_own_column_ratio_and_line) {
  auto a = side("inline", "never", 40, 0);
  auto b = side("blob", "auto", 10, 300);
  auto c = side("s3-first", "never", 44, 120);
  c.ingest_mode = "s3-first";
  c.figures["s3_gets"] = 120;
  c.timeseries = parse_timeseries_csv("second,inserted_runs,s3_puts_per_s\n1,90,\n2,210,\n");
  std::vector sides{a, b, c};
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  auto json = blob_compare_json(sides, {});
  ASSERT_EQ(parser.parse(json).get(doc), simdjson::SUCCESS) << json;
  EXPECT_EQ(std::string(doc["sides"]["s3-first"]["ingest_mode"].get_string().value()), "s3-first");
  EXPECT_EQ(std::string(doc["sides"]["inline"]["ingest_mode"].get_string().value()), "direct");
  EXPECT_DOUBLE_EQ(doc["ratio_s3-first_over_inline"]["clickhouse_inserted_mib"].get_double().value(), 1.1);
  EXPECT_DOUBLE_EQ(doc["ratio_blob_over_inline"]["clickhouse_inserted_mib"].get_double().value(), 0.25);
  EXPECT_DOUBLE_EQ(doc["sides"]["s3-first"]["s3_gets"].get_double().value(), 120);
  auto text = blob_compare_table(sides);
  EXPECT_NE(text.find("s3-first/inline"), std::string::npos) << text;
  EXPECT_NE(text.find("1.10"), std::string::npos) << text;
  auto page = blob_compare_html(sides, "three");
  EXPECT_EQ(count(page, ">s3-first (s3-first, blob never)</text>"), 1u);  // inserted runs; it put nothing itself
  EXPECT_EQ(count(page, "<th>s3-first ÷ inline</th>"), 1u);
}

}  // namespace
}  // namespace tracepipe::report
