// Langfuse's ingestion bodies (ingest/langfuse/event_reader): any bytes are
// refused whole with a 4xx, or answered event by event — every event a
// success or an error, never both, each entry with its ids — and the 207
// answer is valid JSON.
#include <simdjson.h>

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "fuzz/run_checks.hpp"
#include "ingest/langfuse/body_rules.hpp"
#include "ingest/langfuse/event_reader.hpp"

using namespace tracepipe;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static ingest::langfuse::event_reader reader(64);
  static simdjson::dom::parser answers;
  std::string_view body(reinterpret_cast<const char*>(data), size);
  ingest::langfuse::batch_result r;
  if (auto rejected = reader.read(body, r)) {
    fuzz::check_rejection(*rejected);
    FUZZ_CHECK(r.events.empty() && r.successes.empty() && r.errors.empty());
    return 0;
  }
  FUZZ_CHECK(r.events.size() <= r.successes.size());
  for (const auto& e : r.events) {
    FUZZ_CHECK(ingest::langfuse::is_langfuse_id(e.event_id));
    FUZZ_CHECK(ingest::langfuse::is_langfuse_id(e.body_id));
    FUZZ_CHECK(!e.trace_id.empty());
    FUZZ_CHECK(e.stored_as != common::langfuse::entity::none);
    simdjson::dom::element event;
    FUZZ_CHECK(answers.parse(e.json).get(event) == simdjson::SUCCESS && event.is_object());
  }
  for (const auto& e : r.errors) FUZZ_CHECK(e.problem.starts_with("batch["));
  simdjson::dom::element answer;
  auto text = ingest::langfuse::answer_body(r);
  FUZZ_CHECK(answers.parse(text).get(answer) == simdjson::SUCCESS);
  return 0;
}
