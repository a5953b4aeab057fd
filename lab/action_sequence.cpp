#include "lab/action_sequence.hpp"

#include <map>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <fmt/ranges.h>

namespace tracepipe::lab {
namespace {

/// A throttle lands on running ClickHouse servers: one of them, or every
/// replica for "clickhouse".
template <class Fail>
void check_throttle(const scenario_action& a, const std::vector<std::string>& components,
                    std::map<std::string, std::string>& state, const Fail& fail) {
  std::vector<std::string> targets;
  for (const auto& c : components)
    if (c == a.component || (a.component == "clickhouse" && c.starts_with("clickhouse:"))) targets.push_back(c);
  if (targets.empty() || !a.component.starts_with("clickhouse"))
    fail(a, fmt::format("'{}' takes no limits: only ClickHouse servers do ({})", a.component,
                        fmt::join(components, ", ")));
  for (const auto& c : targets)
    if (state[c] != "running")
      fail(a, fmt::format("{} is {} at this point: a limit needs it running", c, state[c]));
}

}  // namespace

void check_action_sequence(std::string_view file, const scenario& s) {
  std::vector<std::string> components = {"redis", "s3"};
  if (s.clickhouse_replicas > 1) {
    components.push_back("zookeeper");
    for (int i = 1; i <= s.clickhouse_replicas; ++i) components.push_back(fmt::format("clickhouse:{}", i));
  } else {
    components.push_back("clickhouse");
  }
  std::map<std::string, std::string> state;
  for (const auto& c : components) state[c] = "running";
  auto fail = [&](const scenario_action& a, const std::string& why) {
    auto verb = a.what == scenario_action::kind::workers    ? std::string("workers")
                : a.what == scenario_action::kind::throttle ? std::string("throttle")
                                                            : a.verb;
    throw scenario_error(fmt::format("{}:{}: {}: {}", file, a.line, verb, why));
  };
  for (std::size_t i = 0; i < s.phases.size(); ++i)
    for (const auto& a : s.phases[i].actions) {
      if (a.what == scenario_action::kind::workers) {
        // With replicas, workers start on any replica that answers.
        for (const auto* c : {"redis", "clickhouse"})
          if (state.contains(c) && state[c] != "running")
            fail(a, fmt::format("the workers cannot restart while {} is {}: they wait for it on start, and every "
                                "later phase would wait with them ({} it in this phase or an earlier one first)",
                                c, state[c], state[c] == "paused" ? "resume" : "start"));
        continue;
      }
      if (a.what == scenario_action::kind::throttle) {
        check_throttle(a, components, state, fail);
        continue;
      }
      if (!state.contains(a.component))
        fail(a, fmt::format("'{}' is not a component of the stack ({}{})", a.component, fmt::join(components, ", "),
                            s.clickhouse_replicas > 1 ? "" : "; replicas need clickhouse_replicas: N"));
      if (i == 0)
        fail(a, fmt::format("'{}' in the first phase: its actions run before the load and its observers start; "
                            "act on the stack from a later phase",
                            a.describe()));
      auto& now = state[a.component];
      auto refuse = [&](std::string_view instead) {
        fail(a, fmt::format("{} is {} at this point{}", a.component, now, instead));
      };
      if (a.verb == "pause") {
        if (now != "running") refuse("");
        now = "paused";
      } else if (a.verb == "resume") {
        if (now != "paused") refuse(now == "stopped" ? " (start brings it back)" : " (nothing to resume)");
        now = "running";
      } else if (a.verb == "start") {
        if (now != "stopped") refuse(now == "paused" ? " (resume brings it back)" : " (nothing to start)");
        now = "running";
      } else {  // stop, kill
        if (now == "stopped") refuse("");
        if (now == "paused" && a.verb == "stop") refuse(" (a paused process cannot stop cleanly: resume it first, or kill it)");
        now = "stopped";
      }
    }
}


}  // namespace tracepipe::lab
