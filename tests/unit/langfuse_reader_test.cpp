// Langfuse v3 ingestion bodies (ingest/langfuse/): each event judged on its
// own, as Langfuse's processEventBatch does, and the 207 answer it makes.
#include "ingest/langfuse/event_reader.hpp"

#include <gtest/gtest.h>

#include <string>

#include "ingest/langfuse/body_rules.hpp"

namespace tracepipe::ingest::langfuse {
namespace {

constexpr const char* trace_id = "7c9e6679-7425-40de-944b-e07fc1f90ae7";

std::string event(std::string_view id, std::string_view type, std::string_view body,
                  std::string_view timestamp = "2024-05-01T12:00:00.000Z") {
  std::string e = R"({"id":")";
  e.append(id).append(R"(","timestamp":")").append(timestamp).append(R"(","type":")").append(type);
  return e.append(R"(","body":)").append(body) + "}";
}

std::string batch(std::initializer_list<std::string> events) {
  std::string out = R"({"batch":[)";
  for (const auto& e : events) out += (out.back() == '[' ? "" : ",") + e;
  return out + R"(],"metadata":{"sdk_name":"langfuse-js","batch_size":1}})";
}

batch_result read_ok(const std::string& body) {
  event_reader reader(64);
  batch_result r;
  auto rejected = reader.read(body, r);
  EXPECT_FALSE(rejected) << rejected->detail;
  return r;
}

const std::string trace_body = std::string(R"({"id":")") + trace_id + R"(","name":"t","timestamp":"2024-05-01T12:00:00Z"})";
const std::string span_body = std::string(R"({"id":"s1","traceId":")") + trace_id + R"(","startTime":"2024-05-01T12:00:00.100+02:00"})";

TEST(langfuse_reader, every_kind_of_event_becomes_one_entry_with_its_entity_ids_and_json) {
  auto r = read_ok(batch({event("e1", "trace-create", trace_body), event("e2", "span-create", span_body),
                          event("e3", "generation-create", std::string(R"({"id":"g1","traceId":")") + trace_id +
                                                               R"(","model":"gpt","usageDetails":{"input":3},"promptName":"p","promptVersion":2})"),
                          event("e4", "score-create", std::string(R"({"id":"sc1","traceId":")") + trace_id +
                                                          R"(","name":"quality","value":0.5})"),
                          event("e5", "agent-create", R"({"id":"a1"})")}));
  ASSERT_EQ(r.events.size(), 5u);
  EXPECT_TRUE(r.errors.empty());
  EXPECT_EQ(r.successes, (std::vector<std::string>{"e1", "e2", "e3", "e4", "e5"}));
  EXPECT_EQ(r.events[0].stored_as, entity::trace);
  EXPECT_EQ(r.events[0].body_id, trace_id);
  EXPECT_EQ(r.events[0].trace_id, trace_id);  // a trace is its own shard key
  EXPECT_EQ(r.events[1].stored_as, entity::observation);
  EXPECT_EQ(r.events[1].event_id, "e2");
  EXPECT_EQ(r.events[1].body_id, "s1");
  EXPECT_EQ(r.events[1].trace_id, trace_id);
  EXPECT_EQ(r.events[1].json, event("e2", "span-create", span_body, "2024-05-01T12:00:00.000Z"));
  EXPECT_EQ(r.events[3].stored_as, entity::score);
  EXPECT_EQ(r.events[4].trace_id, "a1");  // no traceId: its own id
}

TEST(langfuse_reader, a_bad_event_is_an_error_of_its_own_and_the_others_pass) {
  auto r = read_ok(batch({event("ok1", "trace-create", trace_body), event("bad1", "span-create", R"({"name":"no id"})"),
                          event("ok2", "span-create", span_body)}));
  EXPECT_EQ(r.successes, (std::vector<std::string>{"ok1", "ok2"}));
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_EQ(r.errors[0].id, "bad1");
  EXPECT_EQ(r.errors[0].problem, "batch[1].body.id: is required");
  ASSERT_EQ(r.events.size(), 2u);
}

