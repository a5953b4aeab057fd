#pragma once
// ingest.mode s3-first, Langfuse v3's write path, without I/O: a request's
// stream entries are grouped by the entity they describe (a run, or a
// Langfuse trace, observation or score), each group written as one S3 object
// under Langfuse's key layout, and the stream gets only references to them
// (queue/entry_fields.hpp has the object's format). The session PUTs the
// objects (s3_store.hpp) and enqueues the references only once every PUT
// succeeded: S3 down before the enqueue means 503 and nothing enqueued.
#include <deque>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "queue/stream_producer.hpp"

namespace tracepipe::ingest {

struct stored_object {
  std::string key;
  std::string body;  ///< a JSON array of entries
};

struct stored_request {
  std::vector<stored_object> objects;
  std::vector<queue::stream_entry> references;  ///< one per entry, same order and shards
};

/// Where the objects of `entries` go and what the stream then carries.
/// `prefix` is s3.event_prefix; `fresh_id` gives the last key segment (a
/// UUID), one per object; the references' strings live in `storage`.
stored_request store_first(const std::vector<queue::stream_entry>& entries, std::string_view prefix,
                           const std::function<std::string()>& fresh_id, std::deque<std::string>& storage);

/// A random UUID (version 4), for store_first's keys.
std::string random_uuid();

/// `text` as one S3 key segment: bytes outside [A-Za-z0-9._-] become '_'
/// (keys stay readable and need no encoding), an empty one is "_", and one
/// over 128 bytes keeps its first 111 and a hash of the whole (S3 keys end
/// at 1,024 bytes: a long id must not turn a request into endless 503s).
std::string key_segment(std::string_view text);

}  // namespace tracepipe::ingest
