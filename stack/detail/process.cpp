#include "stack/detail/process.hpp"

#include "stack/stack.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <deque>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include <fmt/format.h>

namespace tracepipe::stack::detail {
namespace {

namespace fs = std::filesystem;
using clock = std::chrono::steady_clock;

struct proc_stat {
  char state = '?';
  unsigned long long start_time = 0;
};

std::optional<proc_stat> read_stat(int pid) {
  std::ifstream in(fmt::format("/proc/{}/stat", pid));
  std::string line;
  if (!std::getline(in, line)) return std::nullopt;
  // comm (field 2) may hold spaces and parentheses: fields resume after the last ')'.
  auto close = line.rfind(')');
  if (close == std::string::npos) return std::nullopt;
  std::istringstream rest(line.substr(close + 1));
  proc_stat s;
  rest >> s.state;
  std::string skip;
  for (int field = 4; field < 22; ++field) rest >> skip;
  if (!(rest >> s.start_time)) return std::nullopt;
  return s;
}

/// Moves fd above 0..2 so the child's dup2 onto stdio cannot clobber it.
int above_stdio(int fd) {
  if (fd < 0 || fd > 2) return fd;
  int moved = fcntl(fd, F_DUPFD_CLOEXEC, 3);
  close(fd);
  return moved;
}

/// Runs in the forked child: only async-signal-safe calls until exec.
[[noreturn]] void exec_child(char* const* argv, const char* cwd, int null_fd, int log_fd,
                             int err_fd) {
  setsid();
  // A blocked or ignored signal survives exec; the server must see SIGTERM.
  sigset_t none;
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, nullptr);
  for (int sig = 1; sig < NSIG; ++sig) signal(sig, SIG_DFL);
  dup2(null_fd, 0);
  dup2(log_fd, 1);
  dup2(log_fd, 2);
  if (err_fd > 3) close_range(3, err_fd - 1, 0);
  close_range(err_fd + 1, ~0U, 0);
  if (chdir(cwd) == 0) execv(argv[0], argv);
  int e = errno;
  [[maybe_unused]] auto n = write(err_fd, &e, sizeof e);
  _exit(127);
}

}  // namespace

std::string find_program(const std::string& name, const std::vector<std::string>& extra_dirs) {
  std::vector<std::string> dirs;
  if (const char* path = std::getenv("PATH")) {
    std::stringstream ss(path);
    for (std::string d; std::getline(ss, d, ':');)
      if (!d.empty()) dirs.push_back(d);
  }
  dirs.insert(dirs.end(), extra_dirs.begin(), extra_dirs.end());
  for (const auto& d : dirs) {
    auto candidate = fs::path(d) / name;
    if (access(candidate.c_str(), X_OK) == 0 && fs::is_regular_file(candidate))
      return fs::absolute(candidate).string();
  }
  return {};
}

process_id spawn(const std::vector<std::string>& argv, const std::string& cwd,
                 const std::string& log_path) {
  int log_fd = above_stdio(open(log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644));
  if (log_fd < 0) throw error(fmt::format("cannot open {}: {}", log_path, std::strerror(errno)));
  int null_fd = above_stdio(open("/dev/null", O_RDONLY | O_CLOEXEC));
  int err_pipe[2];
  if (null_fd < 0 || pipe2(err_pipe, O_CLOEXEC) != 0) {
    close(log_fd);
    throw error(fmt::format("cannot spawn {}: {}", argv[0], std::strerror(errno)));
  }
  err_pipe[0] = above_stdio(err_pipe[0]);
  err_pipe[1] = above_stdio(err_pipe[1]);
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);

  pid_t pid = fork();
  if (pid == 0) exec_child(args.data(), cwd.c_str(), null_fd, log_fd, err_pipe[1]);
  int fork_errno = errno;
  close(log_fd);
  close(null_fd);
  close(err_pipe[1]);
  if (pid < 0) {
    close(err_pipe[0]);
    throw error(fmt::format("cannot fork for {}: {}", argv[0], std::strerror(fork_errno)));
  }
  // The pipe closes on a successful exec (CLOEXEC); otherwise it carries errno.
  int child_errno = 0;
  ssize_t n;
  do n = read(err_pipe[0], &child_errno, sizeof child_errno);
  while (n < 0 && errno == EINTR);
  close(err_pipe[0]);
  if (n == sizeof child_errno) {
    waitpid(pid, nullptr, 0);
    throw error(fmt::format("cannot exec {} (cwd {}): {}", argv[0], cwd, std::strerror(child_errno)));
  }
  // Read after exec: the start time is set at fork and survives exec, even as a zombie.
  auto st = read_stat(pid);
  return {pid, st ? st->start_time : 0};
}

