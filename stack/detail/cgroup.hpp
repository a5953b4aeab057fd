#pragma once
// A ClickHouse server of the local stack runs in a cgroup of its own, so
// its CPU (and, where the kernel applies it, its disk) can be limited live:
// the incident happens inside the real server. Machines differ — cgroup v1
// with a cpu hierarchy (cpu.cfs_quota_us), v2 (cpu.max, io.max), or nothing
// writable — so what is there is detected, never assumed, and what is
// missing is said in one sentence.
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>

namespace tracepipe::stack::detail {

enum class cgroup_version { none, v1, v2 };

/// What this machine's cgroups let the stack do.
struct cgroup_support {
  cgroup_version version = cgroup_version::none;
  std::filesystem::path cpu_root;  ///< groups with a CPU limit are made below it; empty: none
  std::string cpu_missing;         ///< why there is no CPU limit (one sentence); empty when there is
  std::filesystem::path io_root;   ///< v2 with the io controller; empty: no disk limit
  std::string io_missing;          ///< why there is no disk limit; empty when there is
};

/// Looks at `root` (the kernel's /sys/fs/cgroup; tests pass a tree of their
/// own): v1 when root/cpu has cpu.cfs_quota_us and may be written, v2 when
/// root/cgroup.controllers lists cpu (and io).
cgroup_support detect_cgroups(const std::filesystem::path& root = "/sys/fs/cgroup");

/// "tracepipe/<8 hex digits of the stack dir>/<component>" (':' → '-'): one
/// group per server, stacks in different directories apart.
std::string group_name(const std::filesystem::path& stack_dir, const std::string& component);

/// The CFS quota for `cores` of CPU per `period_us`: at least the kernel's
/// 1 ms.
std::int64_t quota_us(double cores, std::int64_t period_us);

/// The v2 cpu.max line for `cores` (nullopt: "max", no limit).
std::string cpu_max_line(std::optional<double> cores, std::int64_t period_us);

/// Creates `group` below the CPU root (v2: enabling the cpu and io
/// controllers on the way down) and moves `pid`, with all its threads, into
/// it. Throws `error` naming the file the kernel refused.
void join_group(const cgroup_support& s, const std::string& group, int pid);

/// Limits the group to `cores` of CPU, or lifts the limit (nullopt).
void limit_cpu(const cgroup_support& s, const std::string& group, std::optional<double> cores);

/// Limits the group's reads and writes on the block device holding `path`
/// to `bytes_per_s` each (v2 io.max), or lifts it (nullopt).
void limit_io(const cgroup_support& s, const std::string& group, const std::filesystem::path& path,
              std::optional<std::uint64_t> bytes_per_s);

/// The group's CPU limit and how often the kernel held it back.
struct cpu_state {
  std::optional<double> cores;     ///< nullopt: no limit
  std::uint64_t periods = 0;       ///< CFS periods with the group runnable
  std::uint64_t throttled = 0;     ///< of those, periods it was held back in
};
cpu_state read_cpu(const cgroup_support& s, const std::string& group);

/// True when `pid` is a member of the group.
bool in_group(const cgroup_support& s, const std::string& group, int pid);

/// Removes the group and its then-empty parents; a group that still holds a
/// process stays (the kernel refuses) and that is not an error.
void remove_group(const cgroup_support& s, const std::string& group);

}  // namespace tracepipe::stack::detail
