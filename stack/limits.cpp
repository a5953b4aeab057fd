// Resource limits on the stack's ClickHouse servers: CPU and disk through
// their cgroups (stack/detail/cgroup.hpp), merge threads through a restart.
#include <ostream>
#include <thread>

#include <fmt/format.h>

#include "config/units.hpp"
#include "stack/detail/cgroup.hpp"
#include "stack/detail/confine.hpp"
#include "stack/detail/stack_dir.hpp"
#include "stack/stack.hpp"

namespace tracepipe::stack {
namespace {

namespace fs = std::filesystem;
using detail::stack_state;

constexpr int max_merge_threads = 64;

/// The ClickHouse servers `name` means: itself, or every replica for
/// "clickhouse" on a replicated stack.
std::vector<std::string> clickhouse_targets(const stack_state& s, const std::string& name) {
  if (name == "clickhouse" && s.replicated()) {
    std::vector<std::string> all;
    for (std::size_t i = 1; i <= s.clickhouse.size(); ++i) all.push_back(fmt::format("clickhouse:{}", i));
    return all;
  }
  detail::check_name(s, name);
  if (!detail::clickhouse_index(s, name))
    throw error(fmt::format("{} is no ClickHouse server: only those run in cgroups of their own and take limits", name));
  return {name};
}

/// Each target's live pid; throws for one that is not running.
template <class Fn>
void for_each_running(const fs::path& dir, const stack_state& s, const std::string& name, Fn fn) {
  for (const auto& target : clickhouse_targets(s, name)) {
    auto p = detail::live_pid(dir, target);
    if (!p) throw error(fmt::format("{} is not running in {}", target, dir.string()));
    fn(target, p->pid);
  }
}

/// The group of a running server, or an error saying why it has none.
std::string group_of(const detail::cgroup_support& cg, const stack_state& s, const std::string& name, int pid) {
  if (cg.cpu_root.empty()) throw error(cg.cpu_missing);
  auto group = detail::group_name(s.dir, name);
  if (!detail::in_group(cg, group, pid))
    throw error(fmt::format("{} (pid {}) runs outside its cgroup {} (started before this version, or the group was "
                            "refused at its start: see its log); restart it with `stack stop` and `stack start`",
                            name, pid, group));
  return group;
}

}  // namespace

namespace detail {

void confine(const stack_state& s, const std::string& name, int pid, std::ostream& log) {
  if (!clickhouse_index(s, name)) return;
  auto cg = detect_cgroups();
  if (cg.cpu_root.empty()) {
    log << fmt::format("stack: {} runs in no cgroup of its own: {}\n", name, cg.cpu_missing);
    return;
  }
  try {
    join_group(cg, group_name(s.dir, name), pid);
  } catch (const error& e) {
    log << fmt::format("stack: {} runs in no cgroup of its own: {}\n", name, e.what());
  }
}

void release_groups(const stack_state& s) {
  auto cg = detect_cgroups();
  for (const auto& name : component_names(s))
    if (clickhouse_index(s, name)) remove_group(cg, group_name(s.dir, name));
}

}  // namespace detail

void limit_cpu(const std::string& dir_arg, const std::string& name, std::optional<double> cores, std::ostream& log) {
  auto dir = detail::absolute_dir(dir_arg);
  auto s = detail::require_state(dir);
  auto cpus = static_cast<double>(std::max(1u, std::thread::hardware_concurrency()));
  if (cores && (*cores < 0.01 || *cores > cpus))
    throw error(fmt::format("a CPU limit is between 0.01 and {} cores (this machine's), not {}", cpus, *cores));
  auto cg = detail::detect_cgroups();
  for_each_running(dir, s, name, [&](const std::string& target, int pid) {
    detail::limit_cpu(cg, group_of(cg, s, target, pid), cores);
    if (cores) log << fmt::format("stack: {} limited to {:g} of a CPU core\n", target, *cores);
    else log << fmt::format("stack: {} may use every CPU core again\n", target);
  });
}

void limit_disk(const std::string& dir_arg, const std::string& name, std::optional<std::uint64_t> bytes_per_s,
                std::ostream& log) {
  auto dir = detail::absolute_dir(dir_arg);
  auto s = detail::require_state(dir);
  auto cg = detail::detect_cgroups();
  if (cg.io_root.empty()) throw error(cg.io_missing);
  for_each_running(dir, s, name, [&](const std::string& target, int pid) {
    detail::limit_io(cg, group_of(cg, s, target, pid), dir, bytes_per_s);
    if (bytes_per_s) log << fmt::format("stack: {} limited to {} bytes/s of disk reads and writes each\n", target, *bytes_per_s);
    else log << fmt::format("stack: {} reads and writes its disk unlimited again\n", target);
  });
}

void set_merge_threads(const std::string& dir_arg, const std::string& name, int threads, std::ostream& log) {
  if (threads < 0 || threads > max_merge_threads)
    throw error(fmt::format("merge threads are between 1 and {} (0: the server's default), not {}", max_merge_threads,
                            threads));
  auto dir = detail::absolute_dir(dir_arg);
  std::vector<std::string> targets;
  {
    detail::dir_lock lock(dir);
    auto s = detail::require_state(dir);
    targets = clickhouse_targets(s, name);
    for (const auto& target : targets) s.clickhouse[*detail::clickhouse_index(s, target)].merge_threads = threads;
    detail::save_state(s);
  }
  for (const auto& target : targets) {
    auto what = threads ? fmt::format("{} merge thread{}", threads, threads == 1 ? "" : "s") : std::string("its default merge threads");
    if (!detail::live_pid(dir, target)) {
      log << fmt::format("stack: {} is not running; it starts with {}\n", target, what);
      continue;
    }
    log << fmt::format("stack: restarting {} with {} (read only at start)\n", target, what);
    stop_component(dir.string(), target, log);
    start_component(dir.string(), target, log);
  }
}

std::string limit::describe() const {
  switch (what) {
    case resource::cpu: return cores ? fmt::format("cpu {:g}", *cores) : "cpu off";
    case resource::disk: return bytes_per_s ? fmt::format("disk {} B/s", *bytes_per_s) : "disk off";
    case resource::merges: return merge_threads ? fmt::format("merges {}", merge_threads) : "merges default";
  }
  return {};
}

limit limit::lifted() const { return limit{what, std::nullopt, std::nullopt, 0}; }

limit parse_limit(std::string_view resource, std::string_view value) {
  limit l;
  bool off = value == "off";
  if (resource == "cpu") {
    l.what = limit::resource::cpu;
    if (off) return l;
    try {
      std::size_t used = 0;
      l.cores = std::stod(std::string(value), &used);
      if (used == value.size() && *l.cores > 0) return l;
    } catch (const std::exception&) {
    }
    throw error(fmt::format("cpu takes a number of cores (0.25: a quarter of one) or \"off\", not \"{}\"", value));
  }
  if (resource == "disk") {
    l.what = limit::resource::disk;
    if (off) return l;
    auto rate = value;
    if (rate.size() > 2 && rate.substr(rate.size() - 2) == "/s") rate.remove_suffix(2);
    auto bytes = config::parse_bytes(rate);
    if (!bytes || *bytes == 0)
      throw error(fmt::format("disk takes bytes per second (\"20MB/s\", \"512KiB\") or \"off\", not \"{}\"", value));
    l.bytes_per_s = *bytes;
    return l;
  }
  if (resource == "merges") {
    l.what = limit::resource::merges;
    if (value == "default") return l;
    auto n = config::parse_integer(value);
    if (!n || *n < 1 || *n > max_merge_threads)
      throw error(fmt::format("merges takes a number of merge threads from 1 to {} or \"default\", not \"{}\"",
                              max_merge_threads, value));
    l.merge_threads = static_cast<int>(*n);
    return l;
  }
  throw error(fmt::format("unknown resource \"{}\": cpu, disk or merges", resource));
}

std::optional<std::string> cannot_limit(limit::resource what) {
  if (what == limit::resource::merges) return std::nullopt;
  auto cg = detail::detect_cgroups();
  if (what == limit::resource::cpu) return cg.cpu_root.empty() ? std::optional(cg.cpu_missing) : std::nullopt;
  return cg.io_root.empty() ? std::optional(cg.io_missing) : std::nullopt;
}

void apply_limit(const std::string& dir, const std::string& name, const limit& l, std::ostream& log) {
  switch (l.what) {
    case limit::resource::cpu: return limit_cpu(dir, name, l.cores, log);
    case limit::resource::disk: return limit_disk(dir, name, l.bytes_per_s, log);
    case limit::resource::merges: return set_merge_threads(dir, name, l.merge_threads, log);
  }
}

std::optional<cpu_limit> cpu_of(const std::string& dir_arg, const std::string& name) {
  auto dir = detail::absolute_dir(dir_arg);
  auto s = detail::require_state(dir);
  auto cg = detail::detect_cgroups();
  auto p = detail::live_pid(dir, name);
  auto group = detail::group_name(s.dir, name);
  if (!p || !detail::in_group(cg, group, p->pid)) return std::nullopt;
  auto state = detail::read_cpu(cg, group);
  return cpu_limit{state.cores, state.periods, state.throttled};
}

}  // namespace tracepipe::stack
