#pragma once
// Builds settings from, lowest precedence first: each key's default, the
// local stack's DIR/stack.env, a YAML file (--config), environment variables
// (TRACEPIPE_<KEY> and standard names such as REDIS_URL), and flags.
#include <functional>
#include <map>
#include <stdexcept>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "config/keys.hpp"
#include "config/settings.hpp"

namespace tracepipe::config {

/// A configuration mistake; the message names the key and where it came from.
struct error : std::runtime_error {
  using std::runtime_error::runtime_error;
};

using env_lookup = std::function<const char*(const char*)>;

/// KEY=VALUE lines as written by `tracepipe stack up` (comments and blanks skipped).
std::map<std::string, std::string> read_env_file(const std::string& path);

class loader {
 public:
  /// Adds --config, --stack and one flag per key of the sections to app.
  void add_flags(CLI::App& app, std::vector<section> sections);

  /// Throws config::error naming the key and its source.
  settings load(const env_lookup& getenv = ::getenv) const;

  const std::string& stack_dir() const { return stack_dir_; }
  const std::string& config_file() const { return config_file_; }
  /// As --stack DIR (for commands that start the stack themselves).
  void set_stack_dir(std::string dir) { stack_dir_ = std::move(dir); }
  /// As --config FILE.
  void set_config_file(std::string file) { config_file_ = std::move(file); }

 private:
  std::string config_file_;
  std::string stack_dir_;
  std::map<std::string, std::string> flag_values_;
};

/// Defaults only (what a test starts from).
settings defaults();

}  // namespace tracepipe::config
