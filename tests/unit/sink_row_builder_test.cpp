// row_builder: a stream entry becomes a row with exactly the table's columns, times in every form, rows reused, entries refused with a reason, sent_at stamped per render.
#include "sink/row_builder.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "sink_row_builder_fixture.hpp"

namespace tracepipe::sink {
namespace {

using namespace row_builder_test;

TEST_F(sink_row_builder, post_row_has_exactly_the_table_columns_and_right_values) {
  auto r = run(200, 1);  // a child: parent_run_id set
  ASSERT_FALSE(r.parent_run_id.empty());
  auto e = make_entry(post_op(r));
  row_builder builder({.mode = blob_mode::automatic, .threshold = 20 * 1024, .bucket = "traces"});
  built_row row;
  ASSERT_EQ(builder.build(e->message, dequeued_at, row), std::nullopt);
  EXPECT_TRUE(row.blobs.empty());

  parsed_row p(row);
  auto columns = table_columns();
  EXPECT_EQ(columns.count("inserted_at_us"), 0u);
  EXPECT_EQ(columns.size(), 38u) << "13 + 6×3 payload + attachments + 4 times + version + stream_id";
  EXPECT_EQ(p.keys(), columns) << p.line();

  EXPECT_EQ(p.str("id"), r.id);
  EXPECT_EQ(p.str("kind"), "post");
  EXPECT_EQ(p.str("trace_id"), r.trace_id);
  EXPECT_EQ(p.str("parent_run_id"), r.parent_run_id);
  EXPECT_EQ(p.str("dotted_order"), r.dotted_order);
  EXPECT_EQ(p.str("name"), r.name);
  EXPECT_EQ(p.str("run_type"), r.run_type);
  EXPECT_EQ(p.str("reference_example_id"), "");
  EXPECT_EQ(p.str("project"), r.project);
  EXPECT_EQ(p.str("tenant"), "acme");
  EXPECT_EQ(p.num("start_time_us"), static_cast<std::uint64_t>(r.start_us)) << "from the ISO string";
  EXPECT_EQ(p.num("end_time_us"), 0u) << "a post has no end_time";
  EXPECT_EQ(p.strings("tags"), std::vector<std::string>{"tracepipe"});
  EXPECT_EQ(p.num("received_at_us"), received_at);
  EXPECT_EQ(p.num("enqueued_at_us"), enqueued_at);
  EXPECT_EQ(p.num("dequeued_at_us"), dequeued_at);
  EXPECT_EQ(p.num("sent_at_us"), sent_at);
  EXPECT_EQ(p.num("version"), received_at);
  EXPECT_EQ(p.str("stream_id"), stream_id);

  // Small payloads inline, as their JSON text.
  EXPECT_EQ(p.str("inputs"), r.inputs_json);
  EXPECT_EQ(p.str("inputs_s3"), "");
  EXPECT_EQ(p.num("inputs_bytes"), r.inputs_json.size());
  EXPECT_EQ(p.str("extra"), R"({"metadata":{"generator":"tracepipe"}})");
  EXPECT_EQ(p.num("extra_bytes"), p.str("extra").size());
  for (const char* absent : {"outputs", "events", "error", "serialized"}) {
    SCOPED_TRACE(absent);
    EXPECT_EQ(p.str(absent), "");
    EXPECT_EQ(p.str((std::string(absent) + "_s3").c_str()), "");
    EXPECT_EQ(p.num((std::string(absent) + "_bytes").c_str()), 0u);
  }
  EXPECT_EQ(p.str("attachments"), "[]");
  EXPECT_EQ(row.inline_bytes, r.inputs_json.size() + p.str("extra").size());
}

TEST_F(sink_row_builder, patch_row_end_time_from_epoch_ms_and_outputs) {
  auto r = run();
  auto e = make_entry(patch_op(r), "");
  row_builder builder({.bucket = "traces"});
  built_row row;
  ASSERT_EQ(builder.build(e->message, dequeued_at, row), std::nullopt);
  parsed_row p(row);
  EXPECT_EQ(p.keys(), table_columns());
  EXPECT_EQ(p.str("kind"), "patch");
  EXPECT_EQ(p.str("id"), r.id);
  EXPECT_EQ(p.str("trace_id"), r.trace_id);
  EXPECT_EQ(p.str("tenant"), "") << "no X-Tenant-Id: no tenant field in the entry";
  EXPECT_EQ(p.num("start_time_us"), 0u);
  EXPECT_EQ(p.num("end_time_us"), static_cast<std::uint64_t>(r.end_us / 1000 * 1000)) << "epoch ms → µs";
  EXPECT_EQ(p.strings("tags"), std::vector<std::string>{});
  EXPECT_EQ(p.str("outputs"), r.outputs_json);
  EXPECT_EQ(p.num("outputs_bytes"), r.outputs_json.size());
  EXPECT_EQ(p.str("inputs"), "");
  EXPECT_EQ(p.str("name"), "");
}

TEST_F(sink_row_builder, times_in_other_forms) {
  auto r = run();
  ingest::run_op op = post_op(r);
  op.json = R"({"id":")" + r.id + R"(","trace_id":")" + r.trace_id +
            R"(","start_time":"2024-05-01T12:00:00.123456+02:00","end_time":1714557600.5})";
  auto e = make_entry(op);
  row_builder builder({});
  built_row row;
  ASSERT_EQ(builder.build(e->message, dequeued_at, row), std::nullopt);
  parsed_row p(row);
  EXPECT_EQ(p.num("start_time_us"), 1714557600123456u);  // 10:00:00.123456Z
  EXPECT_EQ(p.num("end_time_us"), 1714557600500000u);    // epoch seconds
}

