#include "config/keys.hpp"
#include "config/loader.hpp"
#include "config/units.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <unistd.h>

namespace tracepipe::config {
namespace {

using namespace std::chrono_literals;
namespace fs = std::filesystem;

constexpr std::size_t KiB = 1024, MiB = 1024 * KiB, GiB = 1024 * MiB;

/// ingest.api_keys entries: hashes of keys (any 64 hex digits parse).
const std::string hash_a = "sha256:" + std::string(64, 'a'), hash_b = "sha256:" + std::string(64, 'b'),
                  hash_c = "sha256:" + std::string(64, 'c');
const api_key key_a{std::string(64, 'a'), ""}, key_b{std::string(64, 'b'), ""}, key_c{std::string(64, 'c'), ""};

// ---- units ----

struct bytes_case {
  std::string_view text;
  std::optional<std::size_t> want;
};

TEST(parse_bytes, table) {
  const bytes_case cases[] = {
      {"25MiB", 25 * MiB},
      {"512KB", 512'000},
      {"1048576", 1'048'576},
      {"1.5KiB", 1536},
      {"0", 0},
      {"1B", 1},
      {"1b", 1},
      {"2kb", 2000},
      {"3MB", 3'000'000},
      {"1GB", 1'000'000'000},
      {"4KiB", 4 * KiB},
      {"4k", 4 * KiB},
      {"4K", 4 * KiB},
      {"2m", 2 * MiB},
      {"2M", 2 * MiB},
      {"1GiB", GiB},
      {"1g", GiB},
      {"100mib", 100 * MiB},
      {"  25 MiB  ", 25 * MiB},
      {"0.5KiB", 512},
      {"1000000000000000", 1'000'000'000'000'000},  // 1e15, the largest accepted
      // bad ones
      {"", std::nullopt},
      {"   ", std::nullopt},
      {"MiB", std::nullopt},
      {"-1", std::nullopt},
      {"-1MiB", std::nullopt},
      {"+1", std::nullopt},
      {"25XB", std::nullopt},
      {"25 MiBs", std::nullopt},
      {"25MiB extra", std::nullopt},
      {"1.2.3", std::nullopt},
      {"0.5", std::nullopt},       // half a byte
      {"1.1KB", 1100},
      {"1.0001KiB", std::nullopt},  // not a whole number of bytes
      {"1e3", std::nullopt},
      {"0x10", std::nullopt},
      {"inf", std::nullopt},
      {"nan", std::nullopt},
      {"1000001GB", std::nullopt},  // above 1e15
      {"1TB", std::nullopt},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(parse_bytes(c.text), c.want) << "'" << c.text << "'";
  }
}

struct duration_case {
  std::string_view text;
  std::optional<std::chrono::milliseconds> want;
};

TEST(parse_duration, table) {
  const duration_case cases[] = {
      {"250ms", 250ms},
      {"30s", 30s},
      {"5m", 5min},
      {"1h", 1h},
      {"2min", 2min},
      {"30", 30s},  // a bare number is seconds
      {"1.5s", 1500ms},
      {"0.25s", 250ms},
      {"0ms", 0ms},
      {"30S", 30s},
      {"1H", 1h},
      {" 10 ms ", 10ms},
      {"0.5m", 30s},
      // bad ones
      {"", std::nullopt},
      {"ms", std::nullopt},
      {"-1s", std::nullopt},
      {"1d", std::nullopt},
      {"1us", std::nullopt},
      {"1.5ms", std::nullopt},  // below a millisecond
      {"10 seconds", std::nullopt},
      {"1h30m", std::nullopt},
      {"abc", std::nullopt},
      {"1e3ms", std::nullopt},
      {"1000000000001ms", std::nullopt},  // above 1e12 ms
  };
  for (const auto& c : cases) {
    EXPECT_EQ(parse_duration(c.text), c.want) << "'" << c.text << "'";
  }
}

TEST(parse_duration, exact_decimal_fractions) {
  EXPECT_EQ(parse_duration("1.001s"), 1001ms);
  EXPECT_EQ(parse_duration("2.003s"), 2003ms);
  EXPECT_EQ(parse_bytes("1.001KB"), 1001u);
}

TEST(parse_integer, table) {
  const std::pair<std::string_view, std::optional<long long>> cases[] = {
      {"0", 0},           {"42", 42},       {" 7 ", 7},          {"-5", -5},
      {"9223372036854775807", 9223372036854775807LL},
      {"", std::nullopt}, {"+5", std::nullopt}, {"1.0", std::nullopt}, {"12abc", std::nullopt},
      {"9223372036854775808", std::nullopt}, {"0x1f", std::nullopt}, {"1 2", std::nullopt},
  };
  for (const auto& [text, want] : cases) EXPECT_EQ(parse_integer(text), want) << "'" << text << "'";
}

TEST(parse_bool, table) {
  const std::pair<std::string_view, std::optional<bool>> cases[] = {
      {"1", true},   {"true", true},   {"TRUE", true},   {"Yes", true},   {"on", true},  {" true ", true},
      {"0", false},  {"false", false}, {"False", false}, {"NO", false},   {"off", false}, {"\tOFF\n", false},
      {"", std::nullopt}, {"2", std::nullopt}, {"y", std::nullopt}, {"n", std::nullopt},
      {"truee", std::nullopt}, {"enabled", std::nullopt}, {"t", std::nullopt},
  };
  for (const auto& [text, want] : cases) EXPECT_EQ(parse_bool(text), want) << "'" << text << "'";
}

TEST(parse_list, table) {
  using list = std::vector<std::string>;
  const std::pair<std::string_view, list> cases[] = {
      {"", {}},
      {"a", {"a"}},
      {"a,b,c", {"a", "b", "c"}},
      {" a , b ,c ", {"a", "b", "c"}},
      {"a,,b", {"a", "b"}},
      {",a,", {"a"}},
      {" , ,", {}},
      {"key one, key two", {"key one", "key two"}},
      {"a,a", {"a", "a"}},
  };
  for (const auto& [text, want] : cases) EXPECT_EQ(parse_list(text), want) << "'" << text << "'";
}

// ---- key table ----

TEST(keys, every_key_is_documented_and_its_default_parses) {
  ASSERT_FALSE(keys().empty());
  std::set<std::string> names, flags, envs;
  for (const auto& k : keys()) {
    SCOPED_TRACE(k.name);
    EXPECT_FALSE(k.help.empty());
    EXPECT_FALSE(k.unit.empty());
    EXPECT_TRUE(k.flag.starts_with("--")) << k.flag;
    EXPECT_GT(k.flag.size(), 2u);
    EXPECT_NE(k.flag, "--config");
    EXPECT_NE(k.flag, "--stack");
    EXPECT_NE(k.flag, "--help");
    EXPECT_TRUE(k.name.starts_with(std::string(section_name(k.group)) + ".")) << k.name;
    EXPECT_TRUE(names.insert(k.name).second) << "duplicate name " << k.name;
    EXPECT_TRUE(flags.insert(k.flag).second) << "duplicate flag " << k.flag;
    EXPECT_TRUE(envs.insert(k.env_name()).second) << "duplicate env " << k.env_name();
    for (const auto& alias : k.env_aliases) EXPECT_TRUE(envs.insert(alias).second) << "duplicate env " << alias;
    ASSERT_TRUE(k.apply);
    settings s{};
    auto problem = k.apply(s, k.default_text);
    EXPECT_FALSE(problem) << "default '" << k.default_text << "': " << problem.value_or("");
    EXPECT_EQ(find_key(k.name), &k);
  }
  EXPECT_EQ(keys().size(), 59u);  // README's configuration table lists each
}

TEST(keys, env_name_and_find_key) {
  ASSERT_NE(find_key("ingest.body_limit"), nullptr);
  EXPECT_EQ(find_key("ingest.body_limit")->env_name(), "TRACEPIPE_INGEST_BODY_LIMIT");
  EXPECT_EQ(find_key("ingest.body_limit")->flag, "--body-limit");
  EXPECT_EQ(find_key("redis.url")->env_name(), "TRACEPIPE_REDIS_URL");
  EXPECT_EQ(find_key("redis.url")->env_aliases, std::vector<std::string>{"REDIS_URL"});
  EXPECT_TRUE(find_key("redis.url")->secret);
  EXPECT_TRUE(find_key("ingest.api_keys")->secret);
  EXPECT_FALSE(find_key("ingest.body_limit")->secret);
  EXPECT_EQ(find_key("ingest.bodylimit"), nullptr);
  EXPECT_EQ(find_key(""), nullptr);
  EXPECT_EQ(find_key("ingest"), nullptr);
  EXPECT_EQ(find_key("INGEST.BODY_LIMIT"), nullptr);
}

TEST(defaults, equal_the_documented_defaults) {
  auto s = defaults();
  EXPECT_EQ(s.redis.url, "redis://127.0.0.1:6379");
  EXPECT_EQ(s.redis.stream, "tracepipe:runs");
  EXPECT_EQ(s.redis.shards, 1);
  EXPECT_EQ(s.redis.command_timeout, 2s);
  EXPECT_EQ(s.redis.reconnect_delay, 200ms);
  EXPECT_EQ(s.redis.depth_interval, 100ms);
  EXPECT_EQ(s.ingest.listen, "127.0.0.1:8080");
  EXPECT_EQ(s.ingest.threads, 1);
  EXPECT_EQ(s.ingest.body_limit, 25 * MiB);
  EXPECT_EQ(s.ingest.decompressed_limit, 100 * MiB);
  EXPECT_EQ(s.ingest.header_limit, 16 * KiB);
  EXPECT_EQ(s.ingest.max_runs_per_request, 10'000u);
  EXPECT_EQ(s.ingest.max_parts, 100'000u);
  EXPECT_EQ(s.ingest.json_depth, 64u);
  EXPECT_EQ(s.ingest.read_timeout, 30s);
  EXPECT_EQ(s.ingest.idle_timeout, 60s);
  EXPECT_EQ(s.ingest.queue_high_watermark, 1'000'000u);
  EXPECT_EQ(s.ingest.inflight_high_watermark, 512 * MiB);
  EXPECT_EQ(s.ingest.max_connections, 10'000u);
  EXPECT_EQ(s.ingest.retry_after_s, 1);
  EXPECT_TRUE(s.ingest.api_keys.empty());
  EXPECT_EQ(s.ingest.default_project, "default");
  EXPECT_EQ(s.clickhouse.ca_file, "");  // the system CA store
  EXPECT_EQ(s.s3.ca_file, "");
}

struct value_case {
  std::string key;
  std::string text;
  bool valid;
};

TEST(keys, apply_validates_each_kind_of_value) {
  const value_case cases[] = {
      {"redis.url", "redis://:pw@host:1/2", true},
      {"redis.url", "http://host:6379", false},
      {"redis.url", "", false},
      {"redis.stream", "x", true},
      {"redis.stream", "", false},
      {"redis.shards", "1", true},
      {"redis.shards", "1024", true},
      {"redis.shards", "0", false},
      {"redis.shards", "1025", false},
      {"redis.shards", "two", false},
      {"redis.command_timeout", "1ms", true},
      {"redis.command_timeout", "0s", false},
      {"redis.command_timeout", "soon", false},
      {"ingest.listen", "0.0.0.0:0", true},
      {"ingest.listen", "[::1]:8080", true},
      {"ingest.listen", "8080", false},
      {"ingest.listen", ":8080", false},
      {"ingest.listen", "host:", false},
      {"ingest.listen", "host:65536", false},
      {"ingest.listen", "host:-1", false},
      {"ingest.threads", "256", true},
      {"ingest.threads", "257", false},
      {"ingest.body_limit", "1", true},
      {"ingest.body_limit", "0", false},
      {"ingest.body_limit", "lots", false},
      {"ingest.header_limit", "1024", true},
      {"ingest.header_limit", "1023", false},
      {"ingest.json_depth", "2", true},
      {"ingest.json_depth", "1", false},
      {"ingest.json_depth", "1025", false},
      {"ingest.retry_after", "0", true},
      {"ingest.retry_after", "3600", true},
      {"ingest.retry_after", "3601", false},
      {"ingest.retry_after", "-1", false},
      {"ingest.api_keys", "", true},
      {"ingest.api_keys", "a,b", false},
      {"ingest.api_keys", hash_a + "," + hash_b + "@proj", true},
      {"ingest.default_project", "", false},
      {"ingest.default_project", "p", true},
  };
  for (const auto& c : cases) {
    const key* k = find_key(c.key);
    ASSERT_NE(k, nullptr) << c.key;
    settings s = defaults();
    auto problem = k->apply(s, c.text);
    EXPECT_EQ(!problem, c.valid) << c.key << " = '" << c.text << "': " << problem.value_or("accepted");
    if (problem) {
      EXPECT_FALSE(problem->empty());
    }
  }
}

TEST(keys, redis_url_is_validated_as_a_whole) {
  for (std::string_view url : {"redis://", "redis://host:notaport", "redis://host/x", "redis://host:0"}) {
    settings s = defaults();
    EXPECT_TRUE(find_key("redis.url")->apply(s, url)) << url;
  }
}

TEST(keys, apply_stores_the_typed_value) {
  settings s = defaults();
  EXPECT_FALSE(find_key("redis.shards")->apply(s, "8"));
  EXPECT_FALSE(find_key("redis.command_timeout")->apply(s, "1.5s"));
  EXPECT_FALSE(find_key("ingest.body_limit")->apply(s, "1MiB"));
  EXPECT_FALSE(find_key("ingest.api_keys")->apply(s, " " + hash_a + " ," + hash_b + ","));
  EXPECT_FALSE(find_key("ingest.listen")->apply(s, "0.0.0.0:0"));
  EXPECT_FALSE(find_key("ingest.queue_high_watermark")->apply(s, "1000000000000"));
  EXPECT_EQ(s.redis.shards, 8);
  EXPECT_EQ(s.redis.command_timeout, 1500ms);
  EXPECT_EQ(s.ingest.body_limit, MiB);
  EXPECT_EQ(s.ingest.api_keys, (std::vector<api_key>{key_a, key_b}));
  EXPECT_EQ(s.ingest.listen, "0.0.0.0:0");
  EXPECT_EQ(s.ingest.queue_high_watermark, 1'000'000'000'000u);
}

// ---- loader ----

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

env_lookup lookup_in(const fake_env& env) {
  return [&env](const char* name) -> const char* {
    auto it = env.find(name);
    return it == env.end() ? nullptr : it->second.c_str();
  };
}

const env_lookup no_env = [](const char*) -> const char* { return nullptr; };

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
std::string load_error(const cli& c, const env_lookup& env = no_env) {
  try {
    c.load(env);
  } catch (const error& e) {
    return e.what();
  }
  ADD_FAILURE() << "load() did not throw";
  return "";
}

bool contains(const std::string& s, std::string_view part) { return s.find(part) != std::string::npos; }

TEST(keys, ca_file_is_empty_or_a_readable_file_of_pem_certificates) {
  temp_dir dir;
  const std::string pem = "-----BEGIN CERTIFICATE-----\nMIIBszCCAVmgAwIBAgIU\n-----END CERTIFICATE-----\n";
  const auto bundle = dir.write("bundle.pem", "# private CA\n" + pem + pem);
  const auto trusted = dir.write("trusted.pem", "-----BEGIN TRUSTED CERTIFICATE-----\nMIIB\n-----END TRUSTED CERTIFICATE-----\n");
  const auto key_only = dir.write("key.pem", "-----BEGIN PRIVATE KEY-----\nMIIE\n-----END PRIVATE KEY-----\n");
  const auto der = dir.write("ca.der", std::string("\x30\x82\x01\xb3", 4));
  const auto empty = dir.write("empty.pem", "");
  struct ca_case {
    std::string text;
    std::string problem_has;  ///< empty: accepted
  };
  const ca_case cases[] = {
      {"", ""},
      {bundle, ""},
      {trusted, ""},
      {dir.path() + "/missing.pem", "No such file or directory"},
      {dir.path(), "directory"},
      {key_only, "no PEM certificate"},
      {der, "no PEM certificate"},
      {empty, "no PEM certificate"},
  };
  for (const char* name : {"clickhouse.ca_file", "s3.ca_file"}) {
    ASSERT_NE(find_key(name), nullptr) << name;
    for (const auto& c : cases) {
      SCOPED_TRACE(std::string(name) + " = '" + c.text + "'");
      settings s = defaults();
      auto problem = find_key(name)->apply(s, c.text);
      if (c.problem_has.empty()) {
        EXPECT_FALSE(problem) << *problem;
        EXPECT_EQ(std::string(name) == "s3.ca_file" ? s.s3.ca_file : s.clickhouse.ca_file, c.text);
      } else {
        ASSERT_TRUE(problem);
        EXPECT_TRUE(problem->find(c.problem_has) != std::string::npos) << *problem;
      }
    }
  }
}

TEST(loader, without_sources_gives_the_defaults) {
  cli c({});
  auto s = c.load();
  auto d = defaults();
  EXPECT_EQ(s.redis.url, d.redis.url);
  EXPECT_EQ(s.ingest.body_limit, d.ingest.body_limit);
  EXPECT_EQ(s.ingest.api_keys, d.ingest.api_keys);
  EXPECT_EQ(c.get().stack_dir(), "");
}

/// Which sources set ingest.body_limit and redis.url, lowest precedence first.
struct layers {
  bool stack, file, env, flag;
  std::size_t body_limit;
  std::string redis_url;
};

TEST(loader, precedence_defaults_stack_file_env_flags) {
  temp_dir dir;
  dir.write("stack.env", "# tracepipe stack endpoints\nREDIS_URL=redis://127.0.0.1:1111\nOTHER=x\n");
  auto file = dir.write("tracepipe.yaml",
                        "redis:\n  url: redis://127.0.0.1:2222\n"
                        "ingest: {body_limit: 1MiB, api_keys: [" + hash_a + ", " + hash_b + "]}\n");
  const fake_env env_values{{"TRACEPIPE_INGEST_BODY_LIMIT", "2MiB"}, {"REDIS_URL", "redis://127.0.0.1:3333"}};

  const layers cases[] = {
      {false, false, false, false, 25 * MiB, "redis://127.0.0.1:6379"},
      {true, false, false, false, 25 * MiB, "redis://127.0.0.1:1111"},
      {true, true, false, false, 1 * MiB, "redis://127.0.0.1:2222"},
      {false, true, false, false, 1 * MiB, "redis://127.0.0.1:2222"},
      {true, true, true, false, 2 * MiB, "redis://127.0.0.1:3333"},
      {true, false, true, false, 2 * MiB, "redis://127.0.0.1:3333"},
      {true, true, true, true, 3 * MiB, "redis://127.0.0.1:4444"},
      {false, false, false, true, 3 * MiB, "redis://127.0.0.1:4444"},
      {true, false, false, true, 3 * MiB, "redis://127.0.0.1:4444"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(testing::Message() << "stack " << c.stack << " file " << c.file << " env " << c.env << " flag "
                                    << c.flag);
    std::vector<std::string> args;
    if (c.stack) args.insert(args.end(), {"--stack", dir.path()});
    if (c.file) args.insert(args.end(), {"--config", file});
    if (c.flag) args.insert(args.end(), {"--body-limit", "3MiB", "--redis-url", "redis://127.0.0.1:4444"});
    cli loaded(args);
    const fake_env none;
    auto s = loaded.load(lookup_in(c.env ? env_values : none));
    EXPECT_EQ(s.ingest.body_limit, c.body_limit);
    EXPECT_EQ(s.redis.url, c.redis_url);
    const std::vector<api_key> file_keys{key_a, key_b};
    EXPECT_EQ(s.ingest.api_keys, c.file ? file_keys : std::vector<api_key>());
    EXPECT_EQ(loaded.get().stack_dir(), c.stack ? dir.path() : std::string());
  }
}

TEST(loader, tracepipe_env_name_wins_over_its_standard_alias) {
  cli c({});
  fake_env env{{"REDIS_URL", "redis://alias:1"}, {"TRACEPIPE_REDIS_URL", "redis://own:2"}};
  EXPECT_EQ(c.load(lookup_in(env)).redis.url, "redis://own:2");
  fake_env only_alias{{"REDIS_URL", "redis://alias:1"}};
  EXPECT_EQ(c.load(lookup_in(only_alias)).redis.url, "redis://alias:1");
}

TEST(loader, file_sets_nested_keys_of_every_type) {
  temp_dir dir;
  auto file = dir.write("all.yaml",
                        "redis:\n"
                        "  stream: custom:runs\n"
                        "  shards: 8\n"
                        "  command_timeout: 500ms\n"
                        "ingest:\n"
                        "  listen: 0.0.0.0:9000\n"
                        "  threads: 4\n"
                        "  json_depth: 32\n"
                        "  read_timeout: 5m\n"
                        "  api_keys:\n"
                        "    - " + hash_a + "\n"
                        "    - " + hash_b + "\n"
                        "    - " + hash_c + "\n"
                        "  default_project: my-project\n");
  cli c({"--config", file});
  auto s = c.load();
  EXPECT_EQ(s.redis.stream, "custom:runs");
  EXPECT_EQ(s.redis.shards, 8);
  EXPECT_EQ(s.redis.command_timeout, 500ms);
  EXPECT_EQ(s.ingest.listen, "0.0.0.0:9000");
  EXPECT_EQ(s.ingest.threads, 4);
  EXPECT_EQ(s.ingest.json_depth, 32u);
  EXPECT_EQ(s.ingest.read_timeout, 5min);
  EXPECT_EQ(s.ingest.api_keys, (std::vector<api_key>{key_a, key_b, key_c}));
  EXPECT_EQ(s.ingest.default_project, "my-project");
  // untouched keys keep their defaults
  EXPECT_EQ(s.ingest.body_limit, 25 * MiB);
  EXPECT_EQ(s.redis.url, "redis://127.0.0.1:6379");
}

TEST(loader, flags_set_every_kind_of_key) {
  cli c({"--shards", "16", "--redis-timeout", "3s", "--api-keys", hash_a + ", " + hash_b, "--listen", "127.0.0.1:0",
         "--max-runs-per-request=5", "--default-project", "flagged"});
  auto s = c.load();
  EXPECT_EQ(s.redis.shards, 16);
  EXPECT_EQ(s.redis.command_timeout, 3s);
  EXPECT_EQ(s.ingest.api_keys, (std::vector<api_key>{key_a, key_b}));
  EXPECT_EQ(s.ingest.listen, "127.0.0.1:0");
  EXPECT_EQ(s.ingest.max_runs_per_request, 5u);
  EXPECT_EQ(s.ingest.default_project, "flagged");
}

TEST(loader, flags_only_for_the_sections_asked) {
  EXPECT_THROW(cli({"--redis-url", "redis://h:1"}, {section::ingest}), CLI::ParseError);
  EXPECT_THROW(cli({"--body-limit", "1MiB"}, {section::redis}), CLI::ParseError);
  EXPECT_NO_THROW(cli({"--body-limit", "1MiB"}, {section::ingest}));
  EXPECT_THROW(cli({"--no-such-flag", "1"}), CLI::ParseError);
}

TEST(loader, config_flag_requires_an_existing_file) {
  EXPECT_THROW(cli({"--config", "/nonexistent/dir/tracepipe.yaml"}), CLI::ParseError);
}

struct bad_source_case {
  std::string name;
  std::vector<std::string> args;
  fake_env env;
  std::vector<std::string> message_has;
};

TEST(loader, errors_name_the_key_and_the_source) {
  const bad_source_case cases[] = {
      {"flag", {"--body-limit", "lots"}, {}, {"ingest.body_limit", "flag --body-limit", "'lots'"}},
      {"flag shards", {"--shards", "0"}, {}, {"redis.shards", "flag --shards", "'0'", "1 to 1024"}},
      {"env", {}, {{"TRACEPIPE_INGEST_BODY_LIMIT", "12 parsecs"}},
       {"ingest.body_limit", "environment variable TRACEPIPE_INGEST_BODY_LIMIT", "'12 parsecs'"}},
      {"env duration", {}, {{"TRACEPIPE_INGEST_READ_TIMEOUT", "0s"}},
       {"ingest.read_timeout", "environment variable TRACEPIPE_INGEST_READ_TIMEOUT"}},
      {"env alias", {}, {{"REDIS_URL", "localhost:6379"}}, {"redis.url", "environment variable REDIS_URL"}},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    cli loaded(c.args);
    auto message = load_error(loaded, lookup_in(c.env));
    for (const auto& part : c.message_has) EXPECT_TRUE(contains(message, part)) << message << "\nlacks " << part;
  }
}

TEST(loader, file_errors_name_the_key_and_the_file) {
  temp_dir dir;
  auto bad_value = dir.write("bad_value.yaml", "ingest:\n  body_limit: 12 parsecs\n");
  auto message = load_error(cli({"--config", bad_value}));
  EXPECT_TRUE(contains(message, "ingest.body_limit")) << message;
  EXPECT_TRUE(contains(message, bad_value)) << message;
  EXPECT_TRUE(contains(message, "'12 parsecs'")) << message;

  auto unknown = dir.write("unknown.yaml", "ingest:\n  body_limt: 1MiB\n");
  message = load_error(cli({"--config", unknown}));
  EXPECT_TRUE(contains(message, "unknown key 'ingest.body_limt'")) << message;
  EXPECT_TRUE(contains(message, unknown)) << message;

  auto unknown_section = dir.write("section.yaml", "ingress:\n  body_limit: 1MiB\n");
  message = load_error(cli({"--config", unknown_section}));
  EXPECT_TRUE(contains(message, "unknown key 'ingress.body_limit'")) << message;

  auto malformed = dir.write("malformed.yaml", "ingest: {body_limit: [1MiB\n");
  message = load_error(cli({"--config", malformed}));
  EXPECT_TRUE(contains(message, malformed)) << message;

  auto list_of_maps = dir.write("list.yaml", "ingest:\n  api_keys:\n    - {a: 1}\n");
  message = load_error(cli({"--config", list_of_maps}));
  EXPECT_TRUE(contains(message, list_of_maps)) << message;
}

TEST(loader, secret_values_are_not_echoed) {
  temp_dir dir;
  const std::string secret_url = "http://:hunter2@redis.internal:6379";
  // flag
  auto message = load_error(cli({"--redis-url", secret_url}));
  EXPECT_TRUE(contains(message, "redis.url")) << message;
  EXPECT_TRUE(contains(message, "flag --redis-url")) << message;
  EXPECT_FALSE(contains(message, "hunter2")) << message;
  // environment
  fake_env env{{"TRACEPIPE_REDIS_URL", secret_url}};
  message = load_error(cli({}), lookup_in(env));
  EXPECT_TRUE(contains(message, "environment variable TRACEPIPE_REDIS_URL")) << message;
  EXPECT_FALSE(contains(message, "hunter2")) << message;
  // file
  auto file = dir.write("secret.yaml", "redis:\n  url: " + secret_url + "\n");
  message = load_error(cli({"--config", file}));
  EXPECT_TRUE(contains(message, "redis.url")) << message;
  EXPECT_FALSE(contains(message, "hunter2")) << message;
  // stack.env
  dir.write("stack.env", "REDIS_URL=" + secret_url + "\n");
  message = load_error(cli({"--stack", dir.path()}));
  EXPECT_TRUE(contains(message, "redis.url")) << message;
  EXPECT_TRUE(contains(message, "stack.env")) << message;
  EXPECT_FALSE(contains(message, "hunter2")) << message;
}

TEST(loader, a_missing_ca_file_stops_startup_naming_the_key_the_source_and_the_path) {
  temp_dir dir;
  const auto missing = dir.path() + "/private-ca.pem";
  auto message = load_error(cli({"--clickhouse-ca-file", missing}, {section::clickhouse}));
  for (const auto& part : {std::string("clickhouse.ca_file"), std::string("flag --clickhouse-ca-file"), missing,
                           std::string("No such file or directory")})
    EXPECT_TRUE(contains(message, part)) << message << "\nlacks " << part;

  fake_env env{{"AWS_CA_BUNDLE", missing}};
  message = load_error(cli({}, {section::s3}), lookup_in(env));
  EXPECT_TRUE(contains(message, "s3.ca_file")) << message;
  EXPECT_TRUE(contains(message, "environment variable AWS_CA_BUNDLE")) << message;

  const auto ca = dir.write("ca.pem", "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n");
  auto s = cli({"--clickhouse-ca-file", ca, "--s3-ca-file", ca}, {section::clickhouse, section::s3}).load();
  EXPECT_EQ(s.clickhouse.ca_file, ca);
  EXPECT_EQ(s.s3.ca_file, ca);
  fake_env tracepipe_names{{"TRACEPIPE_CLICKHOUSE_CA_FILE", ca}, {"TRACEPIPE_S3_CA_FILE", ca}};
  s = cli({}).load(lookup_in(tracepipe_names));
  EXPECT_EQ(s.clickhouse.ca_file, ca);
  EXPECT_EQ(s.s3.ca_file, ca);
}

TEST(loader, missing_stack_env_is_an_error_naming_the_file) {
  temp_dir dir;
  auto message = load_error(cli({"--stack", dir.path()}));
  EXPECT_TRUE(contains(message, dir.path() + "/stack.env")) << message;
}

TEST(loader, stack_env_applies_only_standard_names) {
  temp_dir dir;
  // stack.env holds client endpoints; TRACEPIPE_* names in it are not read.
  dir.write("stack.env", "REDIS_URL='redis://127.0.0.1:5555'\nTRACEPIPE_INGEST_BODY_LIMIT=1MiB\n");
  auto s = cli({"--stack", dir.path()}).load();
  EXPECT_EQ(s.redis.url, "redis://127.0.0.1:5555");
  EXPECT_EQ(s.ingest.body_limit, 25 * MiB);
}

TEST(read_env_file, skips_comments_blanks_and_lines_without_equals) {
  temp_dir dir;
  auto path = dir.write("x.env", "# header\n\nA=1\nB='two words'\nnot a pair\nC=\nD=a=b\n#E=5\n");
  auto env = read_env_file(path);
  const std::map<std::string, std::string> want{{"A", "1"}, {"B", "two words"}, {"C", ""}, {"D", "a=b"}};
  EXPECT_EQ(env, want);
  EXPECT_THROW(read_env_file(dir.path() + "/missing.env"), error);
}

TEST(read_env_file, undoes_the_quoting_stack_up_writes) {
  temp_dir dir;
  auto path = dir.write("x.env", "REDIS_URL='redis://:it'\\''s@h:1'\n");
  EXPECT_EQ(read_env_file(path).at("REDIS_URL"), "redis://:it's@h:1");
}

TEST(loader, empty_config_file_means_defaults) {
  temp_dir dir;
  auto file = dir.write("empty.yaml", "# nothing set yet\n");
  auto s = cli({"--config", file}).load();
  EXPECT_EQ(s.ingest.body_limit, 25 * MiB);
}

}  // namespace
}  // namespace tracepipe::config

namespace tracepipe::config {

TEST(loader, the_shipped_example_config_loads_and_states_the_defaults) {
  CLI::App app;
  loader l;
  l.add_flags(app, {section::redis, section::ingest, section::clickhouse, section::s3, section::worker});
  std::vector<std::string> args{"--config", std::string(TRACEPIPE_SOURCE_DIR) + "/config/tracepipe.example.yaml"};
  std::reverse(args.begin(), args.end());
  app.parse(args);
  auto s = l.load([](const char*) -> const char* { return nullptr; });
  auto d = defaults();
  EXPECT_EQ(s.ingest.body_limit, d.ingest.body_limit);
  EXPECT_EQ(s.ingest.api_keys, d.ingest.api_keys);
  EXPECT_EQ(s.clickhouse.url, d.clickhouse.url);
  EXPECT_EQ(s.clickhouse.async_insert_max_data_size, d.clickhouse.async_insert_max_data_size);
  EXPECT_EQ(s.worker.reclaim_idle, d.worker.reclaim_idle);
  EXPECT_EQ(s.worker.batch_rows, d.worker.batch_rows);
  EXPECT_EQ(s.s3.endpoint, d.s3.endpoint);
}

}  // namespace tracepipe::config
