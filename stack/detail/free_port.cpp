#include "stack/detail/free_port.hpp"

#include "stack/stack.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <fmt/format.h>

namespace tracepipe::stack::detail {

std::vector<int> free_ports(int count) {
  std::vector<int> fds, ports;
  auto close_all = [&] {
    for (int fd : fds) close(fd);
  };
  for (int i = 0; i < count; ++i) {
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = 0;
    socklen_t len = sizeof addr;
    if (fd < 0 || bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
        getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
      int e = errno;
      if (fd >= 0) close(fd);
      close_all();
      throw error(fmt::format("cannot find a free port on 127.0.0.1: {}", std::strerror(e)));
    }
    fds.push_back(fd);
    ports.push_back(ntohs(addr.sin_port));
  }
  close_all();
  return ports;
}

}  // namespace tracepipe::stack::detail
