#include "lab/scenario.hpp"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <limits>
#include <map>
#include <set>
#include <sstream>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <yaml-cpp/yaml.h>

#include "config/loader.hpp"
#include "lab/action_sequence.hpp"
#include "config/units.hpp"
#include "loadgen/load_result.hpp"
#include "report/thresholds.hpp"

// Reading a scenario file: every mistake named with its file, line and key.
namespace tracepipe::lab {

using loadgen::body_options;
using loadgen::constant_stages;
using loadgen::count_range;
using loadgen::parse_stages;
using loadgen::size_distribution;
using loadgen::wire;

namespace {

using namespace std::chrono_literals;

/// Where each mistake is reported from: the file and the node's line.
class reader {
 public:
  reader(std::string_view file, double time_scale) : file_(file), scale_(time_scale) {}

  [[noreturn]] void fail(const YAML::Node& at, std::string_view key, const std::string& why) const {
    throw scenario_error(fmt::format("{}:{}: {}{}{}", file_, line(at), key, key.empty() ? "" : ": ", why));
  }
  static int line(const YAML::Node& n) { return n.Mark().line + 1; }

  /// Refuses keys of `map` not in `known`: a typo never passes as a default.
  void only(const YAML::Node& map, std::string_view where, std::initializer_list<std::string_view> known) const {
    for (const auto& item : map) {
      auto k = item.first.as<std::string>();
      if (std::find(known.begin(), known.end(), k) != known.end()) continue;
      std::string all;
      for (auto n : known) all += fmt::format("{}{}", all.empty() ? "" : ", ", n);
      fail(item.first, k, fmt::format("unknown key in {} (known: {})", where, all));
    }
  }

  std::string text(const YAML::Node& n, std::string_view key) const {
    if (!n.IsScalar()) fail(n, key, "expected a single value");
    return n.as<std::string>();
  }

  /// A duration of the file, scaled and rounded to whole seconds (≥ 1 s,
  /// unless it is 0).
  std::chrono::nanoseconds duration(const YAML::Node& n, std::string_view key) const {
    auto d = config::parse_duration(text(n, key));
    if (!d || d->count() < 0) fail(n, key, "expected a duration such as 500ms, 30s or 2m");
    return scaled(*d);
  }
  std::chrono::nanoseconds scaled(std::chrono::nanoseconds d) const {
    if (d.count() == 0) return d;
    auto s = std::llround(std::chrono::duration<double>(d).count() * scale_);
    return std::chrono::seconds(std::max<long long>(1, s));
  }

  double number(const YAML::Node& n, std::string_view key, double lo, double hi) const {
    auto t = text(n, key);
    char* end = nullptr;
    double v = std::strtod(t.c_str(), &end);
    if (t.empty() || *end != '\0' || !std::isfinite(v) || v < lo || v > hi)
      fail(n, key, fmt::format("expected a number from {} to {}", lo, hi));
    return v;
  }

  const std::string& file() const { return file_; }

