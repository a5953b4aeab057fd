#include "loadgen/api_probe.hpp"

#include "loadgen/http_client.hpp"

namespace tracepipe::loadgen {

api_probe::api_probe(api_probe_options options) : o_(std::move(options)), sampler_(o_.probes_per_second) {}

api_probe::~api_probe() {
  if (!threads_.empty()) finish();
}

void api_probe::begin(clock::time_point start) {
  sampler_.begin(start);
  for (int i = 0; i < o_.connections; ++i) threads_.emplace_back([this] { poll(); });
}

void api_probe::probe(std::string run_id, clock::time_point sent_at) {
  {
    std::lock_guard lock(mutex_);
    inbox_.push_back({std::move(run_id), sent_at});
    ++figures_.probes;
  }
  wake_.notify_one();
}

void api_probe::poll() {
  std::optional<http_client> http;
  std::map<std::string, std::string> headers;
  if (!o_.api_key.empty()) headers["x-api-key"] = o_.api_key;
  for (;;) {
    waiting w;
    {
      std::unique_lock lock(mutex_);
      wake_.wait(lock, [this] { return stopping_ || !inbox_.empty(); });
      if (inbox_.empty()) return;
      w = std::move(inbox_.front());
      inbox_.erase(inbox_.begin());
    }
    // One probe at a time per thread, polled until it shows or the limit passes.
    bool seen = false;
    std::uint64_t errors = 0;
    auto polling = [&] {
      auto now = clock::now();
      return now < w.sent_at + o_.give_up && now < clock::time_point(clock::duration(polls_end_.load()));
    };
    while (!seen && polling()) {
      try {
        if (!http) http.emplace(o_.target, std::chrono::seconds(10));
        auto a = http->request("GET", "/runs/" + w.id, {}, headers);
        if (a.status == 200)
          seen = !o_.wait_for_patch || (a.body.find("\"end_time\":\"") != std::string::npos);
        else if (a.status != 404 && a.status != 429)  // not there yet; too many reads at once: poll again
          ++errors;
      } catch (const std::exception&) {
        ++errors;
        http.reset();
      }
      if (!seen) std::this_thread::sleep_for(o_.interval);
    }
    auto took = std::chrono::duration_cast<std::chrono::microseconds>(clock::now() - w.sent_at).count();
    std::lock_guard lock(mutex_);
    figures_.errors += errors;
    if (seen) figures_.visible_us.record(static_cast<std::uint64_t>(took));
    else ++figures_.not_visible;
  }
}

api_visibility api_probe::finish() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
    polls_end_ = (clock::now() + o_.drain).time_since_epoch().count();
  }
  wake_.notify_all();
  for (auto& t : threads_) t.join();
  threads_.clear();
  return figures_;
}

}  // namespace tracepipe::loadgen
