#pragma once
// A test on the modern engine with the sink's own schema: each test gets
// fresh databases (dropped after it) created by sink::schema_ddl for a
// given server version, and helpers that fail the test on any error.
#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

#include "sink/schema.hpp"
#include "tests/chdb/chdb_session.hpp"

namespace tracepipe::test {

std::uint64_t now_us();
/// A database name no other test (or earlier run in this process) uses.
std::string unique_database(const char* what);

class schema_fixture : public ::testing::Test {
 protected:
  void SetUp() override;
  void TearDown() override;

  /// The worker's schema for `version` ("24.3.2.23"), in a fresh database.
  sink::schema_names create_schema(const char* version);
  /// Runs sql and expects success; returns the output (TSV).
  std::string ok(const std::string& sql);
  /// Polls until `sql` answers `want` or 5 s pass (async inserts may flush later).
  std::string eventually(const std::string& sql, const std::string& want);

  chdb_session* session_ = nullptr;
  std::vector<std::string> databases_;
};

}  // namespace tracepipe::test
