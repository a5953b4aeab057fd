#include "loadgen/request_template.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstring>
#include <stdexcept>
#include <string_view>
#include <unordered_map>

#include <fmt/format.h>

#include "loadgen/langfuse_body.hpp"
#include "loadgen/otlp_body.hpp"

namespace tracepipe::loadgen {

namespace {

struct id_place {
  std::uint32_t slot;
  bool previous;
};
using id_places = std::unordered_map<std::string_view, id_place>;

/// Every occurrence of a known id in `text`, in one pass however many runs
/// there are (bodies with 1 MB fields make a find per id too slow): an id's
/// first dash is at its offset 8, so only the 36-byte window around each '-'
/// is looked up (payload text has no dashes).
template <typename Stamp>
void find_ids(std::string_view text, const id_places& ids, bool in_target, std::vector<Stamp>& stamps) {
  for (auto dash = text.find('-', 8); dash != std::string_view::npos; dash = text.find('-', dash + 1)) {
    auto start = dash - 8;
    if (start + 36 > text.size()) break;
    auto it = ids.find(text.substr(start, 36));
    if (it == ids.end()) continue;
    stamps.push_back({static_cast<std::uint32_t>(start), it->second.slot, it->second.previous, in_target});
    dash = start + 35;
  }
}

/// Where each run's id sits among a template's runs: `runs` are request k's,
/// `previous` (when given) request k − 1's.
id_places places_of(const std::vector<generated_run>& runs, const std::vector<generated_run>* previous) {
  id_places ids;
  for (std::size_t i = 0; i < runs.size(); ++i) ids.emplace(runs[i].id, id_place{static_cast<std::uint32_t>(i), false});
  if (previous)
    for (std::size_t i = 0; i < previous->size(); ++i)
      ids.emplace((*previous)[i].id, id_place{static_cast<std::uint32_t>(i), true});
  return ids;
}

}  // namespace

request_plan::request_plan(const body_options& o) : o_(o), key_(loadgen::id_key(o.seed, o.id_salt)) {
  if (o_.endpoint == wire::single) o_.runs_per_request = 1;
  if (o_.runs_per_request < 1 || o_.runs_per_request >= max_slots)
    throw std::invalid_argument(fmt::format("runs per request must be in [1, {}]", max_slots - 1));
  if (o_.runs_per_trace.min < 1 || o_.runs_per_trace.max < o_.runs_per_trace.min)
    throw std::invalid_argument("runs per trace must be ≥ 1");
  if (o_.trace_depth && (o_.trace_depth->min < 2 || o_.trace_depth->max < o_.trace_depth->min))
    throw std::invalid_argument("trace depth must be ≥ 2");
  bool otlp = o_.protocol == protocol::otlp_proto || o_.protocol == protocol::otlp_json;
  if (otlp && (o_.endpoint != wire::batch || o_.pattern != run_pattern::post))
    throw std::invalid_argument("OTLP sends one export of spans per request, each carrying its run's end: "
                                "endpoint batch, pattern post");
  if (o_.protocol == protocol::langfuse && o_.endpoint != wire::batch)
    throw std::invalid_argument("Langfuse sends one ingestion batch per request: endpoint batch");
  if (o_.ring < 1) o_.ring = auto_ring();
  // A patch section must hold another template's runs, or its ids would be
  // stamped as this request's.
  bool post_patch = o_.pattern == run_pattern::post_patch;
  if (post_patch && o_.ring < 2) o_.ring = 2;
  run_factory factory(o_.seed);
  std::mt19937_64 shapes(o_.seed ^ 0x5eed);
  trace_shape shape{.project = o_.project,
                    .inputs_size = &o_.inputs_size,
                    .outputs_size = &o_.outputs_size,
                    .leaf_types = &o_.leaf_types};
  auto next_set = [&] {
    std::vector<generated_run> set;
    while (static_cast<int>(set.size()) < o_.runs_per_request) {
      // Cut where the request's runs end: what would not fit is not generated.
      int room = o_.runs_per_request - static_cast<int>(set.size());
      shape.runs_per_trace = std::min(o_.runs_per_trace.sample(shapes), room);
      shape.max_depth = o_.trace_depth ? o_.trace_depth->sample(shapes) : 0;
      for (auto& r : factory.trace(shape)) set.push_back(std::move(r));
    }
    return set;
  };
  // One set of runs per template, generated as needed: template j patches
  // set j − 1, and template 0 the last set.
  templates_.resize(static_cast<std::size_t>(o_.ring));
  auto first = next_set();
  std::vector<generated_run> previous;
  if (post_patch) previous = first;
  for (int j = 1; j < o_.ring; ++j) {
    auto set = next_set();
    templates_[j] = make(set, post_patch ? &previous : nullptr);
    previous = std::move(set);
  }
  templates_[0] = make(first, post_patch ? &previous : nullptr);
  // Request 0 has no previous request's runs to patch: posts only (a
  // Langfuse batch's creates still without their end, which comes later).
  if (post_patch) first_.push_back(make(first, nullptr));
}

int request_plan::auto_ring() const {
  // A run's bytes in a template: its two fields and ~1 KB of ids, times, names and framing.
  double per_template = (o_.inputs_size.mean() + o_.outputs_size.mean() + 1024) * o_.runs_per_request;
  double wanted = std::ceil(static_cast<double>(o_.min_sampled_runs) / o_.runs_per_request);
  double affordable = std::floor(static_cast<double>(o_.template_budget) / per_template);
  return static_cast<int>(std::max(1.0, std::min(wanted, affordable)));
}

request_plan::tmpl request_plan::make(const std::vector<generated_run>& runs,
                                      const std::vector<generated_run>* previous) const {
  if (o_.protocol == protocol::langfuse) return make_langfuse(runs, previous);
  if (o_.protocol != protocol::langsmith) return make_otlp(runs);
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
  auto ids = places_of(runs, patches_previous ? &patches : nullptr);
  for (auto& p : t.parts) {
    find_ids(p.request.body, ids, false, p.stamps);
    find_ids(p.request.target, ids, true, p.stamps);
  }
  if (!runs.empty())
    if (auto root = ids.find(runs.front().trace_id); root != ids.end())
      t.first_trace = std::pair{root->second.slot, root->second.previous};
  return t;
}

request_plan::tmpl request_plan::make_otlp(const std::vector<generated_run>& runs) const {
  auto encoding = otlp_encoding_of(o_.protocol);
  auto e = otlp_export_of(runs, encoding);
  auto n = static_cast<int>(runs.size());
  part p{{"POST", "/otel/v1/traces", std::string(otlp_content_type(encoding)), std::move(e.body), n, n}, {}, {}};
  for (const auto& place : e.ids) p.stamps.push_back({place.offset, place.run, false, false, place.trace});
  for (int i = 0; i < n; ++i) p.ops.push_back({static_cast<std::uint32_t>(i), false, false});
  tmpl t;
  t.parts.push_back(std::move(p));
  t.first_trace = std::pair{0u, false};  // a request's runs begin with a trace's root
  return t;
}

request_plan::tmpl request_plan::make_langfuse(const std::vector<generated_run>& runs,
                                               const std::vector<generated_run>* previous) const {
  // As a LangSmith batch: creates of the request's runs, updates of those it
  // patches (post: none, each create carrying its end).
  static const std::vector<generated_run> none;
  const auto& updates = o_.pattern == run_pattern::combined ? runs : previous ? *previous : none;
  bool updates_previous = o_.pattern == run_pattern::post_patch;
  auto batch = langfuse_batch_of(runs, updates, o_.pattern == run_pattern::post);
  auto n = static_cast<int>(runs.size());
  part p{{"POST", "/api/public/ingestion", "application/json", std::move(batch.body), batch.events, n}, {}, {}};
  auto ids = places_of(runs, updates_previous ? &updates : nullptr);
  for (const auto& place : batch.ids) {
    auto at = ids.at(place.run_id);
    p.stamps.push_back({place.offset, at.slot, at.previous, false, false,
                        place.is_event ? std::optional(place.event) : std::nullopt});
  }
  for (int i = 0; i < n; ++i) {
    auto slot = static_cast<std::uint32_t>(i);
    if (runs[i].parent_run_id.empty()) p.ops.push_back({slot, false, false, true});
    p.ops.push_back({slot, false, false});
  }
  for (std::size_t i = 0; i < updates.size(); ++i) p.ops.push_back({static_cast<std::uint32_t>(i), updates_previous, true});
  tmpl t;
  t.parts.push_back(std::move(p));
  t.first_trace = std::pair{0u, false};  // a request's runs begin with a trace's root
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
    stamp_ids(p.stamps, k, r);
  }
}

