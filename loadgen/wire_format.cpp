#include "loadgen/wire_format.hpp"

#include <fmt/format.h>

namespace tracepipe::loadgen {

std::string batch_body(const std::vector<generated_run>& posts, const std::vector<generated_run>& patches) {
  std::string out = R"({"post":[)";
  for (std::size_t i = 0; i < posts.size(); ++i) out += (i ? "," : "") + posts[i].post_json();
  out += R"(],"patch":[)";
  for (std::size_t i = 0; i < patches.size(); ++i) out += (i ? "," : "") + patches[i].patch_json();
  return out + "]}";
}

void multipart_builder::part(const std::string& name, const std::string& content_type, const std::string& bytes) {
  body_ += fmt::format("--{}\r\nContent-Disposition: form-data; name=\"{}\"\r\n", boundary_, name);
  if (style_ == part_length_style::js)
    body_ += fmt::format("Content-Type: {}; length={}\r\n\r\n", content_type, bytes.size());
  else
    body_ += fmt::format("Content-Type: {}\r\nContent-Length: {}\r\n\r\n", content_type, bytes.size());
  body_ += bytes;
  body_ += "\r\n";
}

void multipart_builder::post(const generated_run& run, const std::vector<attachment>& attachments) {
  part("post." + run.id, "application/json", run.post_json(false));
  part("post." + run.id + ".inputs", "application/json", run.inputs_json);
  for (const auto& a : attachments) part("attachment." + run.id + "." + a.name, a.content_type, a.bytes);
}

void multipart_builder::patch(const generated_run& run) {
  part("patch." + run.id, "application/json", run.patch_json(false));
  part("patch." + run.id + ".outputs", "application/json", run.outputs_json);
}

multipart_body multipart_builder::finish() {
  body_ += "--" + boundary_ + "--\r\n";
  return {boundary_, std::move(body_)};
}

}  // namespace tracepipe::loadgen
