#include "loadgen/langfuse_body.hpp"

#include <fmt/format.h>

#include "common/json_out.hpp"

namespace tracepipe::loadgen {

namespace {

/// Writes the batch's JSON, recording where each id sits.
class batch_writer {
 public:
  explicit batch_writer(langfuse_batch& out) : out_(out) { out_.body = R"({"batch":[)"; }

  /// The envelope up to the body's first field: {"id":…,"timestamp":…,"type":…,"body":{
  void begin_event(const generated_run& r, langfuse_event e, std::string_view type, std::int64_t at_us) {
    if (out_.events++ > 0) out_.body += ',';
    out_.body += R"({"id":)";
    place(r.id, true, e);
    out_.body += fmt::format(R"(,"timestamp":"{}","type":"{}","body":{{)", iso_time(at_us), type);
    first_ = true;
  }
  void end_event() { out_.body += "}}"; }

  /// "name": the id of run `run_id`.
  void id(std::string_view name, std::string_view run_id) {
    field(name);
    place(run_id, false, {});
  }
  void text(std::string_view name, std::string_view value) {
    field(name);
    common::append_json_string(out_.body, value);
  }
  void raw(std::string_view name, std::string_view json) {
    field(name);
    out_.body += json;
  }
  void time(std::string_view name, std::int64_t us) { text(name, iso_time(us)); }

  void finish() {
    out_.body += fmt::format(R"(],"metadata":{{"batch_size":{},"sdk_name":"tracepipe-load","public_key":"{}"}}}})",
                             out_.events, langfuse_public_key);
  }

 private:
  void field(std::string_view name) {
    if (!first_) out_.body += ',';
    first_ = false;
    out_.body += fmt::format(R"("{}":)", name);
  }
  /// The run's own id as a placeholder of the right length: stamped per request.
  void place(std::string_view run_id, bool is_event, langfuse_event e) {
    out_.body += '"';
    out_.ids.push_back({static_cast<std::uint32_t>(out_.body.size()), run_id, is_event, e});
    out_.body += run_id;
    out_.body += '"';
  }

  langfuse_batch& out_;
  bool first_ = true;
};

constexpr std::string_view trace_metadata = R"({"generator":"tracepipe"})";

bool is_generation(const generated_run& r) { return r.run_type == "llm"; }

void write_create(batch_writer& w, const generated_run& r, bool with_end) {
  if (r.parent_run_id.empty()) {
    w.begin_event(r, langfuse_event::trace_create, "trace-create", r.start_us);
    w.id("id", r.id);
    w.time("timestamp", r.start_us);
    w.text("name", r.name);
    w.raw("input", r.inputs_json);
    w.raw("metadata", trace_metadata);
    w.raw("tags", R"(["tracepipe"])");
    w.end_event();
  }
  w.begin_event(r, langfuse_event::observation_create, is_generation(r) ? "generation-create" : "span-create",
                r.start_us);
  w.id("id", r.id);
  w.id("traceId", r.trace_id);
  if (!r.parent_run_id.empty()) w.id("parentObservationId", r.parent_run_id);
  w.text("name", r.name);
  w.time("startTime", r.start_us);
  w.raw("input", r.inputs_json);
  w.raw("metadata", fmt::format(R"({{"generator":"tracepipe","run_type":"{}"}})", r.run_type));
  if (with_end) {
    w.time("endTime", r.end_us);
    w.raw("output", r.outputs_json);
  }
  w.end_event();
}

void write_update(batch_writer& w, const generated_run& r) {
  w.begin_event(r, langfuse_event::observation_update, is_generation(r) ? "generation-update" : "span-update",
                r.end_us);
  w.id("id", r.id);
  w.id("traceId", r.trace_id);
  w.time("endTime", r.end_us);
  w.raw("output", r.outputs_json);
  w.end_event();
}

}  // namespace

langfuse_batch langfuse_batch_of(const std::vector<generated_run>& creates, const std::vector<generated_run>& updates,
                                 bool ends_in_creates) {
  langfuse_batch out;
  batch_writer w(out);
  for (const auto& r : creates) write_create(w, r, ends_in_creates);
  for (const auto& r : updates) write_update(w, r);
  w.finish();
  return out;
}

bool langfuse_all_accepted(std::string_view answer) {
  // ingest (and Langfuse) answer {"successes":[…],"errors":[…]}; event ids
  // are ours (UUIDs), so "errors" appears once, as the key.
  auto key = answer.find(R"("errors")");
  if (key == std::string_view::npos) return false;
  auto open = answer.find_first_not_of(" \t\r\n:", key + 8);
  if (open == std::string_view::npos || answer[open] != '[') return false;
  auto close = answer.find_first_not_of(" \t\r\n", open + 1);
  return close != std::string_view::npos && answer[close] == ']';
}

}  // namespace tracepipe::loadgen
