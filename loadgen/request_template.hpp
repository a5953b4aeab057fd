#pragma once
// Request bodies for the open-loop generator, built once and stamped with
// fresh ids per request: a body is serialized with placeholder runs, every
// occurrence of each run id (in ids, trace ids, parent ids, dotted orders,
// multipart part names, PATCH paths) is remembered by offset, and request k
// overwrites those 36-byte spans in a copy with ids unique to (k, run slot).
// So generating a 100-run batch costs one memcpy and a few hundred hex
// digits, not a JSON serialization — the generator, not the body builder,
// stays the limit. OTLP exports (--protocol otlp-*) are stamped the same
// way: their span and trace ids (8 and 16 bytes, or 16 and 32 hex digits)
// sit at offsets recorded while the export is written (otlp_body.hpp), as
// do a Langfuse batch's run ids and event ids (langfuse_body.hpp).
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "loadgen/run_ids.hpp"
#include "loadgen/size_distribution.hpp"
#include "loadgen/trace_mix.hpp"
#include "loadgen/wire_format.hpp"

namespace tracepipe::loadgen {

/// What each request carries (see request_plan).
enum class run_pattern {
  post_patch,  ///< posts of this request's runs, patches of the previous request's runs (the SDK pattern, spread out)
  post,        ///< posts only
  combined,    ///< posts and patches of the same runs in one request
};

struct body_options {
  /// OTLP: one export of runs_per_request spans per request (endpoint
  /// batch), each a run's post carrying its end (pattern post). Langfuse:
  /// one ingestion batch per request (endpoint batch), its creates and
  /// updates as the pattern's posts and patches (post: creates carrying their end).
  loadgen::protocol protocol = loadgen::protocol::langsmith;
  wire endpoint = wire::batch;
  run_pattern pattern = run_pattern::post_patch;
  int runs_per_request = 100;      ///< for single: 1
  /// Drawn per trace. A trace is cut where a request's runs end (so single,
  /// one run per request, sends roots only).
  count_range runs_per_trace{3, 3};
  std::optional<count_range> trace_depth;  ///< levels (≥ 2), drawn per trace; none: a chain
  size_distribution inputs_size = size_distribution::fixed(200);  ///< drawn per run
  size_distribution outputs_size = size_distribution::fixed(200);
  run_type_mix leaf_types;          ///< runs with children are chains
  std::uint64_t seed = 1;           ///< payloads, sizes and shapes: the same seed, the same bodies
  std::uint64_t id_salt = 0;        ///< mixed into run ids (see run_ids.hpp): a fresh salt per load run
  /// Distinct templates, used round robin. 0: enough for min_sampled_runs
  /// runs, so that the mixes above show in what is sent, but no more than
  /// template_budget bytes of templates hold (at least 2 for post-patch).
  int ring = 0;
  int min_sampled_runs = 2000;
  std::size_t template_budget = std::size_t{512} << 20;
  std::string project = "tracepipe-load";
};

/// One HTTP request ready to send.
struct prepared_request {
  const char* method = "POST";
  std::string target;        ///< path, ids stamped (prefix not included)
  std::string content_type;
  std::string body;
  int operations = 0;        ///< run operations (posts + patches) it carries
  int runs = 0;              ///< new runs it starts (posts)
};

class request_plan {
 public:
  static constexpr int max_slots = 1 << 14;
  explicit request_plan(const body_options& o);

  /// HTTP requests of scheduled request k (1, or 2 for single-run post-patch:
  /// the POST and the previous run's PATCH). Fills `out` (reused buffers).
  void build(std::uint64_t k, std::vector<prepared_request>& out) const;
  /// How many HTTP requests build(k) produces.
  int parts(std::uint64_t k) const {
    return static_cast<int>(((k == 0 && !first_.empty()) ? first_.front() : templates_[k % templates_.size()]).parts.size());
  }
  const body_options& options() const { return o_; }
  /// What write_uuid hashes for this plan's ids.
  std::uint64_t id_key() const { return key_; }
  /// How its run ids look once ingested (span form for OTLP).
  id_form run_id_form() const {
    return o_.protocol == protocol::langsmith ? id_form::uuid
           : o_.protocol == protocol::langfuse ? id_form::langfuse
                                               : id_form::span;
  }
  /// Appends the run operations HTTP request `part` of request k carries.
  void operations(std::uint64_t k, int part, std::vector<op_key>& out) const;
  /// The id of the first run that part posts; empty when it posts none.
  std::string first_post_id(std::uint64_t k, int part) const;
  /// That run's trace id when the trace's root is one of request k's runs
  /// (or its predecessor's); empty otherwise.
  std::string first_post_trace_id(std::uint64_t k, int part) const;

 private:
  struct stamp {
    std::uint32_t offset;  ///< in target (in_target) or body
    std::uint32_t slot;
    bool previous;         ///< the previous request's run (a patch)
    bool in_target;
    bool trace_id = false;  ///< OTLP: the trace id of the trace whose root is `slot`, not its span id
    std::optional<langfuse_event> event = std::nullopt;  ///< Langfuse: that event's id, not the run's
  };
  struct carried_op {
    std::uint32_t slot;
    bool previous;  ///< of request k − 1
    bool patch;
    bool trace = false;  ///< Langfuse: the trace-create of root `slot`
  };
  struct part {
    prepared_request request;
    std::vector<stamp> stamps;
    std::vector<carried_op> ops;
  };
  struct tmpl {
    std::vector<part> parts;
    /// Where the root of the first posted run's trace sits: slot, and
    /// whether it is the previous request's.
    std::optional<std::pair<std::uint32_t, bool>> first_trace;
  };
  void stamp_ids(const std::vector<stamp>& stamps, std::uint64_t k, prepared_request& r) const;
  void stamp_span_ids(const std::vector<stamp>& stamps, std::uint64_t k, prepared_request& r) const;
  tmpl make(const std::vector<generated_run>& runs, const std::vector<generated_run>* previous) const;
  /// One OTLP export of `runs` (their posts, each with its end).
  tmpl make_otlp(const std::vector<generated_run>& runs) const;
  /// One Langfuse ingestion batch of `runs` (and, by the pattern, updates of `previous`).
  tmpl make_langfuse(const std::vector<generated_run>& runs, const std::vector<generated_run>* previous) const;
  int auto_ring() const;

  body_options o_;
  std::uint64_t key_;
  std::vector<tmpl> templates_;  ///< ring; template j patches template j-1's runs
  std::vector<tmpl> first_;      ///< request 0 in post_patch mode: no previous runs
};

/// The distinct operations the accepted requests carried, sorted.
std::vector<op_key> acknowledged_operations(const request_plan& plan, const std::vector<accepted_request>& accepted);

}  // namespace tracepipe::loadgen
