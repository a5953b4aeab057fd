#include "tests/chdb/chdb_session.hpp"

#include <dlfcn.h>
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>

namespace tracepipe::test {

// The slice of libchdb's C API (chdb.h, v3) we use. A connection is a pointer
// to an opaque handle; results are opaque too.
struct chdb_session::api {
  using connection = void*;
  using result = void*;
  connection* (*connect)(int argc, char** argv) = nullptr;
  result (*query)(connection conn, const char* sql, const char* format) = nullptr;
  char* (*buffer)(result) = nullptr;
  std::size_t (*length)(result) = nullptr;
  const char* (*error)(result) = nullptr;
  void (*destroy)(result) = nullptr;
  void (*set_signal_handlers_enabled)(int) = nullptr;  // optional
  void* library = nullptr;
};

namespace {

template <typename F>
bool resolve(void* library, const char* name, F& out, std::string* why) {
  out = reinterpret_cast<F>(dlsym(library, name));
  if (!out && why) *why = std::string("libchdb.so has no ") + name;
  return out != nullptr;
}

}  // namespace

std::string libchdb_path() {
  if (const char* env = std::getenv("TRACEPIPE_LIBCHDB"); env && *env) return env;
#ifdef TRACEPIPE_SOURCE_DIR
  return std::string(TRACEPIPE_SOURCE_DIR) + "/.deps/node_modules/@chdb/lib-linux-x64-gnu/libchdb.so";
#else
  return ".deps/node_modules/@chdb/lib-linux-x64-gnu/libchdb.so";
#endif
}

chdb_session* chdb_session::get(std::string* why) {
  // Loaded once; a failure is remembered too, so every test skips fast.
  static std::string failure;
  static chdb_session* session = [] () -> chdb_session* {
    auto start = std::chrono::steady_clock::now();
    std::string path = libchdb_path();
    if (!std::filesystem::exists(path)) {
      failure = path + " is absent: run tools/setup.sh (npm @chdb/lib-linux-x64-gnu) or set TRACEPIPE_LIBCHDB";
      return nullptr;
    }
    auto a = std::make_unique<api>();
    a->library = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (!a->library) {
      failure = std::string("dlopen ") + path + ": " + dlerror();
      return nullptr;
    }
    if (!resolve(a->library, "chdb_connect", a->connect, &failure) ||
        !resolve(a->library, "chdb_query", a->query, &failure) ||
        !resolve(a->library, "chdb_result_buffer", a->buffer, &failure) ||
        !resolve(a->library, "chdb_result_length", a->length, &failure) ||
        !resolve(a->library, "chdb_result_error", a->error, &failure) ||
        !resolve(a->library, "chdb_destroy_query_result", a->destroy, &failure))
      return nullptr;
    resolve(a->library, "chdb_set_signal_handlers_enabled", a->set_signal_handlers_enabled, nullptr);
    // Keep our own crash handling (GoogleTest, sanitizers): the engine would install its own.
    if (a->set_signal_handlers_enabled) a->set_signal_handlers_enabled(0);
    // No --path: the engine works in a fresh /tmp/clickhouse-embedded-* directory it removes at exit.
    char arg0[] = "chdb";
    char* argv[] = {arg0, nullptr};
    auto* conn = a->connect(1, argv);
    if (!conn || !*conn) {
      failure = "chdb_connect failed";
      return nullptr;
    }
    auto* s = new chdb_session();  // lives until exit: libchdb's globals outlive any destructor order
    s->api_ = std::move(a);
    s->connection_ = conn;
    auto v = s->run("SELECT version()");
    if (!v.ok) {
      failure = "SELECT version() failed: " + v.error;
      return nullptr;
    }
    s->version_ = v.output.substr(0, v.output.find('\n'));
    s->load_time_ = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start);
    return s;
  }();
  if (!session && why) *why = failure;
  return session;
}

chdb_outcome chdb_session::run(std::string_view sql, std::string_view format) {
  std::lock_guard lock(mutex_);
  std::string query(sql), fmt(format);
  chdb_outcome out;
  auto r = api_->query(*static_cast<api::connection*>(connection_), query.c_str(), fmt.c_str());
  if (!r) {
    out.error = "chdb_query returned no result";
    return out;
  }
  if (const char* e = api_->error(r); e && *e) {
    out.error = e;
  } else {
    out.ok = true;
    if (const char* b = api_->buffer(r)) out.output.assign(b, api_->length(r));
  }
  api_->destroy(r);
  return out;
}

bool modern_engine_available(std::string* why) { return chdb_session::get(why) != nullptr; }

bool run_on_modern_engine(const std::string& sql, std::string& error) {
  auto* s = chdb_session::get(&error);
  if (!s) return false;
  auto r = s->run(sql);
  error = r.error;
  return r.ok;
}

namespace {

/// libchdb 26.5 crashes in its exit handlers (SIGSEGV after every test has
/// passed) once its JIT has compiled an expression: a statement seen
/// min_count_to_compile_expression (3) times, e.g. the same SELECT in a few
/// tests. Emptying the compiled-expression cache after the last test lets the
/// process exit cleanly. Only when the engine is already loaded (RTLD_NOLOAD).
class drop_compiled_expressions_at_exit : public ::testing::Environment {
 public:
  void TearDown() override {
    void* loaded = dlopen(libchdb_path().c_str(), RTLD_NOW | RTLD_NOLOAD);
    if (!loaded) return;
    if (auto* s = chdb_session::get()) s->run("SYSTEM DROP COMPILED EXPRESSION CACHE");
    dlclose(loaded);
  }
};
[[maybe_unused]] ::testing::Environment* const jit_cache_cleanup =
    ::testing::AddGlobalTestEnvironment(new drop_compiled_expressions_at_exit);

}  // namespace

}  // namespace tracepipe::test
