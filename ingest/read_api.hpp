#pragma once
// The LangSmith read calls the SDKs make, without I/O: `GET /runs/{id}`
// (readRun), `POST /runs/query` (listRuns: by trace, parent, project, start
// time, ids; limit and cursor) and `GET /sessions?name=` (the project lookup
// listRuns({projectName}) makes first). A request becomes a read_call or a
// 4xx naming the field; a read_store (above ingest: it needs ClickHouse)
// answers it. The reads are bounded: a maximum limit, a cap on reads at
// once (429 beyond it) and a timeout, so a read storm cannot take ingest down.
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "ingest/rejection.hpp"

namespace tracepipe::ingest {

/// GET /runs/{id}: one run, its patches applied.
struct run_lookup {
  std::string id;
};

/// GET /sessions?name=NAME: the project as LangSmith lists it.
struct session_lookup {
  std::string name;
};

/// POST /runs/query, the filters tracepipe answers; every one optional.
struct run_query {
  std::vector<std::string> sessions;  ///< project ids (session_lookup's)
  std::vector<std::string> ids;
  std::optional<std::string> trace;
  std::optional<std::string> parent_run;
  std::optional<std::string> run_type;
  std::optional<bool> is_root;
  std::optional<std::uint64_t> start_time_us;  ///< runs that started at or after
  std::size_t limit = 100;
  std::size_t offset = 0;  ///< from the cursor
  bool ascending = false;  ///< by start time; LangSmith's default is newest first
};

using read_request = std::variant<run_lookup, session_lookup, run_query>;

/// One read as the store gets it: what, and whose (the tenant header, as
/// the write path stamps it on every run).
struct read_call {
  read_request what;
  std::string tenant;
  std::string project_only;  ///< non-empty: the API key's project, the only one it may read
};

struct read_reply {
  unsigned status = 200;
  std::string body;  ///< JSON
};

/// Answers reads, each once, from any thread; at most `read_concurrency`
/// at once (ingest refuses more before calling).
class read_store {
 public:
  virtual ~read_store() = default;
  /// Answers the call through `done`, on a thread of the store's.
  virtual void read(read_call call, std::function<void(read_reply)> done) = 0;
  /// Drops the calls not yet started and waits for those running: after it
  /// `done` is never called. The runner stops its store once its own
  /// threads are joined, before its io_context (which `done` posts to) goes.
  virtual void stop() = 0;
};

/// Parses a read request; `max_limit` bounds `limit`. A rejection names the
/// field ("limit: must be 1 to 100", "filter: not supported …").
std::variant<read_request, rejection> parse_read(bool is_post, std::string_view target, std::string_view body,
                                                 std::size_t max_limit);

/// The cursor of the page after `offset` rows; its reader, nullopt when
/// malformed.
std::string cursor_after(std::size_t offset);
std::optional<std::size_t> offset_of(std::string_view cursor);

}  // namespace tracepipe::ingest
