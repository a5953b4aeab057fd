#include "loadgen/request_template.hpp"

#include <cstring>
#include <stdexcept>

#include <fmt/format.h>

namespace tracepipe::loadgen {

namespace {

std::uint64_t splitmix64(std::uint64_t x) {
  x += 0x9e3779b97f4a7c15ull;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
  return x ^ (x >> 31);
}

void hex(char* out, std::uint64_t v, int digits) {
  static constexpr char d[] = "0123456789abcdef";
  for (int i = digits - 1; i >= 0; --i, v >>= 4) out[i] = d[v & 0xf];
}

/// Every offset at which `needle` occurs in `hay`.
void find_all(const std::string& hay, const std::string& needle, std::uint32_t slot, bool previous, bool in_target,
              auto& stamps) {
  for (auto pos = hay.find(needle); pos != std::string::npos; pos = hay.find(needle, pos + needle.size()))
    stamps.push_back({static_cast<std::uint32_t>(pos), slot, previous, in_target});
}

}  // namespace

void write_uuid(char* out, std::uint64_t seed, std::uint64_t k, std::uint32_t slot) {
  std::uint64_t hi = splitmix64(seed ^ splitmix64(k * 0x100000001b3ull + slot));
  hi = (hi & 0xffffffffffff0fffull) | 0x0000000000004000ull;  // version 4
  std::uint64_t lo = 0x8000000000000000ull | (static_cast<std::uint64_t>(slot & 0x3fff) << 48) |
                     (k & 0xffffffffffffull);  // variant 10, then (slot, k): unique by construction
  hex(out, hi >> 32, 8);
  out[8] = '-';
  hex(out + 9, (hi >> 16) & 0xffff, 4);
  out[13] = '-';
  hex(out + 14, hi & 0xffff, 4);
  out[18] = '-';
  hex(out + 19, lo >> 48, 4);
  out[23] = '-';
  hex(out + 24, lo & 0xffffffffffffull, 12);
}

request_plan::request_plan(const body_options& o) : o_(o) {
  if (o_.endpoint == wire::single) o_.runs_per_request = 1;
  if (o_.runs_per_request < 1 || o_.runs_per_request >= max_slots)
    throw std::invalid_argument(fmt::format("runs per request must be in [1, {}]", max_slots - 1));
  if (o_.runs_per_trace < 1) throw std::invalid_argument("runs per trace must be ≥ 1");
  if (o_.payload_max < o_.payload_min) o_.payload_max = o_.payload_min;
  if (o_.ring < 1) o_.ring = 1;
  // A patch section must hold another template's runs, or its ids would be
  // stamped as this request's.
  if (o_.pattern == run_pattern::post_patch && o_.ring < 2) o_.ring = 2;
  run_factory factory(o_.seed);
  std::mt19937_64 sizes(o_.seed ^ 0x5eed);
  std::vector<std::vector<generated_run>> runs(o_.ring);
  for (auto& set : runs) {
    trace_shape shape{o_.runs_per_trace, o_.payload_min, o_.project};
    if (o_.payload_max > o_.payload_min)
      shape.payload_bytes = o_.payload_min + sizes() % (o_.payload_max - o_.payload_min + 1);
    while (static_cast<int>(set.size()) < o_.runs_per_request)
      for (auto& r : factory.trace(shape))
        if (static_cast<int>(set.size()) < o_.runs_per_request) set.push_back(std::move(r));
  }
  for (int j = 0; j < o_.ring; ++j) {
    const auto* previous = o_.pattern == run_pattern::post_patch ? &runs[(j + o_.ring - 1) % o_.ring] : nullptr;
    templates_.push_back(make(runs[j], previous));
  }
  if (o_.pattern == run_pattern::post_patch) {
    auto saved = o_.pattern;
    o_.pattern = run_pattern::post;
    first_.push_back(make(runs[0], nullptr));
    o_.pattern = saved;
  }
}

request_plan::tmpl request_plan::make(const std::vector<generated_run>& runs,
                                      const std::vector<generated_run>* previous) const {
  static const std::vector<generated_run> none;
  const auto& patches = o_.pattern == run_pattern::combined ? runs : previous ? *previous : none;
  bool patches_previous = o_.pattern == run_pattern::post_patch;
  int n = static_cast<int>(runs.size());
  tmpl t;
  auto add = [&](prepared_request r) { t.parts.push_back({std::move(r), {}}); };
  switch (o_.endpoint) {
    case wire::batch:
      add({"POST", "/runs/batch", "application/json", batch_body(runs, patches), n + static_cast<int>(patches.size()), n});
      break;
    case wire::multipart: {
      multipart_builder mp(fmt::format("tracepipe-load-{:016x}", o_.seed));
      for (const auto& r : runs) mp.post(r);
      for (const auto& r : patches) mp.patch(r);
      auto body = mp.finish();
      add({"POST", "/runs/multipart", body.content_type(), std::move(body.body),
           n + static_cast<int>(patches.size()), n});
      break;
    }
    case wire::single:
      add({"POST", "/runs", "application/json", runs.front().post_json(), 1, 1});
      if (!patches.empty())
        add({"PATCH", "/runs/" + patches.front().id, "application/json", patches.front().patch_json(), 1, 0});
      break;
  }
  // Where each run id sits. In post_patch mode, the patch section's ids are
  // the previous template's runs; they are stamped with request k − 1.
  for (auto& p : t.parts) {
    for (int i = 0; i < n; ++i) {
      find_all(p.request.body, runs[i].id, i, false, false, p.stamps);
      find_all(p.request.target, runs[i].id, i, false, true, p.stamps);
    }
    if (patches_previous)
      for (int i = 0; i < static_cast<int>(patches.size()); ++i) {
        find_all(p.request.body, patches[i].id, i, true, false, p.stamps);
        find_all(p.request.target, patches[i].id, i, true, true, p.stamps);
      }
  }
  return t;
}

void request_plan::build(std::uint64_t k, std::vector<prepared_request>& out) const {
  const auto& t = (k == 0 && !first_.empty()) ? first_.front() : templates_[k % templates_.size()];
  out.resize(t.parts.size());
  for (std::size_t i = 0; i < t.parts.size(); ++i) {
    const auto& p = t.parts[i];
    auto& r = out[i];
    r.method = p.request.method;
    r.content_type = p.request.content_type;
    r.operations = p.request.operations;
    r.runs = p.request.runs;
    r.target.assign(p.request.target);
    r.body.assign(p.request.body);  // reuses r.body's capacity
    for (const auto& s : p.stamps)
      write_uuid((s.in_target ? r.target.data() : r.body.data()) + s.offset, o_.seed, s.previous ? k - 1 : k, s.slot);
  }
}

}  // namespace tracepipe::loadgen
