// row_builder on hostile input: quotes, control bytes, invalid UTF-8 and odd attachment names survive as valid JSON.
#include "sink/row_builder.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "sink_row_builder_fixture.hpp"

namespace tracepipe::sink {
namespace {

using namespace row_builder_test;

TEST_F(sink_row_builder, hostile_strings_survive_the_round_trip) {
  auto r = run();
  // Decoded values, then as the run JSON spells them.
  std::string nasty = "say \"hi\" \\ back\\slash\n\ttab\r\x01\x1f\x7f / ü 日本 🎉 </script>";
  std::string nasty_json = R"("say \"hi\" \\ back\\slash\n\ttab\r\u0001\u001f)" "\x7f" R"( \/ ü 日本 🎉 </script>")";
  auto op = post_op(r);
  op.project = nasty;  // from session_name: raw bytes in the entry
  op.json = R"({"id":")" + r.id + R"(","trace_id":")" + r.trace_id + R"(","name":)" + nasty_json +
            R"(,"run_type":"llm","dotted_order":)" + nasty_json + R"(,"tags":[)" + nasty_json + R"(,"plain"],)" +
            R"("inputs":{"q":)" + nasty_json + R"(},"start_time":"2024-05-01T12:00:00Z"})";
  auto e = make_entry(op, nasty);
  auto attachment_name = std::string("attachment.") + "n\"a\\m\ne ü";
  op.parts.push_back({attachment_name, "text/\"plain\"", "tiny"});
  auto e2 = make_entry(op, nasty);

  row_builder builder({.bucket = "b"});
  for (auto* entry : {e.get(), e2.get()}) {
    built_row row;
    ASSERT_EQ(builder.build(entry->message, dequeued_at, row), std::nullopt);
    parsed_row p(row);
    ASSERT_EQ(p.keys(), table_columns()) << p.line();
    EXPECT_EQ(p.str("name"), nasty);
    EXPECT_EQ(p.str("dotted_order"), nasty);
    EXPECT_EQ(p.str("project"), nasty);
    EXPECT_EQ(p.str("tenant"), nasty);
    EXPECT_EQ(p.strings("tags"), (std::vector<std::string>{nasty, "plain"}));
    // The inputs column is JSON text that itself parses back to the value.
    simdjson::dom::parser parser;
    std::string_view q;
    ASSERT_EQ(parser.parse(p.str("inputs"))["q"].get(q), simdjson::SUCCESS) << p.str("inputs");
    EXPECT_EQ(q, nasty);
    // Control characters never appear raw in the line.
    for (char c : p.line().substr(0, p.line().size() - 1))
      EXPECT_FALSE(static_cast<unsigned char>(c) < 0x20) << "raw control char " << int(c);
    if (entry == e2.get()) {
      auto a = attachments_of(p.str("attachments"));
      ASSERT_EQ(a.size(), 1u);
      EXPECT_EQ(a.begin()->first, "n\"a\\m\ne ü");
      EXPECT_EQ(a.begin()->second.content_type, "text/\"plain\"");
      EXPECT_EQ(base64_decode(*a.begin()->second.base64), "tiny");
    }
  }
}

TEST_F(sink_row_builder, multipart_part_with_hostile_bytes_inline) {
  auto r = run();
  auto op = post_op(r, false);
  std::string part = "{\"t\":\"line1\\nline2 \\\"q\\\" ü\"}\n";  // as sent, a trailing newline included
  op.parts.push_back({"inputs", "application/json", part});
  auto e = make_entry(op);
  row_builder builder({.bucket = "b"});
  built_row row;
  ASSERT_EQ(builder.build(e->message, dequeued_at, row), std::nullopt);
  parsed_row p(row);
  EXPECT_EQ(p.str("inputs"), part) << "bytes exactly as sent";
  EXPECT_EQ(p.num("inputs_bytes"), part.size());
}

TEST_F(sink_row_builder, attachment_named_content_type_is_kept) {
  // Ingest accepts attachment.<run_id>.content_type (a name without '.'), so
  // the entry carries part.attachment.content_type and
  // part.attachment.content_type.content_type.
  auto r = run();
  auto op = post_op(r);
  op.parts.push_back({"attachment.content_type", "text/plain", "the bytes"});
  op.parts.push_back({"attachment.other", "image/png", "more"});
  auto e = make_entry(op);
  ASSERT_EQ(e->message.field("part.attachment.content_type"), "the bytes");
  ASSERT_EQ(e->message.field("part.attachment.content_type.content_type"), "text/plain");
  row_builder builder({.bucket = "b"});
  built_row row;
  ASSERT_EQ(builder.build(e->message, dequeued_at, row), std::nullopt);
  parsed_row p(row);
  auto a = attachments_of(p.str("attachments"));
  ASSERT_EQ(a.size(), 2u) << p.str("attachments");
  EXPECT_EQ(a["content_type"].content_type, "text/plain");
  ASSERT_TRUE(a["content_type"].base64);
  EXPECT_EQ(base64_decode(*a["content_type"].base64), "the bytes");
  EXPECT_EQ(a["other"].content_type, "image/png");
  ASSERT_TRUE(a["other"].base64);
  EXPECT_EQ(base64_decode(*a["other"].base64), "more");
}

TEST_F(sink_row_builder, invalid_utf8_from_headers_never_makes_invalid_json) {
  // X-Tenant-Id and multipart part names and types come from HTTP headers,
  // which may hold any byte 0x80–0xFF; ingest passes them on unchecked.
  auto r = run();
  auto op = post_op(r);
  op.parts.push_back({"attachment.bad\xff\xfename", "text/\xc3plain", "x"});
  const std::string big(30 * 1024, 'b');  // run_part::bytes is a view: the bytes must outlive op
  op.parts.push_back({"attachment.big\xe2\x82", "application/octet-stream", big});
  auto e = make_entry(op, "tenant-\xc3");
  row_builder builder({.bucket = "b"});
  built_row row;
  ASSERT_EQ(builder.build(e->message, dequeued_at, row), std::nullopt);
  parsed_row p(row);  // parses with simdjson, which validates UTF-8
  ASSERT_EQ(p.keys(), table_columns()) << p.line();
  EXPECT_EQ(p.str("tenant"), "tenant-?");
  auto a = attachments_of(p.str("attachments"));  // the column is valid JSON too
  ASSERT_EQ(a.size(), 2u) << p.str("attachments");
  ASSERT_EQ(a.count("bad??name"), 1u) << p.str("attachments");
  EXPECT_EQ(a["bad??name"].content_type, "text/?plain");
  ASSERT_EQ(a.count("big??"), 1u) << p.str("attachments");
  ASSERT_EQ(row.blobs.size(), 1u);
  EXPECT_EQ(row.blobs[0].key, "runs/" + r.id + "/post/attachments/big%3F%3F");
  // Valid non-ASCII stays as it is.
  auto ok_op = post_op(r);
  ok_op.parts.push_back({"attachment.日本", "text/plain", "x"});
  auto ok_entry = make_entry(ok_op, "tenant-ü");
  ASSERT_EQ(builder.build(ok_entry->message, dequeued_at, row), std::nullopt);
  parsed_row q(row);
  EXPECT_EQ(q.str("tenant"), "tenant-ü");
  EXPECT_EQ(attachments_of(q.str("attachments")).count("日本"), 1u);
}

}  // namespace
}  // namespace tracepipe::sink
