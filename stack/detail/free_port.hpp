#pragma once

#include <vector>

namespace tracepipe::stack::detail {

/// `count` distinct TCP ports that are free on 127.0.0.1 right now: the
/// kernel's choice for port 0, all held at once so none repeats.
std::vector<int> free_ports(int count);

}  // namespace tracepipe::stack::detail
