#include "loadgen/trace_mix.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <iterator>

#include <fmt/format.h>

#include "common/text.hpp"
#include "loadgen/detail/mix_text.hpp"
#include "loadgen/detail/seeded_random.hpp"

namespace tracepipe::loadgen {

namespace {

using detail::parse_number;

struct type_names {
  std::string_view type;
  std::vector<std::string_view> names;
};

// The run types API.md allows, with names their common integrations use.
const std::vector<type_names>& catalogue() {
  static const std::vector<type_names> all{
      {"chain", {"RunnableSequence", "AgentExecutor", "RetrievalQA", "LangGraph", "StuffDocumentsChain"}},
      {"llm", {"ChatOpenAI", "ChatAnthropic", "AzureChatOpenAI", "ChatVertexAI", "ChatBedrock"}},
      {"tool", {"search", "calculator", "get_weather", "sql_query", "python_repl"}},
      {"retriever", {"VectorStoreRetriever", "BM25Retriever", "MultiQueryRetriever"}},
      {"embedding", {"OpenAIEmbeddings", "CohereEmbeddings"}},
      {"prompt", {"ChatPromptTemplate", "PromptTemplate"}},
      {"parser", {"StrOutputParser", "JsonOutputParser", "PydanticOutputParser"}},
  };
  return all;
}

const type_names* find_type(std::string_view type) {
  const auto& all = catalogue();
  auto it = std::find_if(all.begin(), all.end(), [&](const type_names& t) { return t.type == type; });
  return it == all.end() ? nullptr : &*it;
}

}  // namespace

std::optional<count_range> count_range::parse(std::string_view text, int lowest, int highest, std::string* why) {
  count_range r;
  auto dash = text.find('-');
  bool ok = dash == std::string_view::npos
                ? parse_number(text, r.min)
                : parse_number(text.substr(0, dash), r.min) && parse_number(text.substr(dash + 1), r.max);
  if (dash == std::string_view::npos) r.max = r.min;
  if (!ok || r.min < lowest || r.max > highest || r.max < r.min) {
    if (why) *why = fmt::format("'{}' is not N or MIN-MAX with {} ≤ MIN ≤ MAX ≤ {}", text, lowest, highest);
    return std::nullopt;
  }
  return r;
}

int count_range::sample(std::mt19937_64& rng) const {
  return min == max ? min : min + static_cast<int>(detail::below(rng, static_cast<std::uint64_t>(max - min) + 1));
}

std::string count_range::text() const { return min == max ? std::to_string(min) : fmt::format("{}-{}", min, max); }

run_type_mix::run_type_mix() : run_type_mix(*parse(default_text, nullptr)) {}

std::optional<run_type_mix> run_type_mix::parse(std::string_view text, std::string* why) {
  auto fail = [&](std::string what) {
    if (why) *why = std::move(what);
    return std::nullopt;
  };
  std::vector<weighted> types;
  double sum = 0;
  std::string error;
  auto items = detail::parse_weighted_list(text, &error);
  if (!items) return fail(error);
  for (const auto& w : *items) {
    const auto* known = find_type(w.name);
    if (!known)
      return fail(fmt::format("'{}' is not a run type (chain, llm, tool, retriever, embedding, prompt, parser)", w.name));
    if (w.weight <= 0) return fail(fmt::format("'{}': the weight is not a number above 0", w.item));
    types.push_back({known->type, sum += w.weight});
  }
  return run_type_mix(std::move(types), common::trim(text));
}

std::string_view run_type_mix::sample(std::mt19937_64& rng) const {
  if (types_.size() == 1) return types_.front().type;
  double u = detail::unit(rng) * types_.back().cumulative;
  return std::find_if(types_.begin(), types_.end() - 1, [u](const weighted& w) { return u < w.cumulative; })->type;
}

std::string_view run_name(std::string_view run_type, std::mt19937_64& rng) {
  const auto* t = find_type(run_type);
  if (!t) return run_type;
  return t->names[detail::below(rng, t->names.size())];
}

}  // namespace tracepipe::loadgen