void request_plan::stamp_ids(const std::vector<stamp>& stamps, std::uint64_t k, prepared_request& r) const {
  if (o_.protocol == protocol::otlp_proto || o_.protocol == protocol::otlp_json) return stamp_span_ids(stamps, k, r);
  // An id sits in several places (id, trace_id, parent_run_id, dotted_order,
  // …): hash it once per request, copy it to the rest.
  thread_local std::vector<std::array<char, 36>> ids;
  thread_local std::vector<std::uint8_t> made;
  auto slots = 2 * static_cast<std::size_t>(o_.runs_per_request);
  if (ids.size() < slots) ids.resize(slots);
  made.assign(slots, 0);
  for (const auto& s : stamps) {
    if (s.event) {  // Langfuse: an event's envelope id, in one place only
      write_event_id(r.body.data() + s.offset, key_, s.previous ? k - 1 : k, s.slot, *s.event);
      continue;
    }
    auto at = static_cast<std::size_t>(s.slot) * 2 + (s.previous ? 1 : 0);
    if (!made[at]) {
      write_uuid(ids[at].data(), key_, s.previous ? k - 1 : k, s.slot);
      made[at] = 1;
    }
    std::memcpy((s.in_target ? r.target.data() : r.body.data()) + s.offset, ids[at].data(), 36);
  }
}

