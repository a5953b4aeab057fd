#pragma once
// The modern-engine check (DESIGN.md, ClickHouse version policy): every
// statement the sink and the reports send must also run on ClickHouse 26.x.
// libchdb.so (npm @chdb/lib-linux-x64-gnu, installed into .deps by
// tools/setup.sh) is that engine in-process; this wraps its C API, loaded with
// dlopen so nothing links against a 560 MB library that may be absent.
#include <chrono>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

namespace tracepipe::test {

/// Where libchdb.so is looked for: $TRACEPIPE_LIBCHDB if set, else
/// <source dir>/.deps/node_modules/@chdb/lib-linux-x64-gnu/libchdb.so.
std::string libchdb_path();

/// The answer to one statement.
struct chdb_outcome {
  bool ok = false;
  std::string error;   ///< "Code: 62. DB::Exception: Syntax error: … (SYNTAX_ERROR)" when !ok
  std::string output;  ///< the result in the requested format when ok
};

/// The process's in-process ClickHouse engine. libchdb keeps one global
/// engine (a second chdb_connect sees the same databases), so there is one
/// session per process; it lives until exit, when libchdb removes its
/// temporary data directory itself. Statements are serialised.
class chdb_session {
 public:
  /// Loads libchdb.so and connects on first call (≈0.4 s); nullptr with *why
  /// when the library is absent or fails to load.
  static chdb_session* get(std::string* why = nullptr);

  /// Runs one statement. INSERT data goes inline, after FORMAT:
  /// "INSERT INTO db.t SETTINGS … FORMAT JSONEachRow {…}\n{…}".
  /// Always qualify tables with a database: in chdb's default database an
  /// unqualified name that matches a file in the working directory is read
  /// as that file.
  chdb_outcome run(std::string_view sql, std::string_view format = "TSV");

  /// SELECT version(), e.g. "26.5.1.1".
  const std::string& version() const { return version_; }
  /// dlopen + connect + first query.
  std::chrono::milliseconds load_time() const { return load_time_; }

  struct api;  ///< the resolved C functions

 private:
  chdb_session() = default;
  std::unique_ptr<api> api_;
  void* connection_ = nullptr;  ///< chdb_connection* (pointer to the handle)
  std::mutex mutex_;
  std::string version_;
  std::chrono::milliseconds load_time_{0};
};

/// True when libchdb.so can be loaded (tests GTEST_SKIP otherwise).
bool modern_engine_available(std::string* why = nullptr);

/// Runs `sql` on the modern engine: true when it succeeds; false with the
/// engine's error text (or why the engine is unavailable) in `error`.
bool run_on_modern_engine(const std::string& sql, std::string& error);

}  // namespace tracepipe::test
