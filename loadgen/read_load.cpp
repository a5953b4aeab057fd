#include "loadgen/read_load.hpp"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "common/text.hpp"
#include "loadgen/detail/mix_text.hpp"
#include "common/url_text.hpp"
#include "loadgen/detail/seeded_random.hpp"
#include "loadgen/http_client.hpp"

namespace tracepipe::loadgen {
namespace {

using clock_type = std::chrono::steady_clock;

constexpr std::string_view kind_names[] = {"get", "trace", "project"};

std::string session_path(const std::string& project) { return "/sessions?name=" + common::percent_encode(project); }

/// The id in a GET /sessions answer ([{"id": "…", …}]); empty when none.
std::string first_id(const std::string& body) {
  auto at = body.find("\"id\":\"");
  if (at == std::string::npos) return {};
  at += 6;
  auto end = body.find('"', at);
  return end == std::string::npos ? std::string() : body.substr(at, end - at);
}

}  // namespace

std::string_view to_string(read_kind k) { return kind_names[static_cast<int>(k)]; }

std::string read_mix::text() const { return fmt::format("get:{:g},trace:{:g},project:{:g}", get, trace, project); }

std::optional<read_mix> parse_read_mix(std::string_view text, std::string* error) {
  read_mix m{0, 0, 0};
  auto items = detail::parse_weighted_list(text, error);
  if (!items) return std::nullopt;
  for (const auto& w : *items) {
    double* slot = w.name == "get" ? &m.get : w.name == "trace" ? &m.trace : w.name == "project" ? &m.project : nullptr;
    if (!slot) {
      if (error) *error = fmt::format("'{}' is not a read (get, trace, project)", w.name);
      return std::nullopt;
    }
    *slot = w.weight;
  }
  if (m.get + m.trace + m.project <= 0) {
    if (error) *error = "every weight is 0";
    return std::nullopt;
  }
  return m;
}

void read_targets::add(std::string run_id, std::string trace_id) {
  std::lock_guard lock(mutex_);
  if (ring_.size() < capacity) ring_.emplace_back(std::move(run_id), std::move(trace_id));
  else ring_[next_] = {std::move(run_id), std::move(trace_id)};
  next_ = (next_ + 1) % capacity;
}

std::optional<std::pair<std::string, std::string>> read_targets::pick(std::mt19937_64& rng) const {
  std::lock_guard lock(mutex_);
  if (ring_.empty()) return std::nullopt;
  return ring_[detail::below(rng, ring_.size())];
}

void attach_reads(load_result& r, read_figures reads) {
  for (std::size_t i = 0; i < reads.seconds.size(); ++i) {
    auto& s = reads.seconds[i];
    if (s.sent == 0) continue;
    // timeseries rows are numbered by the second that ended: intended second i is row i + 1.
    auto row = std::find_if(r.timeseries.begin(), r.timeseries.end(), [&](const second_row& x) { return x.second == i + 1; });
    if (row == r.timeseries.end()) {
      r.timeseries.push_back({});
      r.timeseries.back().second = i + 1;
      row = r.timeseries.end() - 1;
    }
    auto& c = row->components;
    c.read_sent = static_cast<double>(s.sent);
    c.read_ok = static_cast<double>(s.ok);
    c.read_429 = static_cast<double>(s.rejected_429);
    c.read_failed = static_cast<double>(s.failed);
    if (!s.latency_us.empty()) {
      auto rank = quantile_rank(0.99, s.latency_us.size()) - 1;
      std::nth_element(s.latency_us.begin(), s.latency_us.begin() + static_cast<std::ptrdiff_t>(rank), s.latency_us.end());
      c.read_p99_ms = s.latency_us[rank] / 1e3;
    }
  }
  std::sort(r.timeseries.begin(), r.timeseries.end(), [](const second_row& a, const second_row& b) { return a.second < b.second; });
  r.reads = std::move(reads);
}

read_load::read_load(read_options options, const read_targets& targets)
    : o_(std::move(options)), targets_(targets) {
  std::string why;
  auto plan = schedule::from_stages(o_.stages, &why);
  if (!plan) throw std::runtime_error("read load: " + why);
  plan_ = *plan;
  f_.mix = o_.mix.text();
  auto secs = std::chrono::duration<double>(plan_.total()).count();
  f_.target_rate = secs > 0 ? static_cast<double>(plan_.total_requests()) / secs : 0;
  f_.seconds.resize(static_cast<std::size_t>(std::ceil(secs)) + 1);
}

read_load::~read_load() {
  if (dispatcher_.joinable()) finish(true);
}

void read_load::start(clock_type::time_point start) {
  start_ = start;
  dispatcher_ = std::thread([this, start] { dispatch(start); });
  for (int i = 0; i < o_.connections; ++i)
    readers_.emplace_back([this, i] { reader(o_.seed * 1000003 + static_cast<std::uint64_t>(i)); });
}

void read_load::dispatch(clock_type::time_point start) {
  pacer pace(plan_, start);
  std::mt19937_64 rng(o_.seed);
  double total = o_.mix.get + o_.mix.trace + o_.mix.project;
  while (!stop_ && !pace.done()) {
    auto now = clock_type::now();
    auto due = pace.take_due(now);
    if (due.count == 0) {
      std::unique_lock lock(mutex_);
      wake_.wait_until(lock, std::min(*pace.next_due(), now + std::chrono::milliseconds(50)), [this] { return stop_.load(); });
      continue;
    }
    std::lock_guard lock(mutex_);
    for (auto n = due.first; n < due.first + due.count; ++n) {
      ++f_.offered;
      if (queue_.size() - queue_head_ >= o_.max_queue) {
        ++f_.dropped;
        continue;
      }
      double u = detail::unit(rng) * total;
      auto kind = u < o_.mix.get ? read_kind::get : u < o_.mix.get + o_.mix.trace ? read_kind::trace : read_kind::project;
      queue_.push_back({n, pace.intended_time(n), kind});
    }
    wake_.notify_all();
  }
  std::lock_guard lock(mutex_);
  dispatching_ = false;
  wake_.notify_all();
}

void read_load::reader(std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::optional<http_client> http;
  std::map<std::string, std::string> headers{{"content-type", "application/json"}};
  if (!o_.api_key.empty()) headers["x-api-key"] = o_.api_key;
  for (;;) {
    job j;
    {
      std::unique_lock lock(mutex_);
      wake_.wait(lock, [this] { return stop_ || queue_head_ < queue_.size() || !dispatching_; });
      if (queue_head_ == queue_.size()) return;  // stopped, or the schedule is done and drained
      j = queue_[queue_head_++];
    }
    // Reads of runs need runs: until the first is acknowledged, list the project.
    auto target = j.kind == read_kind::project ? std::nullopt : targets_.pick(rng);
    auto kind = target && (j.kind == read_kind::get || !target->second.empty()) ? j.kind : read_kind::project;
    std::string method = "POST", path = "/runs/query", body;
    if (kind == read_kind::get) {
      method = "GET";
      path = "/runs/" + target->first;
    } else if (kind == read_kind::trace) {
      body = fmt::format(R"({{"trace":"{}","limit":100}})", target->second);
    } else {
      std::lock_guard lock(mutex_);
      if (project_id_.empty()) method = "GET", path = session_path(o_.project);
      else body = fmt::format(R"({{"session":["{}"],"limit":100}})", project_id_);
    }
    auto sent = clock_type::now();
    unsigned status = 0;
    bool error = false;
    try {
      if (!http) http.emplace(o_.target, o_.timeout);
      auto answer = http->request(method, path, body, headers);
      status = answer.status;
      if (status == 200 && path.starts_with("/sessions")) {
        auto id = first_id(answer.body);
        std::lock_guard lock(mutex_);
        if (!id.empty()) project_id_ = id;
      }
    } catch (const std::exception&) {
      error = true;
      http.reset();  // a fresh connection for the next read
    }
    {
      std::lock_guard lock(mutex_);
      ++f_.by_kind[std::string(to_string(kind))];
    }
    record(j, sent, status, error);
  }
}

void read_load::record(const job& j, clock_type::time_point sent, unsigned status, bool error) {
  auto done = clock_type::now();
  auto corrected = std::chrono::duration_cast<std::chrono::microseconds>(done - j.intended).count();
  auto uncorrected = std::chrono::duration_cast<std::chrono::microseconds>(done - sent).count();
  auto second = static_cast<std::size_t>(std::chrono::duration_cast<std::chrono::seconds>(j.intended - start_).count());
  std::lock_guard lock(mutex_);
  ++f_.sent;
  auto& s = f_.seconds[std::min(second, f_.seconds.size() - 1)];
  ++s.sent;
  if (error) {
    ++f_.errors;
    ++s.failed;
    return;
  }
  // A read answered, whatever it said, took this long.
  f_.corrected.record(static_cast<std::uint64_t>(std::max<std::int64_t>(0, corrected)));
  f_.uncorrected.record(static_cast<std::uint64_t>(std::max<std::int64_t>(0, uncorrected)));
  s.latency_us.push_back(static_cast<std::uint32_t>(std::min<std::int64_t>(corrected, UINT32_MAX)));
  if (status == 200) {
    ++f_.ok;
    ++s.ok;
  } else if (status == 404) {
    ++f_.not_found;  // acknowledged, not visible yet: the write path's lag, not a failed read
    ++s.ok;
  } else {
    ++f_.rejected[status];
    if (status == 429) ++s.rejected_429;
    else ++s.failed;
  }
}

read_figures read_load::finish(bool now) {
  if (now) stop_ = true;
  {
    std::lock_guard lock(mutex_);
    wake_.notify_all();
  }
  if (dispatcher_.joinable()) dispatcher_.join();
  // Reads in flight finish within their timeout; the queue is dropped once the schedule is over.
  {
    std::lock_guard lock(mutex_);
    f_.dropped += queue_.size() - queue_head_;
    queue_head_ = queue_.size();
    stop_ = true;
    wake_.notify_all();
  }
  for (auto& t : readers_)
    if (t.joinable()) t.join();
  auto secs = std::chrono::duration<double>(plan_.total()).count();
  f_.achieved_rate = secs > 0 ? static_cast<double>(f_.sent) / secs : 0;
  return f_;
}

}  // namespace tracepipe::loadgen