TEST_F(sink_row_builder, keys_are_the_same_on_every_retry) {
  auto r = run(30 * 1024);
  auto op = post_op(r);
  const std::string attachment(30 * 1024, 'x');  // run_part::bytes is a view: the bytes must outlive op
  op.parts.push_back({"attachment.x", "text/plain", attachment});
  auto first = make_entry(op);
  auto replay = make_entry(op, "acme", "1700000009999-0");  // re-delivered under another id
  row_builder builder({.bucket = "b"});
  built_row a, b;
  ASSERT_EQ(builder.build(first->message, dequeued_at, a), std::nullopt);
  ASSERT_EQ(builder.build(replay->message, dequeued_at + 1, b), std::nullopt);
  ASSERT_EQ(a.blobs.size(), 2u);
  ASSERT_EQ(b.blobs.size(), 2u);
  for (std::size_t i = 0; i < 2; ++i) EXPECT_EQ(a.blobs[i].key, b.blobs[i].key);
  // A patch of the same run writes next to the post, never over it.
  auto patch = patch_op(r);
  auto e = make_entry(patch);
  built_row c;
  row_builder always({.mode = blob_mode::always, .bucket = "b"});
  ASSERT_EQ(always.build(e->message, dequeued_at, c), std::nullopt);
  ASSERT_EQ(c.blobs.size(), 1u);
  EXPECT_EQ(c.blobs[0].key, "runs/" + r.id + "/patch/outputs");
}

TEST_F(sink_row_builder, a_reused_row_is_built_as_a_fresh_one) {
  // Pipelines build each batch into the rows of the last: nothing may carry over.
  auto big = post_op(run(30 * 1024));
  const std::string attachment(30 * 1024, 'x');  // run_part::bytes is a view: the bytes must outlive big
  big.parts.push_back({"attachment.x", "text/plain", attachment});
  auto first = make_entry(big);
  auto second = make_entry(patch_op(run(100, 1)));
  row_builder builder({.bucket = "b"});
  built_row reused, fresh;
  ASSERT_EQ(builder.build(first->message, dequeued_at, reused), std::nullopt);
  ASSERT_EQ(reused.blobs.size(), 2u);
  ASSERT_EQ(builder.build(second->message, dequeued_at, reused), std::nullopt);
  ASSERT_EQ(builder.build(second->message, dequeued_at, fresh), std::nullopt);
  EXPECT_EQ(reused.json, fresh.json);
  EXPECT_TRUE(reused.blobs.empty());
  EXPECT_EQ(reused.inline_bytes, fresh.inline_bytes);
}