TEST(langfuse_reader, each_rule_names_the_field) {
  struct bad_case {
    std::string event;
    std::string problem;
  };
  const std::string long_id(801, 'x');
  const bad_case cases[] = {
      {event(long_id, "trace-create", "{}"), "batch[0].id: must be a string of 1 to 800 characters without a carriage return"},
      {event("a\\rb", "trace-create", "{}"), "batch[0].id: must be a string of 1 to 800 characters without a carriage return"},
      {event("e", "trace-create", "{}", "2024-05-01T12:00:00"), "batch[0].timestamp: must be an ISO-8601 time with a zone, such as 2024-05-01T12:00:00.000Z"},
      {event("e", "trace-create", "{}", "yesterday"), "batch[0].timestamp: must be an ISO-8601 time with a zone, such as 2024-05-01T12:00:00.000Z"},
      {event("e", "run-create", "{}"), "batch[0].type: 'run-create' is not a Langfuse ingestion event type"},
      {event("e", "trace-create", "[]"), "batch[0].body: must be an object"},
      {event("e", "trace-create", "null"), "batch[0].body: must be an object"},
      {R"({"id":"e","timestamp":"2024-05-01T12:00:00Z","type":"trace-create"})", "batch[0].body: must be an object"},
      {event("e", "trace-create", R"({"id":""})"), "batch[0].body.id: must be a string of 1 to 800 characters without a carriage return"},
      {event("e", "trace-create", R"({"tags":["a",1]})"), "batch[0].body.tags: must be an array of strings"},
      {event("e", "trace-create", R"({"public":"yes"})"), "batch[0].body.public: must be true or false"},
      {event("e", "trace-create", R"({"environment":"langfuse-x"})"),
       "batch[0].body.environment: must be 1 to 40 lower-case letters, digits, '-' or '_', not starting with 'langfuse'"},
      {event("e", "trace-create", "{\"name\":\"" + std::string(1001, 'n') + "\"}"), "batch[0].body.name: must be at most 1000 characters"},
      {event("e", "span-update", R"({"id":"s","endTime":"soon"})"),
       "batch[0].body.endTime: must be an ISO-8601 time with a zone, such as 2024-05-01T12:00:00.000Z"},
      {event("e", "span-create", R"({"id":"s","level":"LOUD"})"), "batch[0].body.level: must be one of DEBUG, DEFAULT, WARNING, ERROR"},
      {event("e", "generation-create", R"({"id":"g","promptName":"p"})"),
       "batch[0].body.promptName: and body.promptVersion must be set together or not at all"},
      {event("e", "generation-update", R"({"id":"g","usageDetails":[1]})"), "batch[0].body.usageDetails: must be an object"},
      {event("e", "observation-create", R"({"id":"o"})"), "batch[0].body.type: is required"},
      {event("e", "observation-update", R"({"type":"TOOL"})"), "batch[0].body.type: must be one of GENERATION, SPAN, EVENT"},
      {event("e", "score-create", R"({"value":1})"), "batch[0].body.name: is required"},
      {event("e", "score-create", R"({"name":"","value":1})"), "batch[0].body.name: must not be empty"},
      {event("e", "score-create", R"({"name":"q"})"), "batch[0].body.value: is required"},
      {event("e", "score-create", R"({"name":"q","value":true})"), "batch[0].body.value: must be a number or a string"},
      {event("e", "score-create", R"({"name":"q","value":"x","dataType":"NUMERIC"})"), "batch[0].body.value: must be a number for dataType NUMERIC"},
      {event("e", "score-create", R"({"name":"q","value":2,"dataType":"BOOLEAN"})"), "batch[0].body.value: must be 0 or 1 for dataType BOOLEAN"},
      {event("e", "score-create", R"({"name":"q","value":2,"dataType":"CATEGORICAL"})"), "batch[0].body.value: must be a string for dataType CATEGORICAL"},
      {event("e", "score-create", R"({"name":"q","value":1,"source":"HUMAN"})"), "batch[0].body.source: must be one of API, EVAL, ANNOTATION"},
      {event("e", "sdk-log", R"({"id":"l"})"), "batch[0].body.log: is required"},
      {event("e", "dataset-run-item-create", R"({"id":"d"})"),
       "batch[0].body.datasetId: dataset run items are only created by Langfuse itself, not through the public API"},
      {"17", "batch[0] must be an object"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.event);
    auto r = read_ok(batch({c.event}));
    ASSERT_EQ(r.errors.size(), 1u);
    EXPECT_EQ(r.errors[0].problem, c.problem);
    EXPECT_TRUE(r.events.empty());
    EXPECT_TRUE(r.successes.empty());
  }
}

