#pragma once
// The ClickHouse servers' cgroups as the stack's start and stop use them
// (defined with the limits in stack/limits.cpp).
#include <iosfwd>
#include <string>

#include "stack/detail/state.hpp"

namespace tracepipe::stack::detail {

/// Moves a ClickHouse server just started into its own cgroup when this
/// machine has one to give; else says in one line why it runs unconfined.
/// Other components are left alone.
void confine(const stack_state& s, const std::string& name, int pid, std::ostream& log);

/// Removes the groups of the stack's ClickHouse servers, once they stopped.
void release_groups(const stack_state& s);

}  // namespace tracepipe::stack::detail