void request_plan::stamp_span_ids(const std::vector<stamp>& stamps, std::uint64_t k, prepared_request& r) const {
  // A span id is span_id (k, slot); a trace id the root's whole UUID, as a
  // LangSmith load's trace id.
  bool hex = o_.protocol == protocol::otlp_json;
  for (const auto& s : stamps) {
    char* at = r.body.data() + s.offset;
    if (!s.trace_id) {
      write_id_half(at, span_id(key_, k, s.slot), hex);
      continue;
    }
    write_id_half(at, uuid_high(key_, k, s.slot), hex);
    write_id_half(at + (hex ? 16 : 8), uuid_low(k, s.slot), hex);
  }
}

void request_plan::operations(std::uint64_t k, int part, std::vector<op_key>& out) const {
  const auto& t = (k == 0 && !first_.empty()) ? first_.front() : templates_[k % templates_.size()];
  for (const auto& o : t.parts[static_cast<std::size_t>(part)].ops)
    out.push_back(o.trace ? make_trace_op(k, o.slot) : make_op(o.previous ? k - 1 : k, o.slot, o.patch));
}

std::string request_plan::first_post_id(std::uint64_t k, int part) const {
  const auto& t = (k == 0 && !first_.empty()) ? first_.front() : templates_[k % templates_.size()];
  for (const auto& o : t.parts[static_cast<std::size_t>(part)].ops) {
    if (o.patch) continue;
    auto request = o.previous ? k - 1 : k;
    return run_id_form() == id_form::span ? span_run_id(key_, request, o.slot) : run_id(key_, request, o.slot);
  }
  return {};
}

std::string request_plan::first_post_trace_id(std::uint64_t k, int part) const {
  const auto& t = (k == 0 && !first_.empty()) ? first_.front() : templates_[k % templates_.size()];
  if (!t.first_trace || first_post_id(k, part).empty()) return {};
  return run_id(key_, t.first_trace->second ? k - 1 : k, t.first_trace->first);
}

std::vector<op_key> acknowledged_operations(const request_plan& plan, const std::vector<accepted_request>& accepted) {
  std::vector<op_key> ops;
  for (const auto& a : accepted) plan.operations(a.k, a.part, ops);
  std::sort(ops.begin(), ops.end());
  ops.erase(std::unique(ops.begin(), ops.end()), ops.end());
  return ops;
}

}  // namespace tracepipe::loadgen

