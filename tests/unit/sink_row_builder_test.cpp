// The row builder: one stream entry, shaped exactly as ingest writes it
// (ingest::stream_entries), becomes one JSONEachRow line of the runs table
// plus the blobs to PUT first. Rows are checked by parsing them back.
#include "sink/row_builder.hpp"

#include <gtest/gtest.h>
#include <simdjson.h>

#include <deque>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "ingest/run_op.hpp"
#include "ingest/stream_fields.hpp"
#include "loadgen/run_factory.hpp"
#include "sink/schema.hpp"

namespace tracepipe::sink {
namespace {

using simdjson::dom::element;

constexpr std::uint64_t received_at = 1'700'000'000'500'123;
constexpr const char* stream_id = "1700000000600-3";
constexpr std::uint64_t enqueued_at = 1'700'000'000'600'000;  // the id's ms, as µs
constexpr std::uint64_t dequeued_at = 1'700'000'000'700'456;
constexpr std::uint64_t sent_at = 1'700'000'000'800'789;

/// The runs table's insertable columns, read from the CREATE TABLE the sink sends.
std::set<std::string> table_columns() {
  auto ddl = schema_ddl({}, *clickhouse_version::parse("24.3.2.23"))[1];
  auto open = ddl.find('(');
  auto close = ddl.find(") ENGINE");
  EXPECT_NE(open, std::string::npos);
  EXPECT_NE(close, std::string::npos);
  auto body = ddl.substr(open + 1, close - open - 1);
  std::set<std::string> names;
  int depth = 0;
  std::string item;
  auto finish = [&] {
    auto first = item.find_first_not_of(" \n");
    if (first != std::string::npos) {
      auto definition = item.substr(first);
      if (definition.find("MATERIALIZED") == std::string::npos)
        names.insert(definition.substr(0, definition.find(' ')));
    }
    item.clear();
  };
  for (char c : body) {
    if (c == '(') ++depth;
    if (c == ')') --depth;
    if (c == ',' && depth == 0) finish();
    else item += c;
  }
  finish();
  return names;
}

/// An entry as the consumer hands it out: fields exactly as ingest XADDed them.
struct entry {
  std::vector<ingest::run_op> ops;  ///< the entry's fields point into these, as into ingest's request
  std::deque<std::string> storage;
  queue::stream_message message;
};

std::unique_ptr<entry> make_entry(const ingest::run_op& op, std::string_view tenant = "acme",
                                  std::string id = stream_id) {
  auto e = std::make_unique<entry>();
  e->ops.push_back(op);
  auto entries = ingest::stream_entries(e->ops, tenant, received_at, 4, e->storage);
  EXPECT_EQ(entries.size(), 1u);
  e->message.stream = "tracepipe:runs:{0}";
  e->message.id = std::move(id);
  for (const auto& [k, v] : entries[0].fields) e->message.fields.emplace_back(k, v);
  return e;
}

ingest::run_op post_op(const loadgen::generated_run& r, bool with_inputs = true) {
  ingest::run_op op;
  op.kind = ingest::op_kind::post;
  op.run_id = r.id;
  op.trace_id = r.trace_id;
  op.project = r.project;
  op.json = r.post_json(with_inputs);
  return op;
}

ingest::run_op patch_op(const loadgen::generated_run& r, bool with_outputs = true) {
  auto op = post_op(r);
  op.kind = ingest::op_kind::patch;
  op.json = r.patch_json(with_outputs);
  return op;
}

std::string base64_decode(std::string_view in) {
  auto value = [](char c) -> int {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+') return 62;
    if (c == '/') return 63;
    return -1;
  };
  std::string out;
  unsigned bits = 0;
  int count = 0;
  for (char c : in) {
    if (c == '=') break;
    int v = value(c);
    EXPECT_GE(v, 0) << "not base64: " << c;
    bits = (bits << 6) | static_cast<unsigned>(v);
    count += 6;
    if (count >= 8) {
      count -= 8;
      out += static_cast<char>((bits >> count) & 0xff);
    }
  }
  EXPECT_EQ(in.size() % 4, 0u) << "padded to a multiple of 4";
  return out;
}

/// One rendered row, parsed back: every column as its JSON value.
class parsed_row {
 public:
  explicit parsed_row(const built_row& row) {
    row.render(line_, sent_at);
    EXPECT_EQ(line_.back(), '\n') << "JSONEachRow: one object per line";
    EXPECT_EQ(line_.find('\n'), line_.size() - 1) << "exactly one line";
    auto err = parser_.parse(line_).get(object_);
    EXPECT_EQ(err, simdjson::SUCCESS) << simdjson::error_message(err) << "\n" << line_;
    if (err) return;
    for (auto field : object_) {
      EXPECT_TRUE(keys_.insert(std::string(field.key)).second) << "duplicate column " << field.key;
    }
  }

