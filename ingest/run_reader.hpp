#pragma once
// Parses and validates the JSON bodies of POST /runs, PATCH /runs/{id} and
// POST /runs/batch into run operations. All-or-nothing: the first problem
// rejects the whole request, naming where it is ("post[3].trace_id").
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <simdjson.h>

#include "common/json_members.hpp"
#include "ingest/rejection.hpp"
#include "ingest/run_op.hpp"

namespace tracepipe::ingest {

struct reader_limits {
  std::size_t json_depth = 64;
  std::size_t max_runs = 10000;
  std::string_view default_project = "default";
};

class run_reader {
 public:
  explicit run_reader(reader_limits limits);

  std::optional<rejection> read_single_post(std::string_view body, std::vector<run_op>& out);
  std::optional<rejection> read_patch(std::string_view body, std::string_view url_run_id, std::vector<run_op>& out);
  std::optional<rejection> read_batch(std::string_view body, std::vector<run_op>& out);

  /// A run object from a multipart `post.<id>`/`patch.<id>` part; `part_id`
  /// is the id in the part's name, which the JSON's id (if any) must match.
  std::optional<rejection> read_part_run(std::string_view json, op_kind kind, std::string_view part_id,
                                         std::string_view where, run_op& out);
  /// A multipart field part: valid JSON of the field's type.
  std::optional<rejection> check_field(std::string_view json, std::string_view field, std::string_view where);

  const reader_limits& limits() const { return limits_; }

 private:
  std::optional<rejection> parse(std::string_view json, std::string_view where, simdjson::dom::element& out);
  /// `text`: the run's compact JSON, when the caller has it (else "").
  std::optional<rejection> read_run(simdjson::dom::element run, op_kind kind, bool require_trace,
                                    std::string_view id_hint, std::string_view where, std::string_view text,
                                    run_op& out);
  /// json (already parsed, so valid) without whitespace outside strings;
  /// strings and numbers stay as sent. Into compact_: valid until the next call.
  std::string_view compacted(std::string_view json);

  reader_limits limits_;
  simdjson::dom::parser parser_;
  std::string compact_;
  std::vector<common::json_member> members_;
  bool compact_scan_ = false;
  std::vector<std::string_view> run_texts_;
};

}  // namespace tracepipe::ingest
