#pragma once
// What every operation on a stack directory shares: its absolute path, the
// lock that serializes up/down/start/stop on it, its saved state and the
// live process of a component.
#include <filesystem>
#include <optional>
#include <string>

#include "stack/detail/process.hpp"
#include "stack/detail/state.hpp"

namespace tracepipe::stack::detail {

/// Serializes up/down/start/stop on one DIR, so two `up`s cannot start twins.
class dir_lock {
 public:
  explicit dir_lock(const std::filesystem::path& dir);
  dir_lock(const dir_lock&) = delete;
  dir_lock& operator=(const dir_lock&) = delete;
  ~dir_lock();

 private:
  int fd_ = -1;
};

/// DIR made absolute and canonical; throws `error` for an empty one.
std::filesystem::path absolute_dir(const std::string& dir);

/// The stack's state, or an error saying that `up` never ran in DIR.
stack_state require_state(const std::filesystem::path& dir);

/// Throws, listing this stack's components, unless `name` is one of them.
void check_name(const stack_state& s, const std::string& name);

/// The component's recorded process if it runs.
std::optional<process_id> live_pid(const std::filesystem::path& dir, const std::string& name);

}  // namespace tracepipe::stack::detail
