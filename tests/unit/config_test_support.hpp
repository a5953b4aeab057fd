#pragma once
// What the config unit tests (config_units_test, config_keys_test,
// config_loader_test) share: sizes, api-key values, a temporary directory, a
// fake environment and a loader fed command-line arguments.
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "config/keys.hpp"
#include "config/loader.hpp"

namespace tracepipe::config::config_test {

namespace fs = std::filesystem;

inline constexpr std::size_t KiB = 1024, MiB = 1024 * KiB, GiB = 1024 * MiB;

/// ingest.api_keys entries: hashes of keys (any 64 hex digits parse).
inline const std::string hash_a = "sha256:" + std::string(64, 'a'), hash_b = "sha256:" + std::string(64, 'b'),
                  hash_c = "sha256:" + std::string(64, 'c');
inline const api_key key_a{std::string(64, 'a'), ""}, key_b{std::string(64, 'b'), ""}, key_c{std::string(64, 'c'), ""};


/// A fresh directory removed at the end of the test.
class temp_dir {
 public:
  temp_dir() {
    std::string pattern = (fs::temp_directory_path() / "tracepipe_config_test_XXXXXX").string();
    if (!::mkdtemp(pattern.data())) throw std::runtime_error("mkdtemp failed");
    path_ = pattern;
  }
  ~temp_dir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  temp_dir(const temp_dir&) = delete;
  temp_dir& operator=(const temp_dir&) = delete;

  std::string write(const std::string& name, const std::string& text) const {
    auto p = path_ / name;
    std::ofstream(p) << text;
    return p.string();
  }
  std::string path() const { return path_.string(); }

 private:
  fs::path path_;
};

using fake_env = std::map<std::string, std::string>;

inline env_lookup lookup_in(const fake_env& env) {
  return [&env](const char* name) -> const char* {
    auto it = env.find(name);
    return it == env.end() ? nullptr : it->second.c_str();
  };
}

inline const env_lookup no_env = [](const char*) -> const char* { return nullptr; };

/// A loader whose flags are parsed from args (in the order a user types them).
class cli {
 public:
  explicit cli(std::vector<std::string> args, std::vector<section> sections = {section::ingest, section::redis}) {
    loader_.add_flags(app_, std::move(sections));
    std::reverse(args.begin(), args.end());  // CLI::App::parse(vector) takes the arguments reversed
    app_.parse(std::move(args));
  }
  settings load(const env_lookup& env = no_env) const { return loader_.load(env); }
  const loader& get() const { return loader_; }

 private:
  CLI::App app_{"test"};
  loader loader_;
};

/// The message of the config::error load() throws, or "" (and a failure) when it throws none.
inline std::string load_error(const cli& c, const env_lookup& env = no_env) {
  try {
    c.load(env);
  } catch (const error& e) {
    return e.what();
  }
  ADD_FAILURE() << "load() did not throw";
  return "";
}

inline bool contains(const std::string& s, std::string_view part) { return s.find(part) != std::string::npos; }

}  // namespace tracepipe::config::config_test
