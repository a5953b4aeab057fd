#include "ingest/otlp/span_runs.hpp"

#include <fmt/format.h>

#include <unordered_map>

#include <boost/json/serialize.hpp>

#include "common/run_fields.hpp"
#include "ingest/otlp/attributes.hpp"
#include "ingest/otlp/run_content.hpp"
#include "trace.pb.h"

namespace tracepipe::ingest::otlp {
namespace {

std::string hex_of(std::string_view bytes) {
  std::string out;
  out.reserve(2 * bytes.size());
  for (unsigned char c : bytes) fmt::format_to(std::back_inserter(out), "{:02x}", c);
  return out;
}

bool all_zero(std::string_view bytes) { return bytes.find_first_not_of('\0') == std::string_view::npos; }

/// One accepted span, its ids settled, its dotted_order still to build.
struct span_ids {
  const wire::Span* span = nullptr;
  std::string run_id, trace_id, parent_run_id;
  std::string dotted_order;  ///< given by langsmith.span.dotted_order, or built
  std::int64_t start_us = 0;
};

/// The UUID in attribute `key`, canonical; "" when absent. A value that is
/// not a UUID is a problem: a client that names an id means it.
std::optional<std::string> uuid_attribute(const attributes& a, std::string_view key, std::string& problem) {
  auto text = a.text(key);
  if (!text) return std::string{};
  if (!common::is_uuid(*text)) {
    problem = fmt::format("{} '{}' is not a UUID", key, text->substr(0, 64));
    return std::nullopt;
  }
  return common::canonical_uuid(*text);
}

/// The span's ids, or the problem that refuses it.
std::optional<span_ids> ids_of(const wire::Span& span, std::string& problem) {
  if (span.trace_id().size() != 16 || all_zero(span.trace_id())) {
    problem = fmt::format("span '{}' has no valid trace_id (16 bytes, not all zero)", span.name().substr(0, 64));
    return std::nullopt;
  }
  if (span.span_id().size() != 8 || all_zero(span.span_id())) {
    problem = fmt::format("span '{}' has no valid span_id (8 bytes, not all zero)", span.name().substr(0, 64));
    return std::nullopt;
  }
  if (!span.parent_span_id().empty() && span.parent_span_id().size() != 8) {
    problem = fmt::format("span '{}' has a parent_span_id of {} bytes (8 or none)", span.name().substr(0, 64),
                          span.parent_span_id().size());
    return std::nullopt;
  }
  if (span.start_time_unix_nano() == 0) {
    problem = fmt::format("span '{}' has no start_time_unix_nano", span.name().substr(0, 64));
    return std::nullopt;
  }
  attributes a(span.attributes());
  span_ids ids;
  ids.span = &span;
  ids.start_us = static_cast<std::int64_t>(span.start_time_unix_nano() / 1000);
  auto run_id = uuid_attribute(a, "langsmith.span.id", problem);
  auto trace_id = uuid_attribute(a, "langsmith.trace.id", problem);
  auto parent_id = uuid_attribute(a, "langsmith.span.parent_id", problem);
  if (!run_id || !trace_id || !parent_id) return std::nullopt;
  ids.run_id = run_id->empty() ? run_id_of_span(span.span_id()) : *run_id;
  ids.trace_id = trace_id->empty() ? uuid_of_bytes(span.trace_id()) : *trace_id;
  if (!a.flag("langsmith.is_root").value_or(false))
    ids.parent_run_id = !parent_id->empty()                 ? *parent_id
                        : span.parent_span_id().empty()     ? std::string{}
                                                            : run_id_of_span(span.parent_span_id());
  if (auto dotted = a.text("langsmith.span.dotted_order")) {
    if (auto bad = common::check_dotted_order(*dotted, ids.run_id, ids.trace_id)) {
      problem = fmt::format("span '{}': langsmith.span.dotted_order {}", span.name().substr(0, 64), *bad);
      return std::nullopt;
    }
    ids.dotted_order = std::string(*dotted);
  }
  return ids;
}

/// Builds every dotted_order not given: the parent's (when in this export)
/// + "." + the span's own segment. Walks up iteratively (a deep chain must
/// not exhaust the stack) and stops at a cycle, which only a hostile export
/// can make; returns the spans whose parent was not found.
std::int64_t build_dotted_orders(std::vector<span_ids>& spans) {
  std::unordered_map<std::string_view, std::size_t> by_run_id;
  for (std::size_t i = 0; i < spans.size(); ++i) by_run_id.emplace(spans[i].run_id, i);
  std::int64_t parent_elsewhere = 0;
  std::vector<std::size_t> chain;
  std::vector<std::size_t> on_chain_of(spans.size(), 0);  // i + 1 while span i's walk passes it
  for (std::size_t i = 0; i < spans.size(); ++i) {
    chain.clear();
    std::string prefix;
    for (std::size_t at = i;;) {
      if (!spans[at].dotted_order.empty()) {
        prefix = spans[at].dotted_order;
        break;
      }
      chain.push_back(at);
      on_chain_of[at] = i + 1;
      const auto& parent = spans[at].parent_run_id;
      if (parent.empty()) break;
      auto found = by_run_id.find(parent);
      if (found == by_run_id.end() || on_chain_of[found->second] == i + 1) {  // elsewhere, or a cycle
        ++parent_elsewhere;
        break;
      }
      at = found->second;
    }
    for (auto it = chain.rbegin(); it != chain.rend(); ++it) {
      auto& s = spans[*it];
      auto segment = common::dotted_time(s.start_us) + s.run_id;
      s.dotted_order = prefix.empty() ? segment : prefix + "." + segment;
      prefix = s.dotted_order;
    }
  }
  return parent_elsewhere;
}

run_op run_of(const span_ids& ids, const export_context& context) {
  const auto& span = *ids.span;
  auto content = content_of(span);
  boost::json::object run{{"id", ids.run_id},
                          {"trace_id", ids.trace_id},
                          {"dotted_order", ids.dotted_order},
                          {"name", content.name},
                          {"run_type", content.run_type},
                          {"start_time", common::iso8601_of_us(ids.start_us) + "Z"}};
  if (!ids.parent_run_id.empty()) run["parent_run_id"] = ids.parent_run_id;
  if (span.end_time_unix_nano() != 0)
    run["end_time"] = common::iso8601_of_us(static_cast<std::int64_t>(span.end_time_unix_nano() / 1000)) + "Z";
  if (content.inputs) run["inputs"] = std::move(*content.inputs);
  if (content.outputs) run["outputs"] = std::move(*content.outputs);
  if (content.error) run["error"] = *content.error;
  if (!content.tags.empty()) {
    boost::json::array tags;
    for (auto& t : content.tags) tags.emplace_back(t);
    run["tags"] = std::move(tags);
  }
  content.metadata["OTEL_TRACE_ID"] = hex_of(span.trace_id());
  content.metadata["OTEL_SPAN_ID"] = hex_of(span.span_id());
  boost::json::object extra{{"metadata", std::move(content.metadata)}};
  if (!content.invocation_params.empty()) extra["invocation_params"] = std::move(content.invocation_params);
  run["extra"] = std::move(extra);

  run_op op;
  op.kind = op_kind::post;
  op.run_id = ids.run_id;
  op.trace_id = ids.trace_id;
  // The project: the span's own session attribute, else the header, else the default.
  if (content.session_name) {
    op.project = *content.session_name;
    run["session_name"] = op.project;
  } else if (content.session_id) {
    op.project = *content.session_id;
    run["session_id"] = op.project;
  } else if (!context.header_project.empty()) {
    op.project = std::string(context.header_project);
    run["session_name"] = op.project;
  }
  op.project_named = !op.project.empty();
  if (!op.project_named) op.project = std::string(context.default_project);
  op.json = boost::json::serialize(run);
  return op;
}

}  // namespace

std::string uuid_of_bytes(std::string_view bytes) {
  auto hex = hex_of(bytes);
  return fmt::format("{}-{}-{}-{}-{}", hex.substr(0, 8), hex.substr(8, 4), hex.substr(12, 4), hex.substr(16, 4),
                     hex.substr(20));
}

std::string run_id_of_span(std::string_view span_id) { return uuid_of_bytes(std::string(8, '\0') + std::string(span_id)); }

void runs_of_export(const wire::ExportTraceServiceRequest& request, const export_context& context, export_runs& out) {
  std::vector<span_ids> spans;
  for (const auto& resource_spans : request.resource_spans())
    for (const auto& scope_spans : resource_spans.scope_spans())
      for (const auto& span : scope_spans.spans()) {
        ++out.spans;
        std::string problem;
        if (auto ids = ids_of(span, problem)) {
          spans.push_back(std::move(*ids));
        } else {
          if (out.rejected++ == 0) out.first_problem = std::move(problem);
        }
      }
  out.parent_elsewhere += build_dotted_orders(spans);
  out.ops.reserve(out.ops.size() + spans.size());
  for (const auto& ids : spans) out.ops.push_back(run_of(ids, context));
}

}  // namespace tracepipe::ingest::otlp