std::optional<unsigned long long> start_time_of(int pid) {
  auto st = read_stat(pid);
  if (!st || st->state == 'Z' || st->state == 'X') return std::nullopt;
  return st->start_time;
}

bool alive(const process_id& p) {
  if (p.pid <= 0) return false;
  auto st = read_stat(p.pid);
  if (st && st->start_time != p.start_time) return false;  // the pid was reused: ours is gone
  if (st && st->state != 'Z' && st->state != 'X') return true;
  // Our own dead child stays a zombie (kill(pid, 0) succeeds) until reaped.
  if (waitpid(p.pid, nullptr, WNOHANG) == p.pid) return false;
  // A stat that cannot be read may belong to a process in the middle of
  // exiting: it is gone only once it no longer exists (or is only a zombie
  // that is not ours to reap).
  return !st && kill(p.pid, 0) == 0;
}

void write_pidfile(const std::string& path, const process_id& p) {
  auto tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::trunc);
    out << p.pid << ' ' << p.start_time << '\n';
    if (!out.flush()) throw error(fmt::format("cannot write {}", tmp));
  }
  fs::rename(tmp, path);
}

std::optional<process_id> read_pidfile(const std::string& path) {
  std::ifstream in(path);
  process_id p;
  if (!(in >> p.pid >> p.start_time) || p.pid <= 0) return std::nullopt;
  return p;
}

namespace {

bool any_alive(const std::vector<process_id>& procs) {
  for (const auto& p : procs)
    if (alive(p)) return true;
  return false;
}

void wait_gone(const std::vector<process_id>& procs, clock::duration limit) {
  auto deadline = clock::now() + limit;
  while (any_alive(procs) && clock::now() < deadline) std::this_thread::sleep_for(std::chrono::milliseconds(20));
}

}  // namespace

void kill_now(const std::vector<process_id>& procs) {
  for (const auto& p : procs) {
    if (!alive(p)) continue;
    // setsid made it a group leader: the group also holds any helpers it forked.
    if (getpgid(p.pid) != p.pid || kill(-p.pid, SIGKILL) != 0) kill(p.pid, SIGKILL);
  }
  wait_gone(procs, std::chrono::seconds(10));
}

void stop(const std::vector<process_id>& procs, std::chrono::milliseconds grace) {
  for (const auto& p : procs)
    if (alive(p)) kill(p.pid, SIGTERM);
  wait_gone(procs, grace);
  kill_now(procs);
}

std::string tail(const std::string& path, int lines) {
  std::ifstream in(path, std::ios::binary | std::ios::ate);
  // Server logs grow large; the last 64 KiB hold enough lines.
  constexpr std::streamoff window = 64 * 1024;
  auto size = static_cast<std::streamoff>(in.tellg());
  in.seekg(size > window ? size - window : 0);
  std::deque<std::string> last;
  if (size > window) in.ignore(window, '\n');
  for (std::string line; std::getline(in, line);) {
    last.push_back(std::move(line));
    if (static_cast<int>(last.size()) > lines) last.pop_front();
  }
  std::string out;
  for (const auto& l : last) out += l + '\n';
  return out;
}

}  // namespace tracepipe::stack::detail
