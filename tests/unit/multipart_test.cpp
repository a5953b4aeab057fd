#include "ingest/multipart.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace tracepipe::ingest {
namespace {

constexpr std::string_view boundary = "2d9c4a0e5f1b4c6d8e7f9a0b1c2d3e4f";

/// One part as the Python SDK frames it: a Content-Length part header.
std::string python_part(std::string_view name, std::string_view type, std::string_view data) {
  return "--" + std::string(boundary) + "\r\nContent-Disposition: form-data; name=\"" + std::string(name) +
         "\"\r\nContent-Type: " + std::string(type) + "\r\nContent-Length: " + std::to_string(data.size()) +
         "\r\n\r\n" + std::string(data) + "\r\n";
}

/// One part as the JS SDK frames it: `; length=N` on the Content-Type.
std::string js_part(std::string_view name, std::string_view type, std::string_view data) {
  return "--" + std::string(boundary) + "\r\nContent-Disposition: form-data; name=\"" + std::string(name) +
         "\"\r\nContent-Type: " + std::string(type) + "; length=" + std::to_string(data.size()) + "\r\n\r\n" +
         std::string(data) + "\r\n";
}

/// A part with the given raw header lines.
std::string raw_part(std::string_view headers, std::string_view data) {
  return "--" + std::string(boundary) + "\r\n" + std::string(headers) + "\r\n\r\n" + std::string(data) + "\r\n";
}

std::string close_delimiter() { return "--" + std::string(boundary) + "--\r\n"; }

std::vector<multipart_part> parse_ok(std::string_view body, std::size_t max_parts = 100) {
  std::vector<multipart_part> parts;
  auto error = parse_multipart(body, boundary, max_parts, parts);
  EXPECT_FALSE(error) << error->detail;
  return parts;
}

rejection parse_error(std::string_view body, std::size_t max_parts = 100) {
  std::vector<multipart_part> parts;
  auto error = parse_multipart(body, boundary, max_parts, parts);
  EXPECT_TRUE(error);
  return error.value_or(rejection{});
}

void expect_invalid(const rejection& r, std::string_view part, std::string_view what) {
  EXPECT_EQ(r.status, 400u);
  EXPECT_EQ(r.error, "invalid_multipart");
  EXPECT_NE(r.detail.find(part), std::string::npos) << r.detail;
  EXPECT_NE(r.detail.find(what), std::string::npos) << r.detail;
}

TEST(multipart_boundary, reads_token_and_quoted_values) {
  auto b = multipart_boundary("multipart/form-data; boundary=abc123");
  ASSERT_TRUE(std::holds_alternative<std::string>(b));
  EXPECT_EQ(std::get<std::string>(b), "abc123");
  b = multipart_boundary(" Multipart/Form-Data ;charset=utf-8; BOUNDARY=\"----x;y z\"");
  ASSERT_TRUE(std::holds_alternative<std::string>(b));
  EXPECT_EQ(std::get<std::string>(b), "----x;y z");
  b = multipart_boundary("multipart/form-data; boundary=" + std::string(70, 'b'));
  EXPECT_TRUE(std::holds_alternative<std::string>(b));
}

TEST(multipart_boundary, refuses_other_media_types_and_bad_boundaries) {
  auto status = [](std::string_view header) {
    auto b = multipart_boundary(header);
    return std::holds_alternative<rejection>(b) ? std::get<rejection>(b).status : 0u;
  };
  EXPECT_EQ(status("application/json"), 415u);
  EXPECT_EQ(status("multipart/mixed; boundary=x"), 415u);
  EXPECT_EQ(status(""), 415u);
  EXPECT_EQ(status("multipart/form-data"), 400u);
  EXPECT_EQ(status("multipart/form-data; charset=utf-8"), 400u);
  EXPECT_EQ(status("multipart/form-data; boundary="), 400u);
  EXPECT_EQ(status("multipart/form-data; boundary=\"\""), 400u);
  EXPECT_EQ(status("multipart/form-data; boundary=" + std::string(71, 'b')), 400u);
  EXPECT_EQ(status("multipart/form-data; boundary=\"ab\rc\""), 400u);
  EXPECT_EQ(status("multipart/form-data; boundary=\"unterminated"), 400u);
  EXPECT_EQ(std::get<rejection>(multipart_boundary("text/plain")).error, "unsupported_media_type");
  EXPECT_EQ(std::get<rejection>(multipart_boundary("multipart/form-data")).error, "invalid_multipart");
}

TEST(parse_multipart, python_sdk_body) {
  std::string run = R"({"id":"r1","trace_id":"r1","dotted_order":"20240101T000000000000Zr1"})";
  std::string body = python_part("post.r1", "application/json", run) +
                     python_part("post.r1.inputs", "application/json", R"({"q":"hi"})") +
                     python_part("attachment.r1.image", "image/png", "\x89PNG\r\n\x1a\n") + close_delimiter();
  auto parts = parse_ok(body);
  ASSERT_EQ(parts.size(), 3u);
  EXPECT_EQ(parts[0].name, "post.r1");
  EXPECT_EQ(parts[0].content_type, "application/json");
  EXPECT_EQ(parts[0].body, run);
  EXPECT_EQ(parts[1].name, "post.r1.inputs");
  EXPECT_EQ(parts[1].body, R"({"q":"hi"})");
  EXPECT_EQ(parts[2].name, "attachment.r1.image");
  EXPECT_EQ(parts[2].content_type, "image/png");
  EXPECT_EQ(parts[2].body, "\x89PNG\r\n\x1a\n");
  EXPECT_EQ(parts[0].body.data(), body.data() + body.find(run));  // views, not copies
}

TEST(parse_multipart, js_sdk_body) {
  std::string body = js_part("post.r1", "application/json", R"({"id":"r1"})") +
                     js_part("patch.r1.outputs", "application/json", R"({"a":1})") + close_delimiter();
  auto parts = parse_ok(body);
  ASSERT_EQ(parts.size(), 2u);
  EXPECT_EQ(parts[0].content_type, "application/json");
  EXPECT_EQ(parts[0].body, R"({"id":"r1"})");
  EXPECT_EQ(parts[1].name, "patch.r1.outputs");
  EXPECT_EQ(parts[1].body, R"({"a":1})");
}

TEST(parse_multipart, binary_bytes_that_look_like_delimiters) {
  std::string tricky = std::string("\r\n--\r\n\r\n--") + std::string(boundary.substr(0, 10)) + "\r\n" +
                       std::string(boundary) + "--\r\n-" + std::string(boundary) + std::string("\0\xff\r", 3);
  std::string body = python_part("attachment.r1.blob", "application/octet-stream", tricky) +
                     js_part("attachment.r1.other", "application/octet-stream", tricky) + close_delimiter();
  auto parts = parse_ok(body);
  ASSERT_EQ(parts.size(), 2u);
  EXPECT_EQ(parts[0].body, tricky);
  EXPECT_EQ(parts[1].body, tricky);
}

TEST(parse_multipart, preamble_epilogue_and_transport_padding) {
  std::string body = "This is a preamble.\r\n--not-it\r\n" + python_part("post.r1", "application/json", "{}");
  body += "--" + std::string(boundary) + " \t\r\n" + "Content-Disposition: form-data; name=\"patch.r1\"\r\n\r\n{}\r\n";
  body += close_delimiter() + "epilogue --" + std::string(boundary) + " is ignored\r\n";
  auto parts = parse_ok(body);
  ASSERT_EQ(parts.size(), 2u);
  EXPECT_EQ(parts[0].name, "post.r1");
  EXPECT_EQ(parts[1].name, "patch.r1");
  EXPECT_EQ(parts[1].content_type, "");
  EXPECT_EQ(parts[1].body, "{}");
}

TEST(parse_multipart, header_names_and_parameters) {
  std::string body =
      raw_part("content-disposition: form-data; name=unquoted.name\r\nCONTENT-TYPE: Application/JSON ; length=2", "{}") +
      raw_part("Content-Disposition: form-data; filename=\"a.png\"; name=\"after.filename\"\r\nX-Other: ignored", "x") +
      raw_part("Content-Disposition:form-data;name=\"weird ;= name\";filename=b", "y") + close_delimiter();
  auto parts = parse_ok(body);
  ASSERT_EQ(parts.size(), 3u);
  EXPECT_EQ(parts[0].name, "unquoted.name");
  EXPECT_EQ(parts[0].content_type, "Application/JSON");
  EXPECT_EQ(parts[1].name, "after.filename");
  EXPECT_EQ(parts[2].name, "weird ;= name");
}

TEST(parse_multipart, empty_part_bodies_and_no_parts) {
  std::string body = python_part("post.r1.error", "application/json", "") +
                     js_part("post.r1.events", "application/json", "") + close_delimiter();
  auto parts = parse_ok(body);
  ASSERT_EQ(parts.size(), 2u);
  EXPECT_TRUE(parts[0].body.empty());
  EXPECT_TRUE(parts[1].body.empty());
  EXPECT_TRUE(parse_ok(close_delimiter()).empty());
}

TEST(parse_multipart, many_parts_up_to_max) {
  std::string body;
  for (int i = 0; i < 5000; ++i) body += python_part("post.run" + std::to_string(i), "application/json", "{}");
  body += close_delimiter();
  auto parts = parse_ok(body, 5000);
  ASSERT_EQ(parts.size(), 5000u);
  EXPECT_EQ(parts[4999].name, "post.run4999");
  auto too_many = parse_error(body, 4999);
  EXPECT_EQ(too_many.status, 413u);
  EXPECT_EQ(too_many.error, "too_many_parts");
  EXPECT_NE(too_many.detail.find("4999"), std::string::npos) << too_many.detail;
}

TEST(parse_multipart, framing_errors) {
  auto part = python_part("post.r1", "application/json", "{}");
  auto r = parse_error("no delimiter here");
  EXPECT_EQ(r.status, 400u);
  EXPECT_NE(r.detail.find("opening delimiter"), std::string::npos) << r.detail;
  EXPECT_EQ(parse_error("").status, 400u);
  expect_invalid(parse_error(part + part), "part 2 (\"post.r1\")", "closing delimiter");
  auto cut = python_part("post.r2", "application/json", "{}");
  expect_invalid(parse_error(part + cut.substr(0, cut.size() - 3)), "part 2 (\"post.r2\")", "closing delimiter");
  expect_invalid(parse_error(part + "--" + std::string(boundary) + "X\r\n"), "part 2", "not followed by CRLF");
  expect_invalid(parse_error(part + "--" + std::string(boundary) + "\r\nContent-Disposition: form-data; name=a"),
                 "part 2", "headers not terminated");
}

TEST(parse_multipart, header_errors_name_the_part) {
  auto first = python_part("post.r1", "application/json", "{}");
  auto with = [&](std::string_view headers) { return parse_error(first + raw_part(headers, "{}") + close_delimiter()); };
  expect_invalid(with("Content-Type: application/json"), "part 2", "no Content-Disposition");
  expect_invalid(with("Content-Disposition: attachment; name=\"x\""), "part 2", "not form-data");
  expect_invalid(with("Content-Disposition: form-data; filename=\"x\""), "part 2", "no name");
  expect_invalid(with("Content-Disposition: form-data; name=\"\""), "part 2", "no name");
  expect_invalid(with("Content-Disposition: form-data; name=\"x"), "part 2", "malformed Content-Disposition");
  expect_invalid(with("Content-Disposition: form-data; name=\"x\"\r\nno colon"), "part 2", "without ':'");
  expect_invalid(with("Content-Disposition: form-data; name=\"x\"\r\nBad Name: 1"), "part 2", "invalid header name");
  expect_invalid(with("Content-Disposition: form-data; name=\"x\"\r\ncontent-disposition: form-data; name=y"),
                 "part 2", "duplicate");
  expect_invalid(with("Content-Disposition: form-data; name=\"x\"\r\nContent-Length: 12a"), "part 2 (\"x\")",
                 "Content-Length is not a number");
  expect_invalid(with("Content-Disposition: form-data; name=\"x\"\r\nContent-Type: a/b; length=-1"), "part 2 (\"x\")",
                 "length parameter is not a number");
  expect_invalid(with("Content-Disposition: form-data; name=\"x\"\r\nX-Big: " + std::string(9000, 'v')), "part 2",
                 "over 8 KiB");
  std::string big_header = "Content-Disposition: form-data; name=\"x\"\r\nX-Big: ";
  big_header += std::string(max_part_header_bytes - big_header.size(), 'v');
  EXPECT_EQ(parse_ok(first + raw_part(big_header, "{}") + close_delimiter()).size(), 2u);  // exactly 8 KiB is fine
}

TEST(parse_multipart, declared_length_must_match) {
  auto first = python_part("post.r1", "application/json", "{}");
  auto r = parse_error(first + raw_part("Content-Disposition: form-data; name=\"post.r2\"\r\nContent-Length: 5", "{}") +
                       close_delimiter());
  expect_invalid(r, "part 2 (\"post.r2\")", "Content-Length declares 5 bytes but the part has 2");
  r = parse_error(raw_part("Content-Disposition: form-data; name=\"patch.r1\"\r\nContent-Type: application/json; length=1",
                           "{}") +
                  close_delimiter());
  expect_invalid(r, "part 1 (\"patch.r1\")", "Content-Type length declares 1 bytes but the part has 2");
}

TEST(parse_multipart, truncated_at_every_offset_is_refused) {
  std::string body = "preamble\r\n" + python_part("post.r1", "application/json", R"({"id":"r1"})") +
                     js_part("attachment.r1.a", "text/plain", "a\r\n--b") +
                     python_part("post.r1.inputs", "application/json", "") + close_delimiter();
  ASSERT_EQ(parse_ok(body).size(), 3u);
  const std::size_t closed_at = body.size() - 2;  // only the CRLF after the close delimiter may go
  for (std::size_t n = 0; n < body.size(); ++n) {
    std::vector<multipart_part> parts;
    auto error = parse_multipart(std::string_view(body).substr(0, n), boundary, 100, parts);
    if (n >= closed_at) {
      EXPECT_FALSE(error) << "n=" << n;
    } else {
      ASSERT_TRUE(error) << "n=" << n;
      EXPECT_EQ(error->status, 400u) << "n=" << n;
    }
  }
}

}  // namespace
}  // namespace tracepipe::ingest