  const std::set<std::string>& keys() const { return keys_; }
  const std::string& line() const { return line_; }

  std::string str(const char* column) const {
    std::string_view v;
    auto err = object_[column].get(v);
    EXPECT_EQ(err, simdjson::SUCCESS) << column << ": " << simdjson::error_message(err);
    return std::string(v);
  }
  std::uint64_t num(const char* column) const {
    std::uint64_t v = 0;
    auto err = object_[column].get(v);
    EXPECT_EQ(err, simdjson::SUCCESS) << column << ": " << simdjson::error_message(err);
    return v;
  }
  std::vector<std::string> strings(const char* column) const {
    std::vector<std::string> out;
    simdjson::dom::array a;
    EXPECT_EQ(object_[column].get(a), simdjson::SUCCESS) << column;
    for (element e : a) {
      std::string_view s;
      EXPECT_EQ(e.get(s), simdjson::SUCCESS);
      out.emplace_back(s);
    }
    return out;
  }

 private:
  std::string line_;
  simdjson::dom::parser parser_;
  simdjson::dom::object object_;
  std::set<std::string> keys_;
};

/// The attachments column (itself JSON) parsed: name → {content_type, bytes, base64 | s3}.
struct attachment_info {
  std::string content_type;
  std::uint64_t bytes = 0;
  std::optional<std::string> base64;
  std::optional<std::string> s3;
};

std::map<std::string, attachment_info> attachments_of(const std::string& column) {
  simdjson::dom::parser parser;
  simdjson::dom::array a;
  std::map<std::string, attachment_info> out;
  auto err = parser.parse(column).get(a);
  EXPECT_EQ(err, simdjson::SUCCESS) << column;
  if (err) return out;
  for (element e : a) {
    std::string_view name, s;
    attachment_info info;
    EXPECT_EQ(e["name"].get(name), simdjson::SUCCESS);
    EXPECT_EQ(e["content_type"].get(s), simdjson::SUCCESS);
    info.content_type = std::string(s);
    EXPECT_EQ(e["bytes"].get(info.bytes), simdjson::SUCCESS);
    if (e["base64"].get(s) == simdjson::SUCCESS) info.base64 = std::string(s);
    if (e["s3"].get(s) == simdjson::SUCCESS) info.s3 = std::string(s);
    EXPECT_NE(info.base64.has_value(), info.s3.has_value()) << "exactly one of base64 and s3: " << column;
    EXPECT_TRUE(out.emplace(std::string(name), std::move(info)).second) << "duplicate attachment " << name;
  }
  return out;
}

const blob* find_blob(const built_row& row, std::string_view key) {
  for (const auto& b : row.blobs)
    if (b.key == key) return &b;
  return nullptr;
}

class sink_row_builder : public ::testing::Test {
 protected:
  loadgen::generated_run run(std::size_t payload_bytes = 200, int index = 0) {
    loadgen::trace_shape shape;
    shape.payload_bytes = payload_bytes;
    shape.runs_per_trace = index + 1;
    return factory_.trace(shape)[index];
  }

  loadgen::run_factory factory_{42};
};

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

TEST_F(sink_row_builder, large_multipart_part_goes_to_s3_byte_identical) {
  auto r = run(30 * 1024);
  auto op = post_op(r, /*with_inputs=*/false);
  op.parts.push_back({"inputs", "application/json", r.inputs_json});
  auto e = make_entry(op);
  ASSERT_EQ(e->message.field("part.inputs"), r.inputs_json);

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
  EXPECT_EQ(b.bytes().data(), e->message.field("part.inputs").data()) << "borrowed, not copied";
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
      {"no run_id", with("run_id", std::nullopt)},
      {"run_id not a uuid", with("run_id", "not-a-uuid")},
      {"run_id empty", with("run_id", "")},
      {"no kind", with("kind", std::nullopt)},
      {"unknown kind", with("kind", "delete")},
      {"no run", with("run", std::nullopt)},
      {"run empty", with("run", "")},
      {"run not JSON", with("run", "{\"id\":")},
      {"run an array", with("run", "[1,2]")},
      {"run a string", with("run", "\"x\"")},
      {"run trailing garbage", with("run", "{} x")},
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
