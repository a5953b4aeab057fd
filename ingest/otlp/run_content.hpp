#pragma once
// What a span says about its run, read from its attributes and events with
// LangSmith's OpenTelemetry mapping (../shared/research/otlp-and-langfuse.md
// §1; LangChain's collector proxy is the public reference): name, run type,
// inputs, outputs, error, tags, metadata (usage and model included) and
// invocation parameters. Ids and dotted_order are span_runs.hpp's concern.
#include <optional>
#include <string>
#include <vector>

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

namespace tracepipe::ingest::otlp {

namespace wire {
class Span;
}

struct run_content {
  std::string name;
  std::string run_type;  ///< llm, chain, tool, retriever, embedding, prompt, parser
  std::optional<boost::json::value> inputs, outputs;
  std::optional<std::string> error;
  std::vector<std::string> tags;
  boost::json::object metadata;           ///< extra.metadata
  boost::json::object invocation_params;  ///< extra.invocation_params
  std::optional<std::string> session_name, session_id;  ///< langsmith.trace.session_*
};

run_content content_of(const wire::Span& span);

}  // namespace tracepipe::ingest::otlp
