// ingest.mode s3-first without servers: a request's entries grouped into
// objects by entity under Langfuse's key layout, references in the same order
// and shards, and the sink reading each object back into exactly the entries
// ingest had — binary parts, escapes and the run/event JSON included.
#include <gtest/gtest.h>

#include <deque>
#include <regex>
#include <string>

#include "ingest/s3_first.hpp"
#include "ingest/s3_store.hpp"
#include "queue/entry_fields.hpp"
#include "sink/stored_entries.hpp"

namespace tracepipe {
namespace {

namespace field = queue::entry_field;

queue::stream_entry entry(std::size_t shard, std::vector<std::pair<std::string_view, std::string_view>> fields) {
  return {shard, std::move(fields)};
}

/// A fresh id per call: "id-0", "id-1" …
std::function<std::string()> counting_ids() {
  auto n = std::make_shared<int>(0);
  return [n] { return "id-" + std::to_string((*n)++); };
}

const std::string binary("\x00\xff\xfe raw \x80 bytes", 15);

std::vector<queue::stream_entry> request_entries() {
  return {
      entry(1, {{field::kind, "post"}, {field::run_id, "r1"}, {field::trace_id, "t1"}, {field::project, "my proj"},
                {field::received_at_us, "17"}, {field::bytes, "40"}, {field::run, R"({"name":"a \"q\"","x":[1,2]})"},
                {"part.attachment.img", binary}, {"part.attachment.img.content_type", "image/png"}}),
      entry(0, {{field::kind, "post"}, {field::run_id, "r2"}, {field::trace_id, "t1"}, {field::project, "my proj"},
                {field::received_at_us, "17"}, {field::bytes, "9"}, {field::run, R"({"n":"é\n"})"}}),
      entry(1, {{field::kind, "patch"}, {field::run_id, "r1"}, {field::trace_id, "t1"}, {field::project, "my proj"},
                {field::received_at_us, "17"}, {field::bytes, "2"}, {field::run, "{}"}}),
      entry(2, {{field::kind, field::langfuse_kind}, {field::entity, "observation"}, {field::body_id, "o/../1"},
                {field::event_id, "e1"}, {field::trace_id, "t9"}, {field::project, "p"}, {field::received_at_us, "17"},
                {field::bytes, "30"}, {field::event, R"({"id":"e1","type":"span-create","body":{"id":"o/../1"}})"}}),
  };
}

TEST(S3First, OneObjectPerEntityInLangfusesLayoutAndAReferencePerEntry) {
  std::deque<std::string> storage;
  auto entries = request_entries();
  auto stored = ingest::store_first(entries, "events/", counting_ids(), storage);
  ASSERT_EQ(stored.objects.size(), 3u);  // run r1 (post + patch), run r2, observation o/../1
  EXPECT_EQ(stored.objects[0].key, "events/my_proj/run/r1/id-0.json");
  EXPECT_EQ(stored.objects[1].key, "events/my_proj/run/r2/id-1.json");
  EXPECT_EQ(stored.objects[2].key, "events/p/observation/o_.._1/id-2.json");
  ASSERT_EQ(stored.references.size(), entries.size());
  const char* expected[][2] = {{"events/my_proj/run/r1/id-0.json", "0"},
                               {"events/my_proj/run/r2/id-1.json", "0"},
                               {"events/my_proj/run/r1/id-0.json", "1"},
                               {"events/p/observation/o_.._1/id-2.json", "0"}};
  for (std::size_t i = 0; i < entries.size(); ++i) {
    const auto& ref = stored.references[i];
    EXPECT_EQ(ref.shard, entries[i].shard) << i;
    std::vector<std::pair<std::string, std::string>> fields(ref.fields.begin(), ref.fields.end());
    std::vector<std::pair<std::string, std::string>> want{
        {"kind", "s3"},          {"object", expected[i][0]}, {"index", expected[i][1]},
        {"trace_id", i == 3 ? "t9" : "t1"}, {"received_at_us", "17"},
        {"bytes", std::string(entries[i].fields[i == 3 ? 7 : 5].second)}};
    EXPECT_EQ(fields, want) << i;
  }
}

TEST(S3First, TheSinkReadsEachObjectBackIntoTheEntriesIngestHad) {
  std::deque<std::string> storage;
  auto entries = request_entries();
  auto stored = ingest::store_first(entries, "", counting_ids(), storage);
  sink::stored_entries reader;
  std::vector<sink::entry_fields> read;
  for (std::size_t i = 0; i < entries.size(); ++i) {
    const auto& ref = stored.references[i];
    std::string key(ref.fields[1].second);
    const ingest::stored_object* object = nullptr;
    for (const auto& o : stored.objects)
      if (o.key == key) object = &o;
    ASSERT_NE(object, nullptr) << key;
    ASSERT_EQ(reader.read(object->body, read), std::nullopt) << object->body;
    queue::stream_message reference{"s", "1-0", {}, 2};
    for (const auto& [n, v] : ref.fields) reference.fields.emplace_back(n, v);
    auto m = sink::stand_in(reference, read.at(std::stoul(std::string(ref.fields[2].second))));
    EXPECT_EQ(m.id, "1-0");
    EXPECT_EQ(m.deliveries, 2u);
    std::vector<std::pair<std::string, std::string>> original(entries[i].fields.begin(), entries[i].fields.end());
    EXPECT_EQ(m.fields, original) << i;
  }
  // The run's JSON is stored as JSON, the attachment as base64 of its bytes.
  EXPECT_NE(stored.objects[0].body.find(R"("run":{"name":"a \"q\"","x":[1,2]})"), std::string::npos);
  EXPECT_NE(stored.objects[0].body.find(R"("part.attachment.img":{"base64":")"), std::string::npos);
}

TEST(S3First, AnObjectThatIsNotIngestsIsRefusedWithItsReason) {
  sink::stored_entries reader;
  std::vector<sink::entry_fields> read;
  EXPECT_NE(reader.read("", read), std::nullopt);
  EXPECT_NE(reader.read("{}", read), std::nullopt);
  EXPECT_NE(reader.read("[1]", read), std::nullopt);
  EXPECT_NE(reader.read(R"([{"run":"not an object"}])", read), std::nullopt);
  EXPECT_NE(reader.read(R"([{"part.x":{"base64":"!!"}}])", read), std::nullopt);
  EXPECT_NE(reader.read(R"([{"kind":"post"}] [])", read), std::nullopt);
  auto problem = reader.read(R"([{"kind":"post"},{"kind":3}])", read);
  ASSERT_TRUE(problem);
  EXPECT_NE(problem->find("entry 1"), std::string::npos) << *problem;
  ASSERT_EQ(reader.read("[]", read), std::nullopt);
  EXPECT_TRUE(read.empty());
}

TEST(S3First, AnEntityIsGroupedWithinItsProjectAndANameThatIsNotUTF8IsMarkedAsTheRowWillBe) {
  std::deque<std::string> storage;
  const std::string bad_name = std::string("part.attachment.a\xff");
  std::vector<queue::stream_entry> entries{
      entry(0, {{field::kind, "post"}, {field::run_id, "r1"}, {field::project, "p1"}, {field::run, "{}"},
                {bad_name, "bytes"}}),
      entry(0, {{field::kind, "patch"}, {field::run_id, "r1"}, {field::project, "p2"}, {field::run, "{}"}}),
  };
  auto stored = ingest::store_first(entries, "", counting_ids(), storage);
  ASSERT_EQ(stored.objects.size(), 2u);  // one run id, two projects: two objects, each under its project
  EXPECT_EQ(stored.objects[0].key, "p1/run/r1/id-0.json");
  EXPECT_EQ(stored.objects[1].key, "p2/run/r1/id-1.json");
  sink::stored_entries reader;
  std::vector<sink::entry_fields> read;
  ASSERT_EQ(reader.read(stored.objects[0].body, read), std::nullopt) << stored.objects[0].body;
  EXPECT_EQ(read.at(0).back().first, "part.attachment.a?");
}

TEST(S3First, PutsHandedOverAfterStopAreAnsweredAtOnce) {
  s3::client_settings never_contacted;
  never_contacted.endpoint = "http://127.0.0.1:1";
  never_contacted.bucket = "b";
  ingest::s3_store store(never_contacted, 2);
  store.stop();
  std::string error = "not answered";
  store.put({{"k", "[]"}}, [&](std::string e) { error = std::move(e); });
  EXPECT_EQ(error, "ingest is stopping");
}

TEST(S3First, KeySegmentsStayReadableAndUUIDsAreVersion4) {
  EXPECT_EQ(ingest::key_segment(""), "_");
  std::string long_id(2000, 'x');
  auto segment = ingest::key_segment(long_id);
  EXPECT_EQ(segment.size(), 128u);
  EXPECT_EQ(segment.substr(0, 111), std::string(111, 'x'));
  EXPECT_NE(segment, ingest::key_segment(long_id + "y"));  // a hash of the whole keeps ids apart
  EXPECT_EQ(ingest::key_segment(".."), "__");
  EXPECT_EQ(ingest::key_segment("a.b-c_D9"), "a.b-c_D9");
  EXPECT_EQ(ingest::key_segment("a/b c\xc3\xa9"), "a_b_c__");
  std::regex v4("[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}");
  auto a = ingest::random_uuid(), b = ingest::random_uuid();
  EXPECT_TRUE(std::regex_match(a, v4)) << a;
  EXPECT_NE(a, b);
}

}  // namespace
}  // namespace tracepipe
