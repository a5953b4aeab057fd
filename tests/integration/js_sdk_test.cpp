// The official LangSmith JS SDK (npm `langsmith`, installed under .deps by
// tools/setup.sh) traces a nested run tree into an in-process ingest server,
// unchanged; every run must land in the Redis stream exactly as it was sent.
// The SDK side is tests/integration/js_sdk/trace_tree.mjs; it prints the run
// ids and a log of every HTTP request the SDK made.
//
// What SDK 0.3.87 sends (observed, and asserted below):
// - multipart (its default: /info answers use_multipart_endpoint=true and
//   gzip_body_enabled=true): GET /info once, then POST /runs/multipart with a
//   streamed (chunked) body compressed with Content-Encoding: gzip; parts
//   post.<id> / patch.<id> (run JSON without its big fields) plus
//   post.<id>.{inputs,outputs,extra,error,serialized} with
//   "application/json; length=N" — N in bytes of the UTF-8 encoding (the SDK
//   serializes to a Uint8Array first) — and attachment.<id>.<name>
//   with "<mime>; length=<bytes>". A post and a patch of the same run that
//   fall into one 250 ms auto-batch window are merged into one post carrying
//   end_time/outputs/error.
// - batch (forced by handing the SDK /info with use_multipart_endpoint=false:
//   no Client option selects it): POST /runs/batch {"post":[…],"patch":[…]},
//   uncompressed, same merging, every field inline.
// - single (Client({autoBatchTracing:false})): POST /runs then
//   PATCH /runs/{id} per run, never merged.
#include <gtest/gtest.h>
#include <simdjson.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <optional>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

#include "child_process.hpp"
#include "ingest_harness.hpp"

