// The loader: defaults, stack.env, config file, environment and flags in that order of precedence, and errors that name the key and the source.
#include "config/loader.hpp"

#include <gtest/gtest.h>

#include <optional>
#include <set>
#include <string>
#include <vector>

#include "config_test_support.hpp"

namespace tracepipe::config {
namespace {

using namespace std::chrono_literals;
using namespace config_test;

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
  EXPECT_EQ(s.clickhouse.urls, d.clickhouse.urls);
  EXPECT_EQ(s.clickhouse.cluster, d.clickhouse.cluster);
  EXPECT_EQ(s.clickhouse.async_insert_max_data_size, d.clickhouse.async_insert_max_data_size);
  EXPECT_EQ(s.worker.reclaim_idle, d.worker.reclaim_idle);
  EXPECT_EQ(s.worker.batch_rows, d.worker.batch_rows);
  EXPECT_EQ(s.s3.endpoint, d.s3.endpoint);
}

}  // namespace tracepipe::config
