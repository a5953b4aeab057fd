#include "ingest/otlp/run_content.hpp"

#include <fmt/format.h>

#include <charconv>
#include <map>

#include "common/run_fields.hpp"
#include "common/text.hpp"
#include "ingest/otlp/attributes.hpp"
#include "trace.pb.h"

namespace tracepipe::ingest::otlp {
namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

/// The run type, from the first of LangSmith's sources that is present.
std::string run_type_of(const attributes& a) {
  if (a.find("gen_ai.tool.name")) return "tool";
  if (a.find("llm.prompt_template.variables")) return "prompt";
  if (auto kind = a.text("langsmith.span.kind")) {
    auto k = lower(*kind);
    if (common::is_run_type(k)) return k;
  }
  if (auto op = a.text("gen_ai.operation.name")) {
    auto o = lower(*op);
    if (o == "chat" || o == "completion" || o == "text_completion" || o == "generate_content") return "llm";
    if (o == "embeddings" || o == "embedding") return "embedding";
    if (o == "execute_tool") return "tool";
  }
  if (auto request = a.text("llm.request.type")) {
    auto r = lower(*request);
    if (r == "chat" || r == "completion") return "llm";
    if (r == "embedding") return "embedding";
  }
  for (const char* key : {"openinference.span.kind", "traceloop.span.kind"}) {
    auto kind = a.text(key);
    if (!kind) continue;
    auto k = lower(*kind);
    if (k == "llm") return "llm";
    if (k == "tool") return "tool";
    if (k == "retriever" || k == "reranker") return "retriever";
    if (k == "embedding") return "embedding";
    return "chain";  // chain, agent, workflow, task, guardrail, evaluator …
  }
  return "chain";
}

std::string name_of(const wire::Span& span, const attributes& a) {
  if (auto n = a.text("langsmith.trace.name")) return std::string(*n);
  if (auto n = a.text("traceloop.entity.name")) return std::string(*n);
  auto kind = a.text("openinference.span.kind");
  if (kind && lower(*kind) == "tool")
    if (auto n = a.text("tool.name")) return std::string(*n);
  return span.name();
}

/// "gen_ai.prompt.0.role", "gen_ai.prompt.0.content" … (also with a
/// ".message." infix) → [{role, content}, …] in index order.
std::optional<boost::json::value> indexed_messages(const attributes& a, std::string_view prefix) {
  std::map<long, boost::json::object> by_index;
  for (const auto& kv : a.list()) {
    std::string_view key = kv.key();
    if (key.size() <= prefix.size() + 1 || key.substr(0, prefix.size()) != prefix || key[prefix.size()] != '.')
      continue;
    key.remove_prefix(prefix.size() + 1);
    auto dot = key.find('.');
    if (dot == std::string_view::npos) continue;
    long index = 0;
    auto [p, ec] = std::from_chars(key.data(), key.data() + dot, index);
    if (ec != std::errc{} || p != key.data() + dot) continue;
    auto field = key.substr(dot + 1);
    if (field.substr(0, 8) == "message.") field.remove_prefix(8);
    by_index[index][field] = to_json(kv.value());
  }
  if (by_index.empty()) return std::nullopt;
  boost::json::array messages;
  for (auto& [index, message] : by_index) messages.push_back(std::move(message));
  return boost::json::object{{"messages", std::move(messages)}};
}

/// A value that stands for a whole inputs/outputs object: an object stays
/// as it is; anything else is wrapped as {key: value}.
boost::json::value as_io_object(boost::json::value v, std::string_view key) {
  if (v.is_object()) return v;
  return boost::json::object{{key, std::move(v)}};
}

/// gen_ai.{system,user,assistant,tool}.message events (inputs) and
/// gen_ai.choice events (outputs), and the older gen_ai.content.* events.
void read_message_events(const wire::Span& span, run_content& out) {
  boost::json::array messages, choices;
  for (const auto& event : span.events()) {
    attributes a(event.attributes());
    std::string_view name = event.name();
    auto content = a.find("content") ? a.find("content") : a.find("gen_ai.event.content");
    if (name == "gen_ai.content.prompt" && !out.inputs) {
      if (auto prompt = a.text("gen_ai.prompt")) out.inputs = as_io_object(json_or_text(*prompt), "input");
    } else if (name == "gen_ai.content.completion" && !out.outputs) {
      if (auto completion = a.text("gen_ai.completion")) out.outputs = as_io_object(json_or_text(*completion), "output");
    } else if (name == "gen_ai.choice") {
      boost::json::object choice;
      for (const auto& kv : event.attributes()) choice[kv.key()] = to_json(kv.value());
      choices.push_back(std::move(choice));
    } else if (name.substr(0, 7) == "gen_ai." && name.size() > 15 && name.substr(name.size() - 8) == ".message") {
      boost::json::object message{{"role", a.text("role").value_or(name.substr(7, name.size() - 15))}};
      if (content) message["content"] = to_json(*content);
      messages.push_back(std::move(message));
    }
  }
  if (!out.inputs && !messages.empty()) out.inputs = boost::json::object{{"messages", std::move(messages)}};
  if (!out.outputs && !choices.empty()) out.outputs = boost::json::object{{"choices", std::move(choices)}};
}

void read_inputs_outputs(const wire::Span& span, const attributes& a, run_content& out) {
  // Whole-object forms first: the LangSmith SDKs put a run's inputs JSON in gen_ai.prompt.
  for (auto [key, wrap] : {std::pair{"gen_ai.prompt", "input"}, {"input.value", "input"},
                           {"traceloop.entity.input", "input"}})
    if (auto text = a.text(key); text && !out.inputs) out.inputs = as_io_object(json_or_text(*text), wrap);
  for (auto [key, wrap] : {std::pair{"gen_ai.completion", "output"}, {"output.value", "output"},
                           {"traceloop.entity.output", "output"}})
    if (auto text = a.text(key); text && !out.outputs) out.outputs = as_io_object(json_or_text(*text), wrap);
  if (!out.inputs) out.inputs = indexed_messages(a, "gen_ai.prompt");
  if (!out.outputs) out.outputs = indexed_messages(a, "gen_ai.completion");
  read_message_events(span, out);
}

/// The last exception event's message (and stack trace), else the status
/// message of a span whose status is ERROR.
std::optional<std::string> error_of(const wire::Span& span) {
  std::optional<std::string> error;
  for (const auto& event : span.events()) {
    if (event.name() != "exception") continue;
    attributes a(event.attributes());
    std::string text(a.text("exception.message").value_or(a.text("exception.type").value_or("exception")));
    if (auto stack = a.text("exception.stacktrace")) text += fmt::format("\n\n{}", *stack);
    error = std::move(text);
  }
  if (!error && span.status().code() == 2)
    error = span.status().message().empty() ? std::string("error") : span.status().message();
  return error;
}

void read_metadata(const attributes& a, run_content& out) {
  if (auto json = a.text("metadata")) {
    auto parsed = json_or_text(*json);
    if (parsed.is_object())
      for (auto& [k, v] : parsed.as_object()) out.metadata[k] = v;
  }
  constexpr std::string_view prefix = "langsmith.metadata.";
  for (const auto& kv : a.list())
    if (kv.key().size() > prefix.size() && std::string_view(kv.key()).substr(0, prefix.size()) == prefix)
      out.metadata[std::string_view(kv.key()).substr(prefix.size())] = to_json(kv.value());
  if (auto system = a.text("gen_ai.system")) out.metadata["ls_provider"] = *system;
  auto model = a.text("gen_ai.request.model");
  if (!model) model = a.text("gen_ai.response.model");
  if (model) {
    out.metadata["ls_model_name"] = *model;
    out.invocation_params["model"] = *model;
  }
  for (const char* p : {"temperature", "top_p", "max_tokens", "frequency_penalty", "presence_penalty", "seed",
                        "top_k", "stop_sequences"})
    if (const auto* v = a.find(fmt::format("gen_ai.request.{}", p))) out.invocation_params[p] = to_json(*v);
  // Usage: langsmith.usage_metadata (JSON), else the gen_ai.usage.* counts.
  if (auto usage = a.text("langsmith.usage_metadata")) {
    auto parsed = json_or_text(*usage);
    if (parsed.is_object()) out.metadata["usage_metadata"] = std::move(parsed);
  }
  if (!out.metadata.contains("usage_metadata")) {
    auto input = a.number("gen_ai.usage.input_tokens");
    if (!input) input = a.number("gen_ai.usage.prompt_tokens");
    auto output = a.number("gen_ai.usage.output_tokens");
    if (!output) output = a.number("gen_ai.usage.completion_tokens");
    auto total = a.number("gen_ai.usage.total_tokens");
    if (!total && input && output) total = *input + *output;
    if (input || output || total) {
      boost::json::object usage;
      if (input) usage["input_tokens"] = static_cast<std::int64_t>(*input);
      if (output) usage["output_tokens"] = static_cast<std::int64_t>(*output);
      if (total) usage["total_tokens"] = static_cast<std::int64_t>(*total);
      out.metadata["usage_metadata"] = std::move(usage);
    }
  }
}

std::vector<std::string> tags_of(const attributes& a) {
  std::vector<std::string> tags;
  const auto* v = a.find("langsmith.span.tags");
  if (!v) return tags;
  if (v->value_case() == wire::AnyValue::kArrayValue) {
    for (const auto& item : v->array_value().values())
      if (item.value_case() == wire::AnyValue::kStringValue) tags.push_back(item.string_value());
    return tags;
  }
  std::string_view list = a.text("langsmith.span.tags").value_or("");
  while (!list.empty()) {
    auto comma = list.find(',');
    auto tag = common::trim(list.substr(0, comma));
    if (!tag.empty()) tags.emplace_back(tag);
    if (comma == std::string_view::npos) break;
    list.remove_prefix(comma + 1);
  }
  return tags;
}

}  // namespace

run_content content_of(const wire::Span& span) {
  attributes a(span.attributes());
  run_content out;
  out.name = name_of(span, a);
  out.run_type = run_type_of(a);
  read_inputs_outputs(span, a, out);
  out.error = error_of(span);
  out.tags = tags_of(a);
  read_metadata(a, out);
  if (auto s = a.text("langsmith.trace.session_name"); s && !s->empty()) out.session_name = std::string(*s);
  if (auto s = a.text("langsmith.trace.session_id"); s && !s->empty()) out.session_id = std::string(*s);
  return out;
}

}  // namespace tracepipe::ingest::otlp
