// `tracepipe key hash`: prints the ingest.api_keys entry of a key. The key is
// read from stdin or a file, never from argv, which other users see in `ps`.
#include <fstream>
#include <iostream>
#include <memory>
#include <string>

#include "ingest/api_keys.hpp"
#include "tools/commands.hpp"

namespace tracepipe::tools {
namespace {

struct key_options {
  std::string key_file;
  std::string project;
};

/// The first line of `in`, without its line ending.
std::string first_line(std::istream& in) {
  std::string line;
  std::getline(in, line);
  if (!line.empty() && line.back() == '\r') line.pop_back();
  return line;
}

int print_hash(const key_options& o) {
  std::string key;
  if (o.key_file.empty()) {
    key = first_line(std::cin);
  } else {
    std::ifstream in(o.key_file);
    if (!in) {
      std::cerr << "tracepipe: cannot read key file '" << o.key_file << "'\n";
      return 2;
    }
    key = first_line(in);
  }
  if (key.empty()) {
    std::cerr << "tracepipe: no key given: pipe it on stdin (tracepipe key hash < key.txt) or use --key-file\n";
    return 2;
  }
  std::cout << ingest::api_key_entry(key) << (o.project.empty() ? "" : "@" + o.project) << "\n";
  return 0;
}

}  // namespace

void add_key_command(CLI::App& app, action& run) {
  auto* cmd = app.add_subcommand("key", "API key helpers");
  cmd->require_subcommand(1);
  auto* hash = cmd->add_subcommand(
      "hash", "Print the ingest.api_keys entry (sha256:<hex>) of the key read from stdin's first line");
  auto o = std::make_shared<key_options>();
  hash->add_option("--key-file", o->key_file, "Read the key from this file's first line instead of stdin")
      ->check(CLI::ExistingFile);
  hash->add_option("--project", o->project, "Bind the key to this project: the entry ends in @PROJECT");
  hash->callback([&run, o] { run = [o] { return print_hash(*o); }; });
}

}  // namespace tracepipe::tools
