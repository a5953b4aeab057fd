#include "stack/detail/stack_dir.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <fmt/format.h>

#include "stack/detail/components.hpp"
#include "stack/stack.hpp"

namespace tracepipe::stack::detail {

namespace fs = std::filesystem;

dir_lock::dir_lock(const fs::path& dir) {
  auto path = dir / "stack.lock";
  // CLOEXEC: a server inheriting the fd would hold the lock forever.
  fd_ = open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd_ < 0) throw error(fmt::format("cannot open {}: {}", path.string(), std::strerror(errno)));
  while (flock(fd_, LOCK_EX) != 0 && errno == EINTR) {
  }
}

dir_lock::~dir_lock() { close(fd_); }

fs::path absolute_dir(const std::string& dir) {
  if (dir.empty()) throw error("stack dir is empty");
  return fs::weakly_canonical(fs::absolute(dir));
}

stack_state require_state(const fs::path& dir) {
  auto s = load_state(dir);
  if (!s) throw error(fmt::format("no stack in {}; run `up` first", dir.string()));
  return *s;
}

void check_name(const stack_state& s, const std::string& name) { make_component(s, name); }

std::optional<process_id> live_pid(const fs::path& dir, const std::string& name) {
  auto p = read_pidfile(pid_path(dir, name));
  return p && alive(*p) ? p : std::nullopt;
}

}  // namespace tracepipe::stack::detail
