#pragma once
// PUTs the objects of s3-first requests (s3_first.hpp) off the I/O threads:
// a few threads, each with its own S3 client, each taking every request
// waiting at that moment into one round of concurrent PUTs, so that many
// small requests share connections and rounds instead of queueing one by one.
#include <atomic>
#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "ingest/s3_first.hpp"
#include "s3/client.hpp"

namespace tracepipe::ingest {

class s3_store {
 public:
  /// Called on a store thread once every object of a request was answered:
  /// empty when all were stored, else the first failure.
  using done_handler = std::function<void(std::string error)>;

  /// Throws std::invalid_argument for bad settings (s3::client's).
  s3_store(const s3::client_settings& settings, std::size_t threads);
  ~s3_store();  ///< stop()

  /// Hands a request's objects over; after stop(), answers at once that ingest is stopping.
  void put(std::vector<stored_object> objects, done_handler done);
  /// Ends the rounds in progress without waiting out S3's timeouts, answers
  /// every request still waiting that ingest is stopping (nothing of theirs
  /// was enqueued: their clients get 503), and joins the threads. The runner
  /// calls it once requests in progress had their grace period.
  void stop();

 private:
  struct job {
    std::vector<stored_object> objects;
    done_handler done;
  };
  void serve(s3::client& client);

  std::mutex mutex_;
  std::condition_variable ready_;
  std::deque<job> jobs_;
  std::atomic<bool> stopping_{false};
  std::vector<s3::client> clients_;
  std::vector<std::thread> threads_;
};

}  // namespace tracepipe::ingest