TEST_F(sink_row_builder, error_field) {
  auto r = run();
  ingest::run_op op = patch_op(r, false);
  op.json = R"({"id":")" + r.id + R"(","trace_id":")" + r.trace_id +
            R"(","end_time":1700000000123,"error":"ValueError: \"bad\"\n  at line 3"})";
  auto e = make_entry(op);
  row_builder builder({.bucket = "b"});
  built_row row;
  ASSERT_EQ(builder.build(e->message, dequeued_at, row), std::nullopt);
  parsed_row p(row);
  // Like every payload field, the column holds the field's JSON text.
  EXPECT_EQ(p.str("error"), R"("ValueError: \"bad\"\n  at line 3")");
  EXPECT_EQ(p.num("error_bytes"), p.str("error").size());
  EXPECT_EQ(p.str("error_s3"), "");
  EXPECT_EQ(p.num("end_time_us"), 1700000000123000u);
}

TEST_F(sink_row_builder, null_payload_fields_are_empty) {
  auto r = run();
  auto op = patch_op(r);
  op.json = R"({"id":")" + r.id + R"(","outputs":null,"error":null,"tags":null,"end_time":null})";
  op.trace_id = "";  // PATCH /runs/{id} naming no trace
  auto e = make_entry(op);
  row_builder builder({.mode = blob_mode::always, .bucket = "b"});
  built_row row;
  ASSERT_EQ(builder.build(e->message, dequeued_at, row), std::nullopt);
  EXPECT_TRUE(row.blobs.empty());
  parsed_row p(row);
  EXPECT_EQ(p.str("outputs"), "");
  EXPECT_EQ(p.str("outputs_s3"), "");
  EXPECT_EQ(p.num("outputs_bytes"), 0u);
  EXPECT_EQ(p.str("trace_id"), "");
  EXPECT_EQ(p.num("end_time_us"), 0u);
  EXPECT_TRUE(p.strings("tags").empty());
}

TEST_F(sink_row_builder, entries_that_cannot_become_rows_say_why) {
  auto r = run();
  auto good = make_entry(post_op(r));
  row_builder builder({.bucket = "b"});
  built_row row;
  ASSERT_EQ(builder.build(good->message, dequeued_at, row), std::nullopt);

  auto with = [&](std::string_view name, std::optional<std::string> value) {
    queue::stream_message m = good->message;
    std::erase_if(m.fields, [&](const auto& f) { return f.first == name; });
    if (value) m.fields.emplace_back(std::string(name), *value);
    return m;
  };
  const std::pair<const char*, queue::stream_message> bad[] = {
      {"no run_id", with(field::run_id, std::nullopt)},
      {"run_id not a uuid", with(field::run_id, "not-a-uuid")},
      {"run_id empty", with(field::run_id, "")},
      {"no kind", with(field::kind, std::nullopt)},
      {"unknown kind", with(field::kind, "delete")},
      {"no run", with(field::run, std::nullopt)},
      {"run empty", with(field::run, "")},
      {"run not JSON", with(field::run, "{\"id\":")},
      {"run an array", with(field::run, "[1,2]")},
      {"run a string", with(field::run, "\"x\"")},
      {"run trailing garbage", with(field::run, "{} x")},
      {"no fields", queue::stream_message{}},
  };
  for (const auto& [what, m] : bad) {
    SCOPED_TRACE(what);
    built_row out;
    auto reason = builder.build(m, dequeued_at, out);
    ASSERT_TRUE(reason.has_value());
    EXPECT_FALSE(reason->empty());
  }
  // The builder stays usable after failures.
  ASSERT_EQ(builder.build(good->message, dequeued_at, row), std::nullopt);
  parsed_row p(row);
  EXPECT_EQ(p.str("id"), r.id);
}

TEST_F(sink_row_builder, render_stamps_sent_at_per_call) {
  auto r = run();
  auto e = make_entry(post_op(r));
  row_builder builder({.bucket = "b"});
  built_row row;
  ASSERT_EQ(builder.build(e->message, dequeued_at, row), std::nullopt);
  std::string body;
  row.render(body, 1);
  row.render(body, 2);
  auto nl = body.find('\n');
  ASSERT_NE(nl, std::string::npos);
  EXPECT_EQ(body.substr(nl + 1).size(), nl + 1);
  simdjson::dom::parser parser;
  std::uint64_t first = 0, second = 0;
  ASSERT_EQ(parser.parse(body.substr(0, nl))["sent_at_us"].get(first), simdjson::SUCCESS);
  ASSERT_EQ(parser.parse(body.substr(nl + 1))["sent_at_us"].get(second), simdjson::SUCCESS);
  EXPECT_EQ(first, 1u);
  EXPECT_EQ(second, 2u);
}

}  // namespace
}  // namespace tracepipe::sink
