#pragma once
// Turns one Langfuse event's stream entry (kind "langfuse", see
// queue/entry_fields.hpp) into one row of the traces, observations or scores
// table (langfuse_schema.hpp), in the columns' 18.16 types. The event was
// validated by ingest; a field of an unexpected type is left empty here
// rather than refused.
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <simdjson.h>

#include "queue/stream_consumer.hpp"
#include "sink/row_builder.hpp"
#include "sink/schema.hpp"

namespace tracepipe::sink {

class langfuse_row_builder {
 public:
  /// nullopt on success; else why the entry cannot become a row (it goes to
  /// the dead-letter stream).
  std::optional<std::string> build(const queue::stream_message& m, std::uint64_t dequeued_at_us, built_row& out);

 private:
  simdjson::dom::parser parser_;
};

/// A run's entry to the runs table's builder, a Langfuse event's to Langfuse's.
class entry_row_builder {
 public:
  explicit entry_row_builder(row_options options) : runs_(std::move(options)) {}
  std::optional<std::string> build(const queue::stream_message& m, std::uint64_t dequeued_at_us, built_row& out);
  /// What the entry weighs in a batch (row_builder::row_bytes): a Langfuse
  /// event has no parts to offload, so every field of it counts; an entry
  /// stored in S3 first, what its `bytes` field says (its fields come later).
  std::size_t row_bytes(const queue::stream_message& m) const;

 private:
  row_builder runs_;
  langfuse_row_builder langfuse_;
};

/// The rows of a batch by the table they go to (the runs table first, then
/// Langfuse's, each present only when it has rows), in batch order: one
/// INSERT each. `rows` numbers rows of `built`.
std::vector<std::pair<std::string, std::vector<std::size_t>>> rows_by_table(const schema_names& names,
                                                                           const std::vector<built_row>& built,
                                                                           const std::vector<std::size_t>& rows);

}  // namespace tracepipe::sink
