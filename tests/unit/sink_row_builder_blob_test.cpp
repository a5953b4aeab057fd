// row_builder offloading to S3: the threshold, blob modes, attachments, deterministic keys.
#include "sink/row_builder.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "sink_row_builder_fixture.hpp"

namespace tracepipe::sink {
namespace {

using namespace row_builder_test;

TEST_F(sink_row_builder, large_multipart_part_goes_to_s3_byte_identical) {
  auto r = run(30 * 1024);
  auto op = post_op(r, /*with_inputs=*/false);
  op.parts.push_back({"inputs", "application/json", r.inputs_json});
  auto e = make_entry(op);
  ASSERT_EQ(e->message.field(field::part("inputs")), r.inputs_json);

  row_builder builder({.mode = blob_mode::automatic, .threshold = 20 * 1024, .bucket = "traces"});
  built_row row;
  ASSERT_EQ(builder.build(e->message, dequeued_at, row), std::nullopt);
  parsed_row p(row);
  EXPECT_EQ(p.keys(), table_columns());
  const auto key = "runs/" + r.id + "/post/inputs";
  EXPECT_EQ(p.str("inputs"), "");
  EXPECT_EQ(p.str("inputs_s3"), "s3://traces/" + key);
  EXPECT_EQ(p.num("inputs_bytes"), r.inputs_json.size());
  EXPECT_EQ(blob_key(r.id, "post", "inputs"), key);

  ASSERT_EQ(row.blobs.size(), 1u);
  const auto& b = row.blobs[0];
  EXPECT_EQ(b.key, key);
  EXPECT_EQ(b.content_type, "application/json");
  EXPECT_TRUE(b.bytes() == r.inputs_json) << "byte-identical to the part as sent";
  EXPECT_EQ(b.bytes().data(), e->message.field(field::part("inputs")).data()) << "borrowed, not copied";
  EXPECT_EQ(row.inline_bytes, p.str("extra").size()) << "the offloaded field is not inline";
}

TEST_F(sink_row_builder, large_field_inside_the_run_json_goes_to_s3_minified) {
  auto r = run();
  // Not compact on purpose: the blob holds the minified field.
  std::string big(25 * 1024, 'x');
  std::string inputs_pretty = "{ \"question\" : \"" + big + "\",\n  \"n\" : [ 1, 2 , 3 ] }";
  std::string inputs_min = "{\"question\":\"" + big + "\",\"n\":[1,2,3]}";
  auto op = post_op(r);
  op.json = R"({"id":")" + r.id + R"(","trace_id":")" + r.trace_id + R"(","name":"llm","inputs":)" + inputs_pretty +
            R"(,"outputs":{"answer": 42}})";
  auto e = make_entry(op);
  row_builder builder({.mode = blob_mode::automatic, .threshold = 20 * 1024, .bucket = "b"});
  built_row row;
  ASSERT_EQ(builder.build(e->message, dequeued_at, row), std::nullopt);
  parsed_row p(row);
  EXPECT_EQ(p.str("inputs"), "");
  EXPECT_EQ(p.str("inputs_s3"), "s3://b/runs/" + r.id + "/post/inputs");
  EXPECT_EQ(p.num("inputs_bytes"), inputs_min.size());
  ASSERT_EQ(row.blobs.size(), 1u);
  EXPECT_EQ(row.blobs[0].key, "runs/" + r.id + "/post/inputs");
  EXPECT_TRUE(row.blobs[0].bytes() == inputs_min);
  // The small one stays inline, minified as well.
  EXPECT_EQ(p.str("outputs"), R"({"answer":42})");
  EXPECT_EQ(p.str("outputs_s3"), "");
}

TEST_F(sink_row_builder, threshold_is_exclusive) {
  auto r = run();
  auto op = post_op(r, false);
  const std::string exactly = "\"" + std::string(98, 'a') + "\"";  // a JSON string, 100 bytes
  ASSERT_EQ(exactly.size(), 100u);
  op.parts.push_back({"outputs", "application/json", exactly});
  auto e = make_entry(op);
  built_row row;
  row_builder at({.threshold = 100, .bucket = "b"});
  ASSERT_EQ(at.build(e->message, dequeued_at, row), std::nullopt);
  EXPECT_TRUE(row.blobs.empty()) << "size == threshold stays inline";
  row_builder below({.threshold = 99, .bucket = "b"});
  ASSERT_EQ(below.build(e->message, dequeued_at, row), std::nullopt);
  ASSERT_EQ(row.blobs.size(), 1u) << "outputs only: extra's 39 bytes are under the threshold";
  EXPECT_EQ(row.blobs[0].key, "runs/" + r.id + "/post/outputs");
  EXPECT_TRUE(row.blobs[0].bytes() == exactly);
}

TEST_F(sink_row_builder, mode_always_offloads_every_present_field) {
  auto r = run();
  auto e = make_entry(post_op(r));
  row_builder builder({.mode = blob_mode::always, .threshold = 1 << 30, .bucket = "b"});
  built_row row;
  ASSERT_EQ(builder.build(e->message, dequeued_at, row), std::nullopt);
  parsed_row p(row);
  for (const char* f : {"inputs", "extra"}) {
    SCOPED_TRACE(f);
    auto key = "runs/" + r.id + "/post/" + f;
    EXPECT_EQ(p.str(f), "");
    EXPECT_EQ(p.str((std::string(f) + "_s3").c_str()), "s3://b/" + key);
    auto* b = find_blob(row, key);
    ASSERT_NE(b, nullptr);
    EXPECT_EQ(p.num((std::string(f) + "_bytes").c_str()), b->bytes().size());
  }
  EXPECT_TRUE(find_blob(row, "runs/" + r.id + "/post/inputs")->bytes() == r.inputs_json);
  // Absent fields make no empty objects.
  EXPECT_EQ(row.blobs.size(), 2u);
  EXPECT_EQ(p.str("outputs_s3"), "");
  EXPECT_EQ(row.inline_bytes, 0u);
}

TEST_F(sink_row_builder, mode_never_keeps_large_fields_inline) {
  auto r = run(64 * 1024);
  auto op = post_op(r, false);
  op.parts.push_back({"inputs", "application/json", r.inputs_json});
  std::string attachment(100 * 1024, '\x7f');
  op.parts.push_back({"attachment.big", "application/octet-stream", attachment});
  auto e = make_entry(op);
  row_builder builder({.mode = blob_mode::never, .threshold = 16, .bucket = "b"});
  built_row row;
  ASSERT_EQ(builder.build(e->message, dequeued_at, row), std::nullopt);
  EXPECT_TRUE(row.blobs.empty());
  parsed_row p(row);
  EXPECT_EQ(p.str("inputs"), r.inputs_json);
  EXPECT_EQ(p.str("inputs_s3"), "");
  EXPECT_EQ(p.num("inputs_bytes"), r.inputs_json.size());
  auto a = attachments_of(p.str("attachments"));
  ASSERT_EQ(a.count("big"), 1u);
  ASSERT_TRUE(a["big"].base64);
  EXPECT_TRUE(base64_decode(*a["big"].base64) == attachment);
}

TEST_F(sink_row_builder, row_bytes_leave_out_the_parts_that_go_to_s3) {
  auto r = run(64 * 1024);
  auto op = post_op(r, false);
  op.parts.push_back({"inputs", "application/json", r.inputs_json});
  op.parts.push_back({"outputs", "application/json", "{\"small\":1}"});
  std::string attachment(100 * 1024, '\x7f');
  op.parts.push_back({"attachment.big", "application/octet-stream", attachment});
  auto e = make_entry(op);
  std::size_t all = 0;
  for (const auto& [k, v] : e->message.fields) all += v.size();
  auto bytes = [&](blob_mode mode) { return row_builder({.mode = mode, .threshold = 1024, .bucket = "b"}).row_bytes(e->message); };
  EXPECT_EQ(bytes(blob_mode::never), all);
  EXPECT_EQ(bytes(blob_mode::automatic), all - r.inputs_json.size() - attachment.size());
  EXPECT_EQ(bytes(blob_mode::always), all - r.inputs_json.size() - attachment.size() - std::string("{\"small\":1}").size());
}

TEST_F(sink_row_builder, attachments_small_inline_as_base64_large_to_s3) {
  auto r = run();
  auto op = post_op(r);
  // Every byte value, so base64 is checked over the whole alphabet; lengths 0, 1, 2 mod 3.
  std::string binary;
  for (int i = 0; i < 256; ++i) binary += static_cast<char>(i);
  std::string two = binary.substr(0, 254);
  std::string one = binary.substr(0, 253);
  std::string large(50 * 1024, '\0');
  for (std::size_t i = 0; i < large.size(); ++i) large[i] = static_cast<char>(i * 31 + 7);
  op.parts.push_back({"attachment.screenshot", "image/png", binary});
  op.parts.push_back({"attachment.a", "text/plain", two});
  op.parts.push_back({"attachment.b", "", one});
  op.parts.push_back({"attachment.empty", "text/plain", ""});
  op.parts.push_back({"attachment.my file/ü (1)", "application/pdf", large});
  auto e = make_entry(op);
  row_builder builder({.mode = blob_mode::automatic, .threshold = 20 * 1024, .bucket = "traces"});
  built_row row;
  ASSERT_EQ(builder.build(e->message, dequeued_at, row), std::nullopt);
  parsed_row p(row);
  EXPECT_EQ(p.keys(), table_columns());
  auto a = attachments_of(p.str("attachments"));
  ASSERT_EQ(a.size(), 5u) << p.str("attachments");

  struct small { const char* name; const char* type; std::string bytes; };
  for (const auto& s : {small{"screenshot", "image/png", binary}, small{"a", "text/plain", two},
                        small{"b", "", one}, small{"empty", "text/plain", ""}}) {
    SCOPED_TRACE(s.name);
    ASSERT_EQ(a.count(s.name), 1u);
    const auto& info = a[s.name];
    EXPECT_EQ(info.content_type, s.type);
    EXPECT_EQ(info.bytes, s.bytes.size());
    ASSERT_TRUE(info.base64);
    EXPECT_TRUE(base64_decode(*info.base64) == s.bytes);
  }
  const auto& big = a["my file/ü (1)"];
  EXPECT_EQ(big.content_type, "application/pdf");
  EXPECT_EQ(big.bytes, large.size());
  EXPECT_FALSE(big.base64);
  // The client's name is escaped into one safe key segment: no '/', no spaces, no raw UTF-8.
  const auto key = "runs/" + r.id + "/post/attachments/my%20file%2F%C3%BC%20%281%29";
  ASSERT_TRUE(big.s3);
  EXPECT_EQ(*big.s3, "s3://traces/" + key);
  ASSERT_EQ(row.blobs.size(), 1u);
  EXPECT_EQ(row.blobs[0].key, key);
  EXPECT_EQ(row.blobs[0].content_type, "application/pdf");
  EXPECT_TRUE(row.blobs[0].bytes() == large) << "byte-identical";
  EXPECT_EQ(row.inline_bytes, r.inputs_json.size() + p.str("extra").size() + binary.size() + two.size() + one.size());
}

TEST_F(sink_row_builder, attachment_keys_differ_for_names_that_differ) {
  auto r = run();
  auto op = post_op(r);
  // Names (ingest allows any without '.') that a naive escape would map to the same key.
  for (const char* name : {"a b", "a_b", "a%20b", "a/b", "A B"})
    op.parts.push_back({std::string("attachment.") + name, "text/plain", "payload"});
  auto e = make_entry(op);
  row_builder builder({.mode = blob_mode::always, .bucket = "b"});
  built_row row;
  ASSERT_EQ(builder.build(e->message, dequeued_at, row), std::nullopt);
  std::set<std::string> keys;
  for (const auto& b : row.blobs)
    if (b.key.find("/attachments/") != std::string::npos) keys.insert(b.key);
  EXPECT_EQ(keys.size(), 5u) << "every attachment has its own key";
  for (const auto& k : keys) {
    auto segment = k.substr(k.find("/attachments/") + 13);
    EXPECT_EQ(segment.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_%"),
              std::string::npos)
        << k;
  }
}

}  // namespace
}  // namespace tracepipe::sink
