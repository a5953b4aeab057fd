#include "ingest/s3_store.hpp"

#include <algorithm>
#include <exception>

namespace tracepipe::ingest {
namespace {

/// At most this many objects in one round, so one huge request does not hold up the rest for long.
constexpr std::size_t round_objects = 256;

}  // namespace

/// What a request waiting when ingest stops is told.
constexpr const char* stopping_error = "ingest is stopping";

s3_store::s3_store(const s3::client_settings& settings, std::size_t threads) {
  for (std::size_t i = 0; i < std::max<std::size_t>(threads, 1); ++i) clients_.emplace_back(settings);
  try {
    for (auto& c : clients_) threads_.emplace_back([this, &c] { serve(c); });
  } catch (...) {
    stop();  // joins the threads already started
    throw;
  }
}

s3_store::~s3_store() { stop(); }

void s3_store::put(std::vector<stored_object> objects, done_handler done) {
  {
    std::lock_guard lock(mutex_);
    if (!stopping_) {
      jobs_.push_back({std::move(objects), std::move(done)});
      ready_.notify_one();
      return;
    }
  }
  done(stopping_error);
}

void s3_store::stop() {
  std::deque<job> waiting;
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
    waiting.swap(jobs_);
  }
  ready_.notify_all();
  for (auto& j : waiting) j.done(stopping_error);
  for (auto& t : threads_)
    if (t.joinable()) t.join();
}

void s3_store::serve(s3::client& client) {
  for (;;) {
    std::vector<job> round;
    {
      std::unique_lock lock(mutex_);
      ready_.wait(lock, [this] { return stopping_ || !jobs_.empty(); });
      if (stopping_) return;  // stop() answers what waits
      std::size_t objects = 0;
      while (!jobs_.empty() && (round.empty() || objects + jobs_.front().objects.size() <= round_objects)) {
        objects += jobs_.front().objects.size();
        round.push_back(std::move(jobs_.front()));
        jobs_.pop_front();
      }
    }
    std::vector<s3::object> objects;
    for (const auto& j : round)
      for (const auto& o : j.objects) objects.push_back({o.key, o.body, "application/json"});
    std::vector<s3::reply> replies;
    try {
      replies = client.put_all(objects, [this] { return stopping_.load(); });
    } catch (const std::exception& e) {  // curl could not make a handle: the round fails, the threads live on
      replies.assign(objects.size(), s3::reply{false, 0, e.what(), {}});
    }
    std::size_t next = 0;
    for (auto& j : round) {
      std::string error;
      for (const auto& o : j.objects) {
        const auto& r = replies[next++];
        if (!r.ok && error.empty()) error = "PUT " + o.key + ": " + r.error;
      }
      j.done(std::move(error));
    }
  }
}

}  // namespace tracepipe::ingest
