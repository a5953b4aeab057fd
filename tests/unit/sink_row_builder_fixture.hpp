#pragma once
// The row builder: one stream entry, shaped exactly as ingest writes it
// (ingest::stream_entries), becomes one JSONEachRow line of the runs table
// plus the blobs to PUT first. Rows are checked by parsing them back. What
// its tests share: entries made from runs of the load generator's factory, a
// parsed row, attachments and blobs looked up by key, the fixture.
#include <gtest/gtest.h>
#include <simdjson.h>

#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "common/base64.hpp"
#include "ingest/run_op.hpp"
#include "ingest/stream_fields.hpp"
#include "loadgen/run_factory.hpp"
#include "queue/entry_fields.hpp"
#include "sink/row_builder.hpp"
#include "sink/schema.hpp"

namespace tracepipe::sink::row_builder_test {

namespace field = queue::entry_field;
using simdjson::dom::element;

inline constexpr std::uint64_t received_at = 1'700'000'000'500'123;
inline constexpr const char* stream_id = "1700000000600-3";
inline constexpr std::uint64_t enqueued_at = 1'700'000'000'600'000;  // the id's ms, as µs
inline constexpr std::uint64_t dequeued_at = 1'700'000'000'700'456;
inline constexpr std::uint64_t sent_at = 1'700'000'000'800'789;

/// A table's insertable columns, read from the CREATE TABLE the sink sends (by default the runs table's).
inline std::set<std::string> table_columns(std::string ddl = schema_ddl({}, *clickhouse_version::parse("24.3.2.23"))[1]) {
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

inline std::unique_ptr<entry> make_entry(const ingest::run_op& op, std::string_view tenant = "acme",
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

inline ingest::run_op post_op(const loadgen::generated_run& r, bool with_inputs = true) {
  ingest::run_op op;
  op.kind = ingest::op_kind::post;
  op.run_id = r.id;
  op.trace_id = r.trace_id;
  op.project = r.project;
  op.json = r.post_json(with_inputs);
  return op;
}

inline ingest::run_op patch_op(const loadgen::generated_run& r, bool with_outputs = true) {
  auto op = post_op(r);
  op.kind = ingest::op_kind::patch;
  op.json = r.patch_json(with_outputs);
  return op;
}

inline std::string base64_decode(std::string_view in) {
  auto bytes = common::decode_base64(in);
  EXPECT_TRUE(bytes) << "not base64: " << in;
  return bytes.value_or("");
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

inline std::map<std::string, attachment_info> attachments_of(const std::string& column) {
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

inline const blob* find_blob(const built_row& row, std::string_view key) {
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

}  // namespace tracepipe::sink::row_builder_test