 private:
  std::string file_;
  double scale_;
};

/// Keys a scenario may set: behaviour, never where the servers are, who we
/// are to them, or the names the runner picks fresh for each run.
bool may_set(std::string_view key) {
  static const std::set<std::string, std::less<>> refused = {
      "redis.url", "redis.stream", "ingest.listen", "ingest.api_keys", "clickhouse.url", "clickhouse.user",
      "clickhouse.password", "clickhouse.ca_file", "clickhouse.database", "clickhouse.table", "s3.endpoint",
      "s3.bucket", "s3.region", "s3.access_key", "s3.secret_key", "s3.ca_file", "worker.group", "worker.consumer",
      "worker.listen"};
  return config::find_key(key) && !refused.count(key);
}

/// Checks `key: value` against the configuration table, as a scenario or
/// workers action would apply it.
setting checked_setting(const reader& r, const YAML::Node& key_node, const YAML::Node& value, std::string name,
                        bool workers_action) {
  if (workers_action && name.find('.') == std::string::npos) name = "worker." + name;
  if (!value.IsScalar()) r.fail(value, name, "expected a single value");
  auto text = value.as<std::string>();
  if (workers_action && name == "worker.pipelines" && text == "0") return {name, text};  // workers stopped
  if (!may_set(name))
    r.fail(key_node, name,
           config::find_key(name) ? "a scenario may not set it (servers, credentials and names come from --stack "
                                    "or --config, and each run gets fresh tables and streams)"
                                  : "not a configuration key (see `tracepipe config`)");
  if (workers_action && !(name.starts_with("worker.") || name.starts_with("clickhouse.") || name.starts_with("s3.")))
    r.fail(key_node, name, "workers take worker.*, clickhouse.* and s3.* keys; set others in the scenario's settings");
  auto s = config::defaults();
  if (auto problem = config::find_key(name)->apply(s, text)) r.fail(value, name, fmt::format("'{}': {}", text, *problem));
  return {name, text};
}

std::vector<setting> settings_of(const reader& r, const YAML::Node& map, std::string_view where, bool workers_action) {
  if (!map.IsMap()) r.fail(map, where, "expected a map of configuration keys");
  std::vector<setting> out;
  for (const auto& item : map)
    out.push_back(checked_setting(r, item.first, item.second, item.first.as<std::string>(), workers_action));
  return out;
}

scenario_action action_of(const reader& r, const YAML::Node& n) {
  if (!n.IsMap() || n.size() != 1)
    r.fail(n, "actions",
           "each action is one key: workers: {…}, pause/resume/stop/start/kill: COMPONENT, or throttle: COMPONENT "
           "RESOURCE VALUE");
  auto item = *n.begin();
  auto verb = item.first.as<std::string>();
  scenario_action a;
  a.line = reader::line(item.first);
  if (verb == "workers") {
    a.what = scenario_action::kind::workers;
    a.settings = settings_of(r, item.second, "workers", true);
    if (a.settings.empty()) r.fail(item.second, "workers", "name at least one key to change");
    return a;
  }
  if (verb == "throttle") {
    // As `tracepipe stack throttle` takes it: "clickhouse cpu 0.25", "clickhouse merges 1".
    std::istringstream words(r.text(item.second, verb));
    std::string resource, value, rest;
    words >> a.component >> resource >> value;
    if (value.empty() || (words >> rest))
      r.fail(item.second, verb, "expected COMPONENT RESOURCE VALUE, e.g. \"clickhouse cpu 0.25\" or \"clickhouse merges 1\"");
    try {
      a.limit = stack::parse_limit(resource, value);
    } catch (const stack::error& e) {
      r.fail(item.second, verb, e.what());
    }
    a.what = scenario_action::kind::throttle;
    return a;
  }
  static const std::set<std::string, std::less<>> verbs = {"pause", "resume", "stop", "start", "kill"};
  if (!verbs.count(verb))
    r.fail(item.first, verb, "unknown action (workers, pause, resume, stop, start, kill, throttle)");
  a.what = scenario_action::kind::component;
  a.verb = verb;
  a.component = r.text(item.second, verb);  // checked against the stack in check_action_sequence
  return a;
}

std::vector<scenario_expectation> expectations_of(const reader& r, const YAML::Node& list) {
  if (!list.IsSequence()) r.fail(list, "expect", "expected a list of expectations");
  std::vector<scenario_expectation> out;
  for (const auto& item : list) {
    std::string why;
    auto e = expectation::parse(r.text(item, "expect"), &why);
    if (!e) r.fail(item, "expect", why);
    out.push_back({std::move(*e), reader::line(item)});
  }
  return out;
}

scenario_phase phase_of(const reader& r, const YAML::Node& n) {
  if (!n.IsMap()) r.fail(n, "phases", "each phase is a map (name, duration, rate or stages, actions, expect)");
  r.only(n, "a phase", {"name", "duration", "rate", "stages", "read_rate", "actions", "expect"});
  scenario_phase p;
  if (!n["name"]) r.fail(n, "name", "every phase needs a name");
  p.name = r.text(n["name"], "name");
  if (p.name.empty() || p.name == "drain" || p.name == "all" ||
      p.name.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789_-") != std::string::npos)
    r.fail(n["name"], "name", "lower-case letters, digits, '-' and '_' (not 'drain' or 'all', which are taken)");
  if (n["stages"]) {
    if (n["duration"] || n["rate"]) r.fail(n["stages"], "stages", "give either stages or duration + rate, not both");
    const auto& st = n["stages"];
    std::string joined;
    if (st.IsSequence())
      for (const auto& s : st) joined += (joined.empty() ? "" : ",") + r.text(s, "stages");
    else
      joined = r.text(st, "stages");
    std::string why;
    auto parsed = parse_stages(joined, &why);
    if (!parsed) r.fail(st, "stages", why);
    for (auto& s : *parsed) s.duration = r.scaled(s.duration);
    p.stages = std::move(*parsed);
  } else {
    if (!n["duration"]) r.fail(n, "duration", fmt::format("phase '{}' needs a duration (or stages)", p.name));
    auto d = r.duration(n["duration"], "duration");
    if (d.count() == 0) r.fail(n["duration"], "duration", "must be above 0");
    double rate = n["rate"] ? r.number(n["rate"], "rate", 0, 1e7) : 0;
    p.stages = constant_stages(rate, d);
  }
  if (n["read_rate"]) p.read_rate = r.number(n["read_rate"], "read_rate", 0, 100000);
  if (const auto& acts = n["actions"]) {
    if (!acts.IsSequence()) r.fail(acts, "actions", "expected a list of actions");
    for (const auto& a : acts) p.actions.push_back(action_of(r, a));
  }
  if (n["expect"]) p.expect = expectations_of(r, n["expect"]);
  return p;
}

void read_load(const reader& r, const YAML::Node& n, scenario& s) {
  if (!n.IsMap()) r.fail(n, "load", "expected a map");
  r.only(n, "load",
         {"endpoint", "batch_size", "runs_per_trace", "inputs_size", "outputs_size", "seed", "connections", "read_mix",
          "read_connections"});
  auto& b = s.body;
  std::string why;
  if (n["endpoint"]) {
    auto e = r.text(n["endpoint"], "endpoint");
    if (e == "batch") b.endpoint = wire::batch;
    else if (e == "multipart") b.endpoint = wire::multipart;
    else if (e == "single") b.endpoint = wire::single;
    else r.fail(n["endpoint"], "endpoint", "expected batch, multipart or single");
  }
  if (n["batch_size"]) b.runs_per_request = static_cast<int>(r.number(n["batch_size"], "batch_size", 1, 1000));
  if (b.endpoint == wire::single) b.runs_per_request = 1;
  if (n["runs_per_trace"]) {
    auto v = count_range::parse(r.text(n["runs_per_trace"], "runs_per_trace"), 1, 10000, &why);
    if (!v) r.fail(n["runs_per_trace"], "runs_per_trace", why);
    b.runs_per_trace = *v;
  }
  for (auto [key, field] : {std::pair{"inputs_size", &body_options::inputs_size}, {"outputs_size", &body_options::outputs_size}})
    if (n[key]) {
      auto v = size_distribution::parse(r.text(n[key], key), &why);
      if (!v) r.fail(n[key], key, why);
      b.*field = *v;
    }
  if (n["seed"]) b.seed = static_cast<std::uint64_t>(r.number(n["seed"], "seed", 0, 1e15));
  if (n["connections"]) s.connections = static_cast<int>(r.number(n["connections"], "connections", 1, 10000));
  if (n["read_mix"]) {
    std::string why;
    auto mix = loadgen::parse_read_mix(r.text(n["read_mix"], "read_mix"), &why);
    if (!mix) r.fail(n["read_mix"], "read_mix", why);
    s.read_mix = *mix;
  }
  if (n["read_connections"])
    s.read_connections = static_cast<int>(r.number(n["read_connections"], "read_connections", 1, 1024));
}

/// Phase names an expectation points at with @ exist; figures are known.
void check_references(const reader& r, const scenario& s, const scenario_expectation& e) {
  auto fail = [&](const std::string& why) {
    throw scenario_error(fmt::format("{}:{}: expect: '{}': {}", r.file(), e.line, e.e.text, why));
  };
  auto windows = s.windows();
  for (const auto* side : {&e.e.left, &e.e.right}) {
    if (!side->phase.empty() && !windows.count(side->phase))
      fail(fmt::format("@{} names no phase of this scenario (nor drain or all)", side->phase));
    if (side->what == expectation_side::kind::figure && !is_run_figure(side->figure))
      fail(fmt::format("unknown figure '{}' (lost, duplicates, late, would_expire, accepted, rejected_429 …: "
                       "README's threshold metrics)",
                       side->figure));
    if (side->figure == "would_expire" && !s.redis_expiry) fail("would_expire needs redis_expiry set");
  }
}

/// The checked reading of a parsed file (parse_scenario's second half).
scenario read_scenario(const reader& r, const YAML::Node& root) {
  r.only(root, "a scenario",
         {"name", "description", "load", "settings", "redis_expiry", "requires", "clickhouse_replicas", "phases",
          "expect"});
  scenario s;
  s.file = r.file();
  s.body.runs_per_request = 50;
  s.body.seed = 7;
  if (!root["name"]) r.fail(root, "name", "a scenario needs a name");
  s.name = r.text(root["name"], "name");
  if (root["description"]) s.description = r.text(root["description"], "description");
  if (root["load"]) read_load(r, root["load"], s);
  if (root["settings"]) s.settings = settings_of(r, root["settings"], "settings", false);
  if (root["redis_expiry"])
    s.redis_expiry = std::chrono::duration_cast<std::chrono::milliseconds>(r.duration(root["redis_expiry"], "redis_expiry"));
  if (const auto& req = root["requires"]) {
    if (!req.IsSequence()) r.fail(req, "requires", "expected a list, e.g. [async_insert]");
    for (const auto& item : req) {
      if (r.text(item, "requires") != "async_insert")
        r.fail(item, "requires", fmt::format("unknown requirement '{}' (async_insert)", item.as<std::string>()));
      s.needs_async_insert = true;
    }
  }
  if (const auto& n = root["clickhouse_replicas"]) {
    auto v = r.number(n, "clickhouse_replicas", 1, 5);
    if (v != std::floor(v)) r.fail(n, "clickhouse_replicas", "expected a whole number of replicas, 1 to 5");
    s.clickhouse_replicas = static_cast<int>(v);
  }
  const auto& phases = root["phases"];
  if (!phases || !phases.IsSequence() || phases.size() == 0)
    r.fail(phases ? phases : root, "phases", "a scenario needs a list of at least one phase");
  std::set<std::string> names;
  for (const auto& p : phases) {
    s.phases.push_back(phase_of(r, p));
    if (!names.insert(s.phases.back().name).second)
      r.fail(p["name"], "name", fmt::format("a second phase named '{}'", s.phases.back().name));
  }
  check_action_sequence(r.file(), s);
  std::string why;
  if (!loadgen::schedule::from_stages(s.stages(), &why)) r.fail(phases, "phases", why);
  if (root["expect"]) s.expect = expectations_of(r, root["expect"]);
  for (const auto& p : s.phases)
    for (const auto& e : p.expect) check_references(r, s, e);
  for (const auto& e : s.expect) check_references(r, s, e);
  return s;
}

}  // namespace

scenario parse_scenario(std::string_view yaml, std::string_view file, double time_scale) {
  if (!(time_scale > 0) || !std::isfinite(time_scale)) throw scenario_error("time scale must be a number above 0");
  reader r(file, time_scale);
  YAML::Node root;
  try {
    root = YAML::Load(std::string(yaml));
  } catch (const YAML::Exception& e) {
    throw scenario_error(fmt::format("{}:{}: not valid YAML: {}", file, e.mark.line + 1, e.msg));
  }
  if (!root.IsMap()) throw scenario_error(fmt::format("{}:1: expected a map (name, load, settings, phases …)", file));
  try {
    return read_scenario(r, root);
  } catch (const YAML::Exception& e) {
    // A shape the readers did not expect (a map where a key belongs …).
    throw scenario_error(fmt::format("{}:{}: expected a plain key or value here ({})", file, e.mark.line + 1, e.msg));
  }
}

scenario load_scenario_file(const std::string& path, double time_scale) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw scenario_error(fmt::format("{}: cannot read the scenario file", path));
  std::stringstream text;
  text << in.rdbuf();
  return parse_scenario(text.str(), path, time_scale);
}

}  // namespace tracepipe::lab
