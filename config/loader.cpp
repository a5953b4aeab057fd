#include "config/loader.hpp"

#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

namespace tracepipe::config {
namespace {

/// A secret given as file:PATH is that file's content, one trailing newline
/// dropped, so it never has to sit in the environment, a flag or the YAML.
std::string read_secret_file(const key& k, std::string_view path, const std::string& source) {
  auto fail = [&] {
    return error(fmt::format("config key '{}' from {}: cannot read secret file '{}': {}", k.name, source, path,
                             std::strerror(errno)));
  };
  std::ifstream in{std::string(path), std::ios::binary};
  if (!in) throw fail();
  std::string content((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (in.bad()) throw fail();
  if (!content.empty() && content.back() == '\n') content.pop_back();
  if (!content.empty() && content.back() == '\r') content.pop_back();
  return content;
}

void apply(settings& s, const key& k, std::string_view text, const std::string& source) {
  std::string from_file;
  if (k.secret && text.substr(0, 5) == "file:") {
    from_file = read_secret_file(k, text.substr(5), source);
    text = from_file;
  }
  if (auto problem = k.apply(s, text)) {
    // Secrets are never echoed; other values are, to make the mistake obvious.
    auto shown = k.secret ? std::string("(hidden)") : fmt::format("'{}'", text);
    throw error(fmt::format("config key '{}' from {}: value {} is invalid: {}", k.name, source, shown, *problem));
  }
}

void flatten(const YAML::Node& node, const std::string& prefix, std::map<std::string, std::string>& out,
             const std::string& file) {
  if (node.IsMap()) {
    for (const auto& item : node) {
      auto name = prefix.empty() ? item.first.as<std::string>() : prefix + "." + item.first.as<std::string>();
      flatten(item.second, name, out, file);
    }
  } else if (node.IsSequence()) {
    std::string joined;
    for (const auto& item : node) joined += (joined.empty() ? "" : ",") + item.as<std::string>();
    out[prefix] = joined;
  } else if (node.IsScalar()) {
    out[prefix] = node.as<std::string>();
  } else if (node.IsNull() && find_key(prefix)) {
    out[prefix] = "";  // `api_keys:` with nothing after it: the empty value
  }
  // A null root (empty file) or null section (`ingest:` alone) sets nothing.
}

std::string upper(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

/// Undoes POSIX single-quoting as the stack writes it: 'it'\''s' → it's.
std::string shell_unquote(const std::string& text) {
  std::string out;
  bool quoted = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '\'') quoted = !quoted;
    else if (c == '\\' && !quoted && i + 1 < text.size()) out += text[++i];
    else out += c;
  }
  return out;
}

bool in_sections(const key& k, const std::vector<section>& sections) {
  for (auto s : sections)
    if (s == k.group) return true;
  return false;
}

}  // namespace

std::map<std::string, std::string> read_env_file(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw error(fmt::format("cannot read '{}': is the stack up? (tracepipe stack up --dir DIR)", path));
  std::map<std::string, std::string> out;
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    auto eq = line.find('=');
    if (eq == std::string::npos) continue;
    out[line.substr(0, eq)] = shell_unquote(line.substr(eq + 1));
  }
  return out;
}

settings defaults() {
  settings s{};
  for (const auto& k : keys()) apply(s, k, k.default_text, "its default");
  return s;
}

void loader::add_flags(CLI::App& app, std::vector<section> sections) {
  app.add_option("--config", config_file_, "YAML file of settings (keys as in README's configuration table)")
      ->check(CLI::ExistingFile);
  app.add_option("--stack", stack_dir_,
                 "Local stack directory: endpoints and credentials are read from DIR/stack.env; "
                 "environment and flags override them");
  for (const auto& k : keys()) {
    if (!in_sections(k, sections)) continue;
    auto description = fmt::format("{} [{}; default {}; env {}]", k.help, k.unit,
                                   k.default_text.empty() ? "none" : k.default_text, k.env_name());
    // The value is kept as text and applied in load(), so that flags, env and
    // file share one validation path and one error message.
    app.add_option_function<std::string>(
            k.flag, [this, name = k.name](const std::string& v) { flag_values_[name] = v; }, description)
        ->type_name(upper(k.unit));
  }
}

settings loader::load(const env_lookup& getenv) const {
  settings s = defaults();

  if (!stack_dir_.empty()) {
    auto file = stack_dir_ + "/stack.env";
    auto vars = read_env_file(file);
    for (const auto& k : keys())
      for (const auto& alias : k.env_aliases)
        if (auto it = vars.find(alias); it != vars.end()) apply(s, k, it->second, file);
  }

  if (!config_file_.empty()) {
    std::map<std::string, std::string> values;
    try {
      flatten(YAML::LoadFile(config_file_), "", values, config_file_);
    } catch (const YAML::Exception& e) {
      throw error(fmt::format("config file '{}': {}", config_file_, e.what()));
    }
    for (const auto& [name, text] : values) {
      const key* k = find_key(name);
      if (!k) throw error(fmt::format("config file '{}': unknown key '{}'", config_file_, name));
      apply(s, *k, text, fmt::format("file '{}'", config_file_));
    }
  }

  for (const auto& k : keys()) {
    for (const auto& alias : k.env_aliases)
      if (const char* v = getenv(alias.c_str())) apply(s, k, v, "environment variable " + alias);
    auto name = k.env_name();
    if (const char* v = getenv(name.c_str())) apply(s, k, v, "environment variable " + name);
  }

  for (const auto& [name, text] : flag_values_) apply(s, *find_key(name), text, "flag " + find_key(name)->flag);
  return s;
}

}  // namespace tracepipe::config
