#include "lab/scenario.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "loadgen/load_result.hpp"
#include "report/thresholds.hpp"

namespace tracepipe::lab {

using loadgen::stage;

std::string scenario_action::describe() const {
  if (what == kind::component) return verb + " " + component;
  if (what == kind::throttle) return "throttle " + component + " " + limit.describe();
  std::string out = "workers";
  for (const auto& [k, v] : settings) out += fmt::format(" {}={}", k, v);
  return out;
}

std::chrono::nanoseconds scenario_phase::duration() const {
  std::chrono::nanoseconds d{0};
  for (const auto& s : stages) d += s.duration;
  return d;
}

std::vector<stage> scenario::stages() const {
  std::vector<stage> out;
  for (const auto& p : phases) out.insert(out.end(), p.stages.begin(), p.stages.end());
  return out;
}

std::vector<stage> scenario::read_stages() const {
  bool reads = std::any_of(phases.begin(), phases.end(), [](const scenario_phase& p) { return p.read_rate > 0; });
  if (!reads) return {};
  std::vector<stage> out;
  for (const auto& p : phases) {
    out.push_back({std::chrono::nanoseconds(0), p.read_rate});  // a step at the phase's start
    out.push_back({p.duration(), p.read_rate});
  }
  return out;
}

std::map<std::string, time_window, std::less<>> scenario::windows() const {
  std::map<std::string, time_window, std::less<>> w;
  double at = 0;
  for (const auto& p : phases) {
    double len = std::chrono::duration<double>(p.duration()).count();
    w[p.name] = {at, at + len};
    at += len;
  }
  w["drain"] = {at, std::numeric_limits<double>::infinity()};
  w["all"] = {-std::numeric_limits<double>::infinity(), std::numeric_limits<double>::infinity()};
  return w;
}

bool scenario::needs_local_stack() const {
  for (const auto& p : phases)
    for (const auto& a : p.actions)
      if (a.needs_local_stack()) return true;
  return false;
}

std::size_t scenario::expectation_count() const {
  auto n = expect.size();
  for (const auto& p : phases) n += p.expect.size();
  return n;
}

bool is_run_figure(std::string_view name) {
  return name == "would_expire" || report::metric_value(loadgen::load_result{}, name).has_value();
}

}  // namespace tracepipe::lab
