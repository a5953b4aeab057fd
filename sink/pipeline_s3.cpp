// The pipeline's S3 steps: PUT the blobs of a batch's rows, and (ingest.mode
// s3-first) GET the objects a batch's references point to. Either waits and
// retries while S3 fails: the batch is held, nothing is acked.
#include <charconv>
#include <iostream>
#include <map>

#include <fmt/format.h>

#include "queue/entry_fields.hpp"
#include "sink/pipeline.hpp"

namespace tracepipe::sink {

pipeline::outcome pipeline::put_blobs(const std::vector<const blob*>& blobs) {
  std::vector<const blob*> todo = blobs;
  for (retry_loop retry(backoff_); !todo.empty();) {
    std::vector<s3::object> objects;
    for (const auto* b : todo) objects.push_back({b->key, b->bytes(), b->content_type});
    auto results = s3_.put_all(objects, [this] { return past_deadline(); });
    std::vector<const blob*> failed;
    std::string first_error;
    for (std::size_t i = 0; i < todo.size(); ++i) {
      if (results[i].ok) {
        ctx_.metrics->blobs_put++;
        ctx_.metrics->blob_bytes += todo[i]->bytes().size();
        ctx_.metrics->s3_put_latency_us.observe(static_cast<std::uint64_t>(results[i].latency.count()));
      } else {
        if (failed.empty()) first_error = results[i].error;
        failed.push_back(todo[i]);
      }
    }
    if (!failed.empty()) {
      if (retry.failures() == 0)
        std::cerr << fmt::format("tracepipe worker {}: {} of {} S3 PUTs failed ({}); the batch waits and retries\n",
                                 name_, failed.size(), todo.size(), first_error);
      if (!backoff(retry, retry_cause::s3)) return outcome::gave_up;
    }
    todo = std::move(failed);
  }
  return outcome::done;
}

pipeline::outcome pipeline::fetch_stored(const std::vector<item>& items) {
  namespace field = queue::entry_field;
  stand_ins_.assign(items.size(), std::nullopt);
  unreadable_.assign(items.size(), {});
  std::map<std::string, std::vector<std::size_t>> referencing;  // object key → items
  for (std::size_t i = 0; i < items.size(); ++i) {
    const auto& m = items[i].message;
    if (m.field(field::kind) != field::stored_kind) continue;
    if (m.field(field::object).empty())
      unreadable_[i] = "a reference to an entry stored in S3 that names no object";
    else
      referencing[std::string(m.field(field::object))].push_back(i);
  }
  std::vector<std::string> todo;
  for (const auto& [key, _] : referencing) todo.push_back(key);
  std::vector<entry_fields> entries;
  for (retry_loop retry(backoff_); !todo.empty();) {
    auto fetched = s3_.get_all(todo, [this] { return past_deadline(); });
    std::vector<std::string> failed;
    std::string first_error;
    for (std::size_t k = 0; k < todo.size(); ++k) {
      const auto& [reply, body] = fetched[k];
      const auto& users = referencing[todo[k]];
      if (reply.ok) {
        ctx_.metrics->objects_fetched++;
        ctx_.metrics->object_bytes_fetched += body.size();
        ctx_.metrics->s3_get_latency_us.observe(static_cast<std::uint64_t>(reply.latency.count()));
        auto problem = stored_.read(body, entries);
        for (auto i : users) place(items[i].message, problem, entries, i);
      } else if (reply.http_status == 404 && reply.error.find(" NoSuchKey") != std::string::npos) {
        // Gone for good (ingest answered only after its PUT): no retry brings
        // it back. Any other 404 (NoSuchBucket: a bucket being made, a wrong
        // setting) is retried like an outage.
        for (auto i : users)
          unreadable_[i] = fmt::format("the stored object {} is not in S3: {}", s3_.reference(todo[k]), reply.error);
      } else {
        if (failed.empty()) first_error = reply.error;
        failed.push_back(todo[k]);
      }
    }
    if (!failed.empty()) {
      if (retry.failures() == 0)
        std::cerr << fmt::format("tracepipe worker {}: {} of {} S3 GETs of stored entries failed ({}); the batch "
                                 "waits and retries\n",
                                 name_, failed.size(), todo.size(), first_error);
      if (!backoff(retry, retry_cause::s3)) return outcome::gave_up;
    }
    todo = std::move(failed);
  }
  return outcome::done;
}

void pipeline::place(const queue::stream_message& reference, const std::optional<std::string>& problem,
                     const std::vector<entry_fields>& entries, std::size_t i) {
  namespace field = queue::entry_field;
  auto object = s3_.reference(std::string(reference.field(field::object)));
  if (problem) {
    unreadable_[i] = fmt::format("the stored object {} cannot be read: {}", object, *problem);
    return;
  }
  auto text = reference.field(field::index);
  std::size_t index = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), index);
  if (ec != std::errc{} || end != text.data() + text.size() || index >= entries.size()) {
    unreadable_[i] = fmt::format("index '{}' is not an entry of the stored object {} ({} entries)", text, object,
                                 entries.size());
    return;
  }
  stand_ins_[i] = stand_in(reference, entries[index]);
}

}  // namespace tracepipe::sink
