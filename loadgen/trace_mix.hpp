#pragma once
// What the generated traces look like besides their sizes: how many runs and
// how deep (count_range, drawn per trace), and which run types and names
// their runs get (run_type_mix, drawn per run), all from the seeded generator.
#include <cstdint>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace tracepipe::loadgen {

/// "N" or "MIN-MAX" (every count in the range equally likely).
struct count_range {
  int min = 1, max = 1;

  /// nullopt with *why when not N or MIN-MAX within [lowest, highest].
  static std::optional<count_range> parse(std::string_view text, int lowest, int highest, std::string* why);
  int sample(std::mt19937_64& rng) const;
  std::string text() const;
};

/// The run_type of leaf runs (runs with no children; a run with children is a
/// chain, as the SDKs' RunnableSequence or agent executor would be), by
/// relative weight: "llm:50,tool:30,retriever:20".
class run_type_mix {
 public:
  static constexpr std::string_view default_text = "llm:50,tool:20,retriever:15,prompt:8,parser:7";
  run_type_mix();  ///< default_text
  /// nullopt with *why naming the bad item; types as API.md lists them.
  static std::optional<run_type_mix> parse(std::string_view text, std::string* why);

  std::string_view sample(std::mt19937_64& rng) const;
  const std::string& text() const { return text_; }

 private:
  struct weighted {
    std::string_view type;
    double cumulative;
  };
  run_type_mix(std::vector<weighted> types, std::string_view text) : types_(std::move(types)), text_(text) {}
  std::vector<weighted> types_;
  std::string text_;
};

/// A name such as SDK integrations give a run of that type ("ChatOpenAI",
/// "RunnableSequence", "VectorStoreRetriever", …).
std::string_view run_name(std::string_view run_type, std::mt19937_64& rng);

}  // namespace tracepipe::loadgen
