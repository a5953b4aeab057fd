#pragma once
// The one check of a refused input, shared by the run reader's and the
// multipart reader's tables of bad inputs: the status, the error code and
// the detail a client is answered with (or its start, where the rest is the
// JSON parser's own words).
#include <gtest/gtest.h>

#include <optional>
#include <string>

#include "ingest/rejection.hpp"

namespace tracepipe::ingest {

inline void expect_rejection(const std::optional<rejection>& r, unsigned status, const std::string& error,
                             const std::string& detail, bool prefix_only) {
  ASSERT_TRUE(r) << "accepted";
  EXPECT_EQ(r->status, status);
  EXPECT_EQ(r->error, error);
  if (prefix_only)
    EXPECT_EQ(r->detail.substr(0, detail.size()), detail) << r->detail;
  else
    EXPECT_EQ(r->detail, detail);
}

}  // namespace tracepipe::ingest
