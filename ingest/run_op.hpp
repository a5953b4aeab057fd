#pragma once
// One run operation as ingest hands it to the queue: a post (create) or a
// patch (update) of one run, with the run's JSON and, from multipart
// requests, the separate field and attachment parts that travel with it.
#include <string>
#include <string_view>
#include <vector>

namespace tracepipe::ingest {

enum class op_kind { post, patch };

inline std::string_view to_string(op_kind k) { return k == op_kind::post ? "post" : "patch"; }

struct run_part {
  std::string name;          ///< "inputs", "outputs" … or "attachment.<name>"
  std::string content_type;  ///< as sent; application/json for field parts
  std::string_view bytes;    ///< into the request body, which outlives the enqueue
};

struct run_op {
  op_kind kind = op_kind::post;
  std::string run_id;    ///< canonical (lower-case) UUID
  std::string trace_id;  ///< canonical UUID; empty only for a PATCH /runs/{id} naming none
  std::string project;   ///< session_name, else session_id, else the configured default
  bool project_named = false;  ///< the payload named it (not the default)
  std::string json;      ///< the run object, compact JSON
  std::vector<run_part> parts;

  std::size_t bytes() const {
    std::size_t n = json.size();
    for (const auto& p : parts) n += p.bytes.size();
    return n;
  }
};

}  // namespace tracepipe::ingest
