#pragma once
// The other half of ingest.mode s3-first (ingest/s3_first.hpp), without I/O:
// an object ingest stored, read back into the stream entries it holds, so
// that a reference (kind "s3") is built into a row exactly as the entry
// itself would have been. The object's format is queue/entry_fields.hpp's.
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <simdjson.h>

#include "queue/stream_consumer.hpp"

namespace tracepipe::sink {

using entry_fields = std::vector<std::pair<std::string, std::string>>;

class stored_entries {
 public:
  /// The entries of one object's text; nullopt on success, else why it
  /// cannot be read (the references to it go to the dead-letter stream).
  std::optional<std::string> read(std::string_view object, std::vector<entry_fields>& out);

 private:
  simdjson::ondemand::parser parser_;
  simdjson::padded_string padded_;
};

/// The entry `reference` stands for: its stream, id and deliveries, with
/// the stored entry's fields.
queue::stream_message stand_in(const queue::stream_message& reference, const entry_fields& stored);

}  // namespace tracepipe::sink