TEST(langfuse_reader, an_event_without_a_string_id_is_answered_as_unknown) {
  auto r = read_ok(batch({R"({"id":5,"timestamp":"2024-05-01T12:00:00Z","type":"trace-create","body":{}})", "[]"}));
  ASSERT_EQ(r.errors.size(), 2u);
  EXPECT_EQ(r.errors[0].id, "unknown");
  EXPECT_EQ(r.errors[1].id, "unknown");
}

TEST(langfuse_reader, sdk_logs_are_neither_stored_nor_answered_and_bodies_without_id_pass_unstored) {
  // Langfuse drops sdk-log events before answering, and groups what it
  // stores by body.id: a trace or score without one is a 201, stored nowhere.
  auto r = read_ok(batch({event("log", "sdk-log", R"({"log":"hello"})"), event("t", "trace-create", R"({"name":"anon"})"),
                          event("s", "score-create", R"({"name":"q","value":"good"})")}));
  EXPECT_TRUE(r.errors.empty());
  EXPECT_EQ(r.successes, (std::vector<std::string>{"t", "s"}));
  EXPECT_TRUE(r.events.empty());
}

TEST(langfuse_reader, creates_come_before_updates_each_by_timestamp_as_langfuse_sorts_a_batch) {
  auto r = read_ok(batch({event("u2", "span-update", R"({"id":"s"})", "2024-05-01T12:00:02Z"),
                          event("u1", "span-update", R"({"id":"s"})", "2024-05-01T12:00:01Z"),
                          event("c2", "span-create", R"({"id":"s"})", "2024-05-01T12:00:03Z"),
                          event("c1", "trace-create", R"({"id":"t"})", "2024-05-01T13:00:00+02:00")}));
  EXPECT_EQ(r.successes, (std::vector<std::string>{"c1", "c2", "u1", "u2"}));
  ASSERT_EQ(r.events.size(), 4u);
  EXPECT_EQ(r.events[0].event_id, "c1");
  EXPECT_EQ(r.events[3].event_id, "u2");
}

TEST(langfuse_reader, a_body_that_is_not_json_or_has_no_batch_array_is_refused_whole) {
  event_reader reader(64);
  for (const char* body : {"", "{", "[]", R"({"events":[]})", R"({"batch":{}})", R"({"batch":null})"}) {
    SCOPED_TRACE(body);
    batch_result r;
    auto rejected = reader.read(body, r);
    ASSERT_TRUE(rejected);
    EXPECT_EQ(rejected->status, 400u);
  }
  batch_result r;
  auto deep = reader.read(R"({"batch":[)" + std::string(70, '[') + std::string(70, ']') + "]}", r);
  ASSERT_TRUE(deep);
  EXPECT_EQ(deep->error, "json_too_deep");
  EXPECT_FALSE(reader.read(R"({"batch":[]})", r));
}

TEST(langfuse_reader, the_answer_is_langfuses_207_body) {
  batch_result r;
  r.successes = {"a", "b\"c"};
  r.errors = {{"x", "batch[2].body.id: is required"}};
  EXPECT_EQ(answer_body(r),
            R"({"successes":[{"id":"a","status":201},{"id":"b\"c","status":201}],)"
            R"("errors":[{"id":"x","status":400,"message":"Invalid request data","error":"batch[2].body.id: is required"}]})");
  EXPECT_EQ(answer_body({}), R"({"successes":[],"errors":[]})");
}

TEST(langfuse_body_rules, ids_and_zoned_times) {
  EXPECT_TRUE(is_langfuse_id("x"));
  EXPECT_TRUE(is_langfuse_id(std::string(800, 'x')));
  EXPECT_FALSE(is_langfuse_id(""));
  EXPECT_FALSE(is_langfuse_id(std::string(801, 'x')));
  EXPECT_FALSE(is_langfuse_id("a\rb"));
  EXPECT_TRUE(is_zoned_time("2024-05-01T12:00:00Z"));
  EXPECT_TRUE(is_zoned_time("2024-05-01T12:00:00.123456+02:00"));
  EXPECT_TRUE(is_zoned_time("2024-05-01T12:00:00-0500"));
  EXPECT_FALSE(is_zoned_time("2024-05-01T12:00:00.123"));
  EXPECT_FALSE(is_zoned_time("2024-05-01"));
}

}  // namespace
}  // namespace tracepipe::ingest::langfuse
