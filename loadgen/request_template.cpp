#include "loadgen/request_template.hpp"

#include <cstring>
#include <stdexcept>

#include <fmt/format.h>

namespace tracepipe::loadgen {

namespace {

/// Every offset at which `needle` occurs in `hay`.
void find_all(const std::string& hay, const std::string& needle, std::uint32_t slot, bool previous, bool in_target,
              auto& stamps) {
  for (auto pos = hay.find(needle); pos != std::string::npos; pos = hay.find(needle, pos + needle.size()))
    stamps.push_back({static_cast<std::uint32_t>(pos), slot, previous, in_target});
}

}  // namespace

request_plan::request_plan(const body_options& o) : o_(o), key_(loadgen::id_key(o.seed, o.id_salt)) {
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
  // Each part with the operations it carries (reconcile looks them up).
  auto posts_of = [&](int count) {
    std::vector<carried_op> ops;
    for (int i = 0; i < count; ++i) ops.push_back({static_cast<std::uint32_t>(i), false, false});
    return ops;
  };
  auto with_patches = [&](std::vector<carried_op> ops, int count) {
    for (int i = 0; i < count; ++i) ops.push_back({static_cast<std::uint32_t>(i), patches_previous, true});
    return ops;
  };
  auto add = [&](prepared_request r, std::vector<carried_op> ops) { t.parts.push_back({std::move(r), {}, std::move(ops)}); };
  int m = static_cast<int>(patches.size());
  switch (o_.endpoint) {
    case wire::batch:
      add({"POST", "/runs/batch", "application/json", batch_body(runs, patches), n + m, n}, with_patches(posts_of(n), m));
      break;
    case wire::multipart: {
      multipart_builder mp(fmt::format("tracepipe-load-{:016x}", o_.seed));
      for (const auto& r : runs) mp.post(r);
      for (const auto& r : patches) mp.patch(r);
      auto body = mp.finish();
      add({"POST", "/runs/multipart", body.content_type(), std::move(body.body), n + m, n},
          with_patches(posts_of(n), m));
      break;
    }
    case wire::single:
      add({"POST", "/runs", "application/json", runs.front().post_json(), 1, 1}, posts_of(1));
      if (!patches.empty())
        add({"PATCH", "/runs/" + patches.front().id, "application/json", patches.front().patch_json(), 1, 0},
            with_patches({}, 1));
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
      write_uuid((s.in_target ? r.target.data() : r.body.data()) + s.offset, key_, s.previous ? k - 1 : k, s.slot);
  }
}

void request_plan::operations(std::uint64_t k, int part, std::vector<op_key>& out) const {
  const auto& t = (k == 0 && !first_.empty()) ? first_.front() : templates_[k % templates_.size()];
  for (const auto& o : t.parts[static_cast<std::size_t>(part)].ops)
    out.push_back(make_op(o.previous ? k - 1 : k, o.slot, o.patch));
}

std::string request_plan::first_post_id(std::uint64_t k, int part) const {
  const auto& t = (k == 0 && !first_.empty()) ? first_.front() : templates_[k % templates_.size()];
  for (const auto& o : t.parts[static_cast<std::size_t>(part)].ops)
    if (!o.patch) return run_id(key_, o.previous ? k - 1 : k, o.slot);
  return {};
}

}  // namespace tracepipe::loadgen

