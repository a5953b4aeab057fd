#pragma once
// Turns one stream entry (see queue/entry_fields.hpp) into one ClickHouse
// row of the runs table, deciding which payload fields and attachments go to
// S3 (blob mode and threshold) under keys that are the same on every retry.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <simdjson.h>

#include "common/json_members.hpp"
#include "common/langfuse_events.hpp"
#include "queue/stream_consumer.hpp"

namespace tracepipe::sink {

enum class blob_mode { automatic, always, never };

struct row_options {
  blob_mode mode = blob_mode::automatic;
  std::size_t threshold = 20 * 1024;  ///< bytes; larger fields go to S3 in automatic mode
  std::string bucket;                 ///< for "s3://bucket/key" references
};

/// An object to PUT before the row that references it is inserted.
struct blob {
  std::string key;
  std::string_view borrowed;  ///< into the stream message, when the bytes are there as sent
  std::string owned;          ///< else a field re-serialized from the run JSON
  std::string content_type;

  std::string_view bytes() const { return owned.empty() ? borrowed : std::string_view(owned); }
};

struct built_row {
  std::string json;  ///< the row without its closing brace; render() finishes it
  /// The Langfuse table the row goes to; none: a run's row, for the runs table.
  common::langfuse::entity langfuse = common::langfuse::entity::none;
  std::vector<blob> blobs;
  std::size_t inline_bytes = 0;

  /// Appends the finished JSONEachRow line, stamped with when the insert is sent.
  void render(std::string& out, std::uint64_t sent_at_us) const;
  /// An upper bound of what render() appends.
  std::size_t rendered_size() const { return json.size() + 40; }
};

class row_builder {
 public:
  explicit row_builder(row_options options) : options_(std::move(options)) {}

  /// nullopt on success; else why the entry cannot become a row (it goes to
  /// the dead-letter stream).
  std::optional<std::string> build(const queue::stream_message& m, std::uint64_t dequeued_at_us, built_row& out);

  const row_options& options() const { return options_; }

  /// The bytes of `m` that stay in its row: every field but the multipart
  /// parts build() sends to S3. A batch's byte limit counts these, so that a
  /// batch stands for what its INSERT writes (inline payloads fill it, and
  /// make a part, sooner). A payload inside the run JSON (the batch
  /// endpoint) counts whole: its size is known only once the row is built.
  std::size_t row_bytes(const queue::stream_message& m) const;

 private:
  bool offload(std::size_t size) const {
    return options_.mode == blob_mode::always || (options_.mode == blob_mode::automatic && size > options_.threshold);
  }

  /// Fills members_ from the run's text (run is its parse).
  bool payload_members(std::string_view run_json, simdjson::dom::element run);
  /// A top-level member's JSON text; "" when absent or null.
  std::string_view member(std::string_view key) const;

  row_options options_;
  simdjson::dom::parser parser_;
  std::vector<common::json_member> members_;
  std::string normalized_;  ///< the run re-serialized, when its own text had escaped keys
};

/// "runs/<run_id>/<kind>/<field>" — deterministic, so a retry overwrites.
std::string blob_key(std::string_view run_id, std::string_view kind, std::string_view field);

}  // namespace tracepipe::sink
