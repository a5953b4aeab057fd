// The stamped request bodies: valid for the ingest's own readers, run ids
// unique across requests, and each patch naming a run posted one request earlier.
#include "loadgen/request_template.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <iostream>
#include <set>
#include <string>
#include <vector>

#include "ingest/run_reader.hpp"

namespace tracepipe::loadgen {
namespace {

using ingest::op_kind;

std::string describe(const std::optional<ingest::rejection>& r) {
  return r ? std::to_string(r->status) + " " + r->error + ": " + r->detail : "accepted";
}

TEST(loadgen_write_uuid, version4_and_distinct) {
  std::set<std::string> seen;
  for (std::uint64_t k = 0; k < 200; ++k)
    for (std::uint32_t slot = 0; slot < 50; ++slot) {
      std::string id(36, '?');
      write_uuid(id.data(), 7, k, slot);
      ASSERT_EQ(id[8], '-');
      ASSERT_EQ(id[14], '4') << id;
      ASSERT_TRUE(std::string("89ab").find(id[19]) != std::string::npos) << id;
      ASSERT_TRUE(seen.insert(id).second) << id;
    }
}

TEST(loadgen_request_plan, batch_post_patch_valid_unique_and_paired) {
  body_options o;
  o.runs_per_request = 20;
  o.runs_per_trace = {3, 3};
  o.ring = 4;
  request_plan plan(o);
  ingest::run_reader reader({});
  std::set<std::string> posted, patched;
  std::set<std::string> posted_before;  // by earlier requests
  std::vector<prepared_request> out;
  for (std::uint64_t k = 0; k < 50; ++k) {
    plan.build(k, out);
    ASSERT_EQ(out.size(), 1u);
    EXPECT_EQ(out[0].target, "/runs/batch");
    std::vector<ingest::run_op> ops;
    auto rej = reader.read_batch(out[0].body, ops);
    ASSERT_FALSE(rej) << "request " << k << ": " << describe(rej);
    ASSERT_EQ(static_cast<int>(ops.size()), out[0].operations);
    int posts = 0;
    for (const auto& op : ops) {
      std::string id(op.run_id);
      if (op.kind == op_kind::post) {
        ++posts;
        EXPECT_TRUE(posted.insert(id).second) << "id reused: " << id;
      } else {
        EXPECT_TRUE(posted_before.count(id)) << "patch of a run not posted by an earlier request: " << id;
        EXPECT_TRUE(patched.insert(id).second) << "patched twice: " << id;
      }
    }
    EXPECT_EQ(posts, 20);
    EXPECT_EQ(out[0].operations, k == 0 ? 20 : 40);
    posted_before = posted;
  }
  EXPECT_EQ(posted.size(), 1000u);
  EXPECT_EQ(patched.size(), 980u);
}

TEST(loadgen_request_plan, multipart_parses_with_unique_ids) {
  body_options o;
  o.endpoint = wire::multipart;
  o.runs_per_request = 10;
  o.pattern = run_pattern::combined;
  request_plan plan(o);
  std::vector<prepared_request> out;
  std::set<std::string> names;
  for (std::uint64_t k = 0; k < 5; ++k) {
    plan.build(k, out);
    ASSERT_EQ(out.size(), 1u);
    EXPECT_EQ(out[0].operations, 20);
    auto boundary = out[0].content_type.substr(out[0].content_type.find("boundary=") + 9);
    auto pos = out[0].body.find("name=\"post.");
    int posts = 0;
    while (pos != std::string::npos) {
      auto id = out[0].body.substr(pos + 11, 36);
      if (out[0].body[pos + 11 + 36] == '"') {
        ++posts;
        EXPECT_TRUE(names.insert(id).second) << id;
        EXPECT_NE(out[0].body.find("name=\"patch." + id + "\""), std::string::npos) << id;
      }
      pos = out[0].body.find("name=\"post.", pos + 1);
    }
    EXPECT_EQ(posts, 10);
  }
}

TEST(loadgen_request_plan, single_posts_then_patches_previous_run) {
  body_options o;
  o.endpoint = wire::single;
  o.runs_per_request = 50;  // forced to 1
  request_plan plan(o);
  ingest::run_reader reader({});
  std::vector<prepared_request> out;
  std::string previous_id;
  for (std::uint64_t k = 0; k < 10; ++k) {
    plan.build(k, out);
    ASSERT_EQ(out.size(), k == 0 ? 1u : 2u);
    EXPECT_EQ(out[0].target, "/runs");
    std::vector<ingest::run_op> ops;
    auto rej = reader.read_single_post(out[0].body, ops);
    ASSERT_FALSE(rej) << describe(rej);
    if (k > 0) {
      EXPECT_EQ(out[1].target, "/runs/" + previous_id);
      EXPECT_STREQ(out[1].method, "PATCH");
      std::vector<ingest::run_op> patch;
      auto r2 = reader.read_patch(out[1].body, previous_id, patch);
      ASSERT_FALSE(r2) << describe(r2);
    }
    previous_id = ops.at(0).run_id;
  }
}

TEST(loadgen_request_plan, stamping_is_cheap) {
  body_options o;
  o.runs_per_request = 100;
  request_plan plan(o);
  std::vector<prepared_request> out;
  auto t0 = std::chrono::steady_clock::now();
  for (std::uint64_t k = 0; k < 2000; ++k) plan.build(k, out);
  double us = std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - t0).count() / 2000;
  // 100k runs/s at batch 100 is 1000 requests/s: even 100 µs each is 10% of a core.
  EXPECT_LT(us, 100.0) << us << " µs per 100-run request";
  std::cout << "build(): " << us << " µs per 100-run batch body (" << out[0].body.size() << " bytes)\n";
}

}  // namespace
}  // namespace tracepipe::loadgen
