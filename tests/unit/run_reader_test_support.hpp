#pragma once
// What the run_reader unit tests share: a root and a child run as the Python
// and JS SDKs send them, editable field by field, and batches of them.
#include <gtest/gtest.h>
#include <simdjson.h>

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "expect_rejection.hpp"
#include "ingest/run_reader.hpp"

namespace tracepipe::ingest::run_reader_test {

inline constexpr std::string_view root_id = "0f8fad5b-d9cb-469f-a165-70867728950e";
inline constexpr std::string_view child_id = "7c9e6679-7425-40de-944b-e07fc1f90ae7";
inline constexpr std::string_view other_id = "16fd2706-8baf-433b-82eb-8c7fada847da";

inline std::string json_str(std::string_view s) { return "\"" + std::string(s) + "\""; }

inline const std::string root_dotted = "20240501T120000123456Z" + std::string(root_id);
inline const std::string child_dotted = root_dotted + ".20240501T120000200000Z" + std::string(child_id);

/// A run object as an ordered list of fields with raw JSON values, so a test
/// can replace or drop one field of an otherwise valid run.
class run_json {
 public:
  run_json& set(std::string name, std::string raw) {
    for (auto& [n, v] : fields_)
      if (n == name) {
        v = std::move(raw);
        return *this;
      }
    fields_.emplace_back(std::move(name), std::move(raw));
    return *this;
  }
  run_json& drop(std::string_view name) {
    std::erase_if(fields_, [&](const auto& f) { return f.first == name; });
    return *this;
  }
  std::string str() const {
    std::string out = "{";
    for (const auto& [n, v] : fields_) out += (out.size() > 1 ? "," : "") + json_str(n) + ":" + v;
    return out + "}";
  }

 private:
  std::vector<std::pair<std::string, std::string>> fields_;
};

/// A root run's post as the Python SDK sends it in a batch.
inline run_json root_post() {
  return run_json()
      .set("id", json_str(root_id))
      .set("trace_id", json_str(root_id))
      .set("dotted_order", json_str(root_dotted))
      .set("name", R"("RunnableSequence")")
      .set("run_type", R"("chain")")
      .set("start_time", R"("2024-05-01T12:00:00.123456")")
      .set("inputs", R"({"question":"what is 2+2?"})")
      .set("extra", R"({"metadata":{"ls_run_depth":0},"runtime":{"sdk":"langsmith-py"}})")
      .set("serialized", "{}")
      .set("events", R"([{"name":"start","time":"2024-05-01T12:00:00.123456+00:00"}])")
      .set("tags", R"(["demo"])")
      .set("session_name", R"("my-project")");
}

/// A child run's post as the JS SDK sends it: epoch-millisecond times.
inline run_json child_post() {
  return run_json()
      .set("id", json_str(child_id))
      .set("trace_id", json_str(root_id))
      .set("parent_run_id", json_str(root_id))
      .set("dotted_order", json_str(child_dotted))
      .set("name", R"("ChatOpenAI")")
      .set("run_type", R"("llm")")
      .set("start_time", "1714564800200")
      .set("inputs", R"({"messages":[{"role":"user","content":"what is 2+2?"}]})")
      .set("extra", R"({"metadata":{"ls_provider":"openai"}})")
      .set("tags", "[]")
      .set("session_name", R"("my-project")");
}

/// The root run's patch at its end.
inline run_json root_patch() {
  return run_json()
      .set("id", json_str(root_id))
      .set("trace_id", json_str(root_id))
      .set("dotted_order", json_str(root_dotted))
      .set("end_time", R"("2024-05-01T12:00:01.000000Z")")
      .set("outputs", R"({"answer":"4"})")
      .set("error", "null")
      .set("session_name", R"("my-project")");
}

inline std::string batch(const std::vector<run_json>& posts, const std::vector<run_json>& patches = {}) {
  auto list = [](const std::vector<run_json>& runs) {
    std::string out = "[";
    for (const auto& r : runs) out += (out.size() > 1 ? "," : "") + r.str();
    return out + "]";
  };
  return R"({"post":)" + list(posts) + R"(,"patch":)" + list(patches) + "}";
}

inline std::string minified(std::string_view json) {
  simdjson::dom::parser parser;
  simdjson::dom::element e;
  EXPECT_EQ(parser.parse(json.data(), json.size()).get(e), simdjson::SUCCESS) << json;
  return simdjson::minify(e);
}

inline std::string describe(const std::optional<rejection>& r) {
  return r ? std::to_string(r->status) + " " + r->error + ": " + r->detail : "accepted";
}

struct invalid_case {
  std::string name;
  std::string body;
  unsigned status;
  std::string error;
  std::string detail;  ///< exact, or a prefix when prefix_only
  bool prefix_only = false;
};

inline void expect_rejected(run_reader& reader, const invalid_case& c,
                     std::optional<rejection> (run_reader::*read)(std::string_view, std::vector<run_op>&)) {
  SCOPED_TRACE(c.name);
  SCOPED_TRACE(c.body);
  std::vector<run_op> ops;
  expect_rejection((reader.*read)(c.body, ops), c.status, c.error, c.detail, c.prefix_only);
}

}  // namespace tracepipe::ingest::run_reader_test