namespace tracepipe::test {
namespace {

namespace fs = std::filesystem;

const fs::path script_path = fs::path(TRACEPIPE_SOURCE_DIR) / "tests/integration/js_sdk/trace_tree.mjs";
const fs::path sdk_package = fs::path(TRACEPIPE_SOURCE_DIR) / ".deps/node_modules/langsmith/package.json";

/// This process's environment without any LANGSMITH_*/LANGCHAIN_* setting,
/// plus `extra`.
std::vector<std::string> sdk_env(const std::vector<std::pair<std::string, std::string>>& extra) {
  return environment_without({"LANGSMITH_", "LANGCHAIN_"}, extra);
}

// --- JSON helpers ----------------------------------------------------------

/// The minified JSON of `run[name]` when the run JSON has it inline, else of
/// the multipart field part part.<name>; nullopt when neither is there.
std::optional<std::string> field(const entry& e, const std::string& name) {
  simdjson::dom::parser p;
  simdjson::dom::element v;
  if (!p.parse(e.at("run")).get_object()[name].get(v)) return simdjson::minify(v);
  auto part = e.find("part." + name);
  if (part == e.end()) return std::nullopt;
  return simdjson::minify(p.parse(part->second));
}

/// Whether the run JSON itself (not a part) carries `name`, non-null.
bool inline_has(const entry& e, const std::string& name) {
  simdjson::dom::parser p;
  simdjson::dom::element v;
  return !p.parse(e.at("run")).get_object()[name].get(v) && !v.is_null();
}

/// A string member of the run JSON ("" when absent or not a string).
std::string run_str(const entry& e, const std::string& name) {
  simdjson::dom::parser p;
  std::string_view s;
  if (p.parse(e.at("run")).get_object()[name].get(s)) return "";
  return std::string(s);
}

std::string min(const std::string& json) {
  simdjson::dom::parser p;
  return simdjson::minify(p.parse(json));
}

// --- what the script reported -----------------------------------------------

struct sdk_request {
  std::string method, path, content_type, content_encoding, api_key, user_agent;
  bool streamed = false;
  int64_t status = 0;
  std::vector<std::pair<std::string, std::string>> ops;  // (post|patch, run id)
  std::vector<std::string> part_names;
};

struct sdk_report {
  std::string sdk_version, trace_id;
  std::vector<std::string> run_ids;
  std::map<std::string, std::string> runs;  // name → id
  std::vector<sdk_request> requests;
};

std::string str_or_empty(simdjson::dom::element o, const char* key) {
  std::string_view s;
  return o[key].get(s) ? std::string() : std::string(s);
}

sdk_report parse_report(const std::string& line) {
  simdjson::dom::parser p;
  simdjson::dom::element doc = p.parse(line).value();
  sdk_report r;
  r.sdk_version = str_or_empty(doc, "sdk_version");
  r.trace_id = str_or_empty(doc, "trace_id");
  simdjson::dom::array run_ids = doc["run_ids"].get_array().value();
  simdjson::dom::object runs = doc["runs"].get_object().value();
  simdjson::dom::array requests = doc["requests"].get_array().value();
  for (auto id : run_ids) r.run_ids.emplace_back(std::string_view(id));
  for (auto [k, v] : runs) r.runs[std::string(k)] = std::string(std::string_view(v));
  for (auto q : requests) {
    sdk_request s;
    s.method = str_or_empty(q, "method");
    s.path = str_or_empty(q, "path");
    s.content_type = str_or_empty(q, "content_type");
    s.content_encoding = str_or_empty(q, "content_encoding");
    s.api_key = str_or_empty(q, "api_key");
    s.user_agent = str_or_empty(q, "user_agent");
    bool streamed = false;
    if (!q["streamed"].get(streamed)) s.streamed = streamed;
    int64_t status = 0;
    if (!q["status"].get(status)) s.status = status;
    for (const char* kind : {"post", "patch"}) {
      simdjson::dom::array ids;
      if (!q[kind].get(ids))
        for (auto id : ids) s.ops.emplace_back(kind, std::string(std::string_view(id)));
    }
    simdjson::dom::array parts;
    if (!q["parts"].get(parts))
      for (auto part : parts) {
        std::string name = str_or_empty(part, "name");
        s.part_names.push_back(name);
        // post.<id> / patch.<id>: one run operation; post.<id>.<field>: a field of it.
        auto dot = name.find('.');
        if (name.find('.', dot + 1) == std::string::npos) s.ops.emplace_back(name.substr(0, dot), name.substr(dot + 1));
      }
    r.requests.push_back(std::move(s));
  }
  return r;
}

// --- the test ------------------------------------------------------------

enum class mode { multipart, batch, single };

const char* mode_name(mode m) { return m == mode::multipart ? "multipart" : m == mode::batch ? "batch" : "single"; }

// name → expected parent name ("" for the root), run_type.
const std::map<std::string, std::pair<std::string, std::string>> tree = {
    {"js_root", {"", "chain"}},
    {"js_llm", {"js_root", "llm"}},
    {"js_retriever", {"js_llm", "retriever"}},
    {"js_tool", {"js_root", "tool"}},
    {"js_failing_tool", {"js_root", "tool"}},
};

void trace_tree_with(mode m) {
  auto node = find_on_path("node");
  if (!node) GTEST_SKIP() << "node is not on PATH: the LangSmith JS SDK test needs Node.js (run tools/setup.sh)";
  if (!fs::exists(sdk_package))
    GTEST_SKIP() << "the LangSmith JS SDK is not installed at " << sdk_package.parent_path()
                 << " (run tools/setup.sh)";
  ASSERT_TRUE(fs::exists(script_path)) << script_path;

  const std::string project = std::string("js-sdk-") + mode_name(m);
  ingest_under_test ingest(test_settings(std::string("js_sdk_") + mode_name(m)));
  auto child = run_captured({*node, script_path.string(), mode_name(m)},
                         sdk_env({{"LANGSMITH_TRACING", "true"},
                                  {"LANGSMITH_ENDPOINT", ingest.url()},
                                  {"LANGSMITH_API_KEY", "test-key"},
                                  {"LANGSMITH_PROJECT", project}}),
                         std::chrono::seconds(60));
  const std::string transcript = "\n--- stdout ---\n" + child.out + "\n--- stderr ---\n" + child.err;
  ASSERT_FALSE(child.timed_out) << "trace_tree.mjs ran over 60 s" << transcript;
  ASSERT_EQ(child.exit_code, 0) << "trace_tree.mjs failed (the SDK reported an error)" << transcript;

  sdk_report rep;
  ASSERT_NO_THROW(rep = parse_report(child.out)) << transcript;
  SCOPED_TRACE("SDK report: " + child.out);
  ASSERT_EQ(rep.run_ids.size(), tree.size());
  for (const auto& [name, _] : tree) ASSERT_TRUE(rep.runs.count(name)) << name;
  const std::string& root_id = rep.runs.at("js_root");
  EXPECT_EQ(rep.trace_id, root_id);  // the root's id is the trace id

  // What the SDK sent: the endpoints of the mode, every answer a success.
  const bool batched = m != mode::single;
  std::multiset<std::pair<std::string, std::string>> sent_ops;
  std::size_t info = 0, ingest_requests = 0;
  for (const auto& q : rep.requests) {
    SCOPED_TRACE(q.method + " " + q.path);
    EXPECT_GE(q.status, 200);
    EXPECT_LT(q.status, 300);
    if (q.path == "/info") {
      ++info;
      continue;
    }
    ++ingest_requests;
    EXPECT_EQ(q.status, 202);
    EXPECT_EQ(q.api_key, "test-key");
    EXPECT_EQ(q.user_agent, "langsmith-js/" + rep.sdk_version);
    for (const auto& op : q.ops) sent_ops.insert(op);
    switch (m) {
      case mode::multipart:
        EXPECT_EQ(q.method, "POST");
        EXPECT_EQ(q.path, "/runs/multipart");
        EXPECT_EQ(q.content_type.rfind("multipart/form-data; boundary=", 0), 0u) << q.content_type;
        EXPECT_EQ(q.content_encoding, "gzip");  // /info says gzip_body_enabled
        EXPECT_TRUE(q.streamed);                // chunked request body
        break;
      case mode::batch:
        EXPECT_EQ(q.method, "POST");
        EXPECT_EQ(q.path, "/runs/batch");
        EXPECT_EQ(q.content_encoding, "");
        break;
      case mode::single:
        EXPECT_TRUE((q.method == "POST" && q.path == "/runs") ||
                    (q.method == "PATCH" && q.path.rfind("/runs/", 0) == 0));
        EXPECT_EQ(q.content_type, "application/json");
        break;
    }
  }
  // Auto-batching: the root's post alone, the four children (each started
  // and ended back to back, post+patch merged) together, the root's patch
  // alone. Single: one POST and one PATCH per run.
  EXPECT_EQ(info, batched ? 1u : 0u);
  EXPECT_EQ(ingest_requests, batched ? 3u : 2 * tree.size());

  // What landed: exactly what was sent, once each.
  auto entries = redis_probe().entries(ingest.stream());
  std::multiset<std::pair<std::string, std::string>> landed;
  std::map<std::string, std::vector<const entry*>> posts, patches;
  for (const auto& e : entries) {
    landed.insert({e.at("kind"), e.at("run_id")});
    (e.at("kind") == "post" ? posts : patches)[e.at("run_id")].push_back(&e);
    EXPECT_EQ(e.at("trace_id"), rep.trace_id) << e.at("run_id");
    EXPECT_EQ(e.at("project"), project) << e.at("run_id");
    auto id = run_str(e, "id");
    if (!id.empty()) { EXPECT_EQ(id, e.at("run_id")); }
    EXPECT_EQ(run_str(e, "trace_id"), rep.trace_id) << e.at("run_id");
  }
  EXPECT_EQ(landed, sent_ops);
  EXPECT_EQ(entries.size(), batched ? tree.size() + 1 : 2 * tree.size());

  for (const auto& [name, shape] : tree) {
    SCOPED_TRACE(name);
    const auto& [parent_name, run_type] = shape;
    const std::string& id = rep.runs.at(name);
    ASSERT_EQ(posts[id].size(), 1u);
    // Batched: only the root's patch stays separate (its children ran in between).
    const std::size_t expected_patches = !batched || name == "js_root" ? 1 : 0;
    ASSERT_EQ(patches[id].size(), expected_patches);
    const entry& post = *posts[id].front();
    const entry* patch = expected_patches ? patches[id].front() : nullptr;
    // The state the run ended in: the patch when there is one, else the merged post.
    const entry& ended = patch ? *patch : post;

    EXPECT_EQ(run_str(post, "name"), name);
    EXPECT_EQ(run_str(post, "run_type"), run_type);
    // Structure: parent_run_id and dotted_order.
    if (parent_name.empty()) {
      EXPECT_FALSE(inline_has(post, "parent_run_id"));
      // %Y%m%dT%H%M%S%fZ (22 characters), then the id.
      EXPECT_EQ(run_str(post, "dotted_order").size(), 22 + id.size());
      EXPECT_EQ(run_str(post, "dotted_order").substr(22), id);
    } else {
      const std::string& parent_id = rep.runs.at(parent_name);
      EXPECT_EQ(run_str(post, "parent_run_id"), parent_id);
      const entry& parent_post = *posts[parent_id].front();
      auto dotted = run_str(post, "dotted_order");
      auto parent_dotted = run_str(parent_post, "dotted_order");
      EXPECT_EQ(dotted.substr(0, parent_dotted.size() + 1), parent_dotted + ".") << dotted;
      EXPECT_EQ(dotted.substr(dotted.size() - id.size()), id) << dotted;
      if (patch) { EXPECT_EQ(run_str(*patch, "parent_run_id"), parent_id); }
    }
    // Ended: end_time in the patch, or in the post the SDK merged.
    EXPECT_TRUE(inline_has(ended, "end_time"));
    if (patch) { EXPECT_FALSE(inline_has(post, "end_time")); }
    // Big fields: parts under multipart, inline otherwise.
    for (const entry* e : {&post, patch}) {
      if (!e) continue;
      for (const char* f : {"inputs", "outputs", "error", "extra"}) {
        if (m == mode::multipart)
          EXPECT_FALSE(inline_has(*e, f)) << f << " inline in a multipart " << e->at("kind");
        else
          EXPECT_EQ(e->count(std::string("part.") + f), 0u) << f;
      }
    }
    if (m == mode::multipart) { EXPECT_EQ(post.at("part.inputs.content_type"), "application/json"); }
  }

  // Inputs, outputs and the error arrived intact.
  auto post_of = [&](const char* name) -> const entry& { return *posts[rep.runs.at(name)].front(); };
  auto end_of = [&](const char* name) -> const entry& {
    auto& p = patches[rep.runs.at(name)];
    return p.empty() ? post_of(name) : *p.front();
  };
  EXPECT_EQ(field(post_of("js_root"), "inputs"), min(R"({"question":"what does tracepipe do?"})"));
  EXPECT_EQ(field(end_of("js_root"), "outputs"),
            min(R"({"answer":"answer using: tracepipe queues runs in Redis streams","weather":"sunny ☀ in São Paulo 🌤",)"
                R"("failure":"js_failing_tool: division by zero"})"));
  EXPECT_EQ(field(post_of("js_llm"), "inputs"),
            min(R"({"messages":[{"role":"user","content":"what does tracepipe do?"}]})"));
  EXPECT_EQ(field(end_of("js_llm"), "outputs"),
            min(R"({"content":"answer using: tracepipe queues runs in Redis streams",)"
                R"("usage_metadata":{"input_tokens":12,"output_tokens":7,"total_tokens":19}})"));
  EXPECT_EQ(field(post_of("js_retriever"), "inputs"), min(R"({"query":"what does tracepipe do?"})"));
  EXPECT_EQ(field(end_of("js_retriever"), "outputs"),
            min(R"({"documents":[{"page_content":"tracepipe queues runs in Redis streams","metadata":{"rank":1}}]})"));
  EXPECT_EQ(field(post_of("js_tool"), "inputs"), min(R"({"city":"São Paulo"})"));
  EXPECT_EQ(field(end_of("js_tool"), "outputs"), min(R"({"forecast":"sunny ☀ in São Paulo 🌤","temperature_c":21.5})"));
  EXPECT_EQ(field(post_of("js_failing_tool"), "inputs"), min(R"({"divisor":0})"));
  EXPECT_EQ(field(end_of("js_failing_tool"), "error"), min(R"("Error: js_failing_tool: division by zero")"));
  EXPECT_EQ(field(end_of("js_failing_tool"), "outputs"), std::nullopt);
  for (const auto& [name, _] : tree)
    if (name != "js_failing_tool") { EXPECT_EQ(field(end_of(name.c_str()), "error"), std::nullopt) << name; }
  // The retriever's binary attachment (multipart only), byte for byte.
  const entry& retriever = post_of("js_retriever");
  if (m == mode::multipart) {
    const std::string attachment = std::string("\x89PNG\r\n\x1a\n\0\xff", 10) + "\r\n------LangSmithFormBoundary\r\n--\r\n";
    ASSERT_TRUE(retriever.count("part.attachment.image"));
    EXPECT_EQ(retriever.at("part.attachment.image"), attachment);
    EXPECT_EQ(retriever.at("part.attachment.image.content_type"), "image/png");
    std::size_t sent_attachments = 0;
    for (const auto& q : rep.requests)
      for (const auto& n : q.part_names) sent_attachments += n == "attachment." + rep.runs.at("js_retriever") + ".image";
    EXPECT_EQ(sent_attachments, 1u);
  }
  for (const auto& e : entries)
    for (const auto& [k, _] : e)
      if (k.rfind("part.attachment.", 0) == 0 && (m != mode::multipart || &e != &retriever))
        ADD_FAILURE() << "unexpected " << k << " on " << e.at("kind") << " " << e.at("run_id");
  // Metadata travels in extra.
  auto root_extra = field(post_of("js_root"), "extra");
  ASSERT_TRUE(root_extra);
  EXPECT_NE(root_extra->find(R"("suite":"js_sdk_test")"), std::string::npos) << *root_extra;
}

TEST(JsSdk, TraceTreeMultipart) { trace_tree_with(mode::multipart); }

TEST(JsSdk, TraceTreeBatch) { trace_tree_with(mode::batch); }

TEST(JsSdk, TraceTreeSinglePostAndPatch) { trace_tree_with(mode::single); }

}  // namespace
}  // namespace tracepipe::test
