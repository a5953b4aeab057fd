#include "stack/detail/cgroup.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <fstream>
#include <sstream>

#include <fmt/format.h>

#include "stack/stack.hpp"

namespace tracepipe::stack::detail {
namespace {

namespace fs = std::filesystem;

constexpr std::int64_t default_period_us = 100000;
constexpr std::int64_t min_quota_us = 1000;  // the kernel refuses less

std::string read_text(const fs::path& p) {
  std::ifstream in(p);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

bool has_word(const std::string& text, std::string_view word) {
  std::istringstream in(text);
  for (std::string w; in >> w;)
    if (w == word) return true;
  return false;
}

/// One write(2), so the kernel's refusal comes back as errno (an ofstream
/// would report it at close, or never).
void write_control(const fs::path& file, const std::string& text) {
  int fd = open(file.c_str(), O_WRONLY | O_CLOEXEC);
  if (fd < 0) throw error(fmt::format("cannot open {}: {}", file.string(), std::strerror(errno)));
  auto n = write(fd, text.data(), text.size());
  int e = errno;
  close(fd);
  if (n != static_cast<ssize_t>(text.size()))
    throw error(fmt::format("the kernel refused \"{}\" in {}: {}", text, file.string(), std::strerror(e)));
}

/// "key value" lines of a cpu.stat file.
std::uint64_t stat_value(const std::string& text, std::string_view key) {
  std::istringstream in(text);
  std::string k;
  std::uint64_t v = 0;
  while (in >> k >> v)
    if (k == key) return v;
  return 0;
}

fs::path group_path(const cgroup_support& s, const std::string& group) {
  if (s.cpu_root.empty()) throw error(s.cpu_missing);
  return s.cpu_root / group;
}

/// The whole disk holding `path` as "MAJ:MIN": io.max takes disks, not partitions.
std::string disk_of(const fs::path& path) {
  struct stat st{};
  if (stat(path.c_str(), &st) != 0) throw error(fmt::format("cannot stat {}: {}", path.string(), std::strerror(errno)));
  auto dev = fmt::format("{}:{}", major(st.st_dev), minor(st.st_dev));
  auto sys = fs::path("/sys/dev/block") / dev;
  if (!fs::exists(sys))
    throw error(fmt::format("{} is on device {}, which is no block device (tmpfs, overlay): no disk limit applies",
                            path.string(), dev));
  if (fs::exists(sys / "partition")) {
    auto parent = read_text(fs::canonical(sys).parent_path() / "dev");
    parent.erase(parent.find_last_not_of(" \n") + 1);
    return parent;
  }
  return dev;
}

}  // namespace

cgroup_support detect_cgroups(const fs::path& root) {
  cgroup_support s;
  std::error_code ec;
  auto v1_cpu = root / "cpu";
  if (fs::exists(v1_cpu / "cpu.cfs_quota_us", ec)) {
    s.version = cgroup_version::v1;
    if (access(v1_cpu.c_str(), W_OK) == 0) s.cpu_root = v1_cpu;
    else s.cpu_missing = fmt::format("{} is not writable here (not root, or mounted read-only): no CPU limit", v1_cpu.string());
    s.io_missing =
        "cgroup v1's blkio throttles only direct and synchronous I/O; ClickHouse writes its parts through the page "
        "cache, so a disk limit would not hold: not applied on this machine";
    return s;
  }
  auto controllers = read_text(root / "cgroup.controllers");
  if (!controllers.empty()) {
    s.version = cgroup_version::v2;
    bool writable = access(root.c_str(), W_OK) == 0;
    if (!has_word(controllers, "cpu")) s.cpu_missing = "cgroup v2 here has no cpu controller: no CPU limit";
    else if (!writable) s.cpu_missing = fmt::format("{} is not writable here: no CPU limit", root.string());
    else s.cpu_root = root;
    if (!has_word(controllers, "io")) s.io_missing = "cgroup v2 here has no io controller: no disk limit";
    else if (s.cpu_root.empty()) s.io_missing = s.cpu_missing;
    else s.io_root = root;
    return s;
  }
  s.cpu_missing = fmt::format("no cgroup cpu controller under {} (neither v1's cpu hierarchy nor v2's cpu.max): no CPU limit",
                              root.string());
  s.io_missing = fmt::format("no cgroup io controller under {}: no disk limit", root.string());
  return s;
}

std::string group_name(const fs::path& stack_dir, const std::string& component) {
  // FNV-1a: stable across runs and builds, unlike std::hash.
  std::uint32_t h = 2166136261u;
  for (unsigned char c : stack_dir.string()) h = (h ^ c) * 16777619u;
  auto leaf = component;
  std::replace(leaf.begin(), leaf.end(), ':', '-');
  return fmt::format("tracepipe/{:08x}/{}", h, leaf);
}

std::int64_t quota_us(double cores, std::int64_t period_us) {
  return std::max(min_quota_us, static_cast<std::int64_t>(std::llround(cores * static_cast<double>(period_us))));
}

std::string cpu_max_line(std::optional<double> cores, std::int64_t period_us) {
  if (!cores) return fmt::format("max {}", period_us);
  return fmt::format("{} {}", quota_us(*cores, period_us), period_us);
}

void join_group(const cgroup_support& s, const std::string& group, int pid) {
  auto path = group_path(s, group);
  if (s.version == cgroup_version::v2) {
    // v2 hands a controller down one level at a time; processes live in leaves only.
    std::string enable = s.io_root.empty() ? "+cpu" : "+cpu +io";
    fs::path at = s.cpu_root;
    for (const auto& part : fs::path(group)) {
      if (!has_word(read_text(at / "cgroup.subtree_control"), "cpu")) write_control(at / "cgroup.subtree_control", enable);
      at /= part;
      fs::create_directory(at);
    }
  } else {
    fs::create_directories(path);
  }
  write_control(path / "cgroup.procs", std::to_string(pid));
}

void limit_cpu(const cgroup_support& s, const std::string& group, std::optional<double> cores) {
  auto path = group_path(s, group);
  if (s.version == cgroup_version::v2) return write_control(path / "cpu.max", cpu_max_line(cores, default_period_us));
  auto period = std::stoll(read_text(path / "cpu.cfs_period_us"));
  write_control(path / "cpu.cfs_quota_us", cores ? std::to_string(quota_us(*cores, period)) : "-1");
}

void limit_io(const cgroup_support& s, const std::string& group, const fs::path& path,
              std::optional<std::uint64_t> bytes_per_s) {
  if (s.io_root.empty()) throw error(s.io_missing);
  auto rate = bytes_per_s ? std::to_string(*bytes_per_s) : std::string("max");
  write_control(s.io_root / group / "io.max", fmt::format("{} rbps={} wbps={}", disk_of(path), rate, rate));
}

cpu_state read_cpu(const cgroup_support& s, const std::string& group) {
  auto path = group_path(s, group);
  cpu_state out;
  auto stat = read_text(path / "cpu.stat");
  out.periods = stat_value(stat, "nr_periods");
  out.throttled = stat_value(stat, "nr_throttled");
  if (s.version == cgroup_version::v2) {
    std::istringstream max(read_text(path / "cpu.max"));
    std::string quota;
    double period = 0;
    if (max >> quota >> period && quota != "max" && period > 0) out.cores = std::stod(quota) / period;
  } else {
    auto quota = std::stoll(read_text(path / "cpu.cfs_quota_us"));
    auto period = std::stoll(read_text(path / "cpu.cfs_period_us"));
    if (quota > 0 && period > 0) out.cores = static_cast<double>(quota) / static_cast<double>(period);
  }
  return out;
}

bool in_group(const cgroup_support& s, const std::string& group, int pid) {
  if (s.cpu_root.empty()) return false;
  std::istringstream procs(read_text(s.cpu_root / group / "cgroup.procs"));
  for (int p = 0; procs >> p;)
    if (p == pid) return true;
  return false;
}

void remove_group(const cgroup_support& s, const std::string& group) {
  if (s.cpu_root.empty()) return;
  std::error_code ec;
  for (auto p = fs::path(group); !p.empty(); p = p.parent_path())
    if (!fs::remove(s.cpu_root / p, ec)) break;
}

}  // namespace tracepipe::stack::detail
