#pragma once
// Request bodies in each wire format the ingest API accepts (../shared/API.md);
// OTLP's are otlp_body.hpp's.
#include <string>
#include <vector>

#include "loadgen/run_factory.hpp"

namespace tracepipe::loadgen {

/// Whose API the requests speak (`--protocol`): LangSmith's run endpoints
/// (`wire` picks which), OTLP/HTTP trace exports in protobuf or JSON
/// (otlp_body.hpp), each run a span carrying its end, or Langfuse's
/// ingestion batches (langfuse_body.hpp).
enum class protocol { langsmith, otlp_proto, otlp_json, langfuse };

enum class wire { single, batch, multipart };

/// {"post": [...], "patch": [...]}
std::string batch_body(const std::vector<generated_run>& posts, const std::vector<generated_run>& patches);

/// How a multipart part declares its length: JS SDK style (`; length=N` on
/// the Content-Type) or Python SDK style (a Content-Length part header).
enum class part_length_style { js, python };

struct multipart_body {
  std::string boundary;
  std::string body;
  std::string content_type() const { return "multipart/form-data; boundary=" + boundary; }
};

struct attachment {
  std::string name;
  std::string content_type;
  std::string bytes;
};

/// post.<id> without inputs + post.<id>.inputs; patch.<id> without outputs +
/// patch.<id>.outputs; attachments go with the posts.
class multipart_builder {
 public:
  explicit multipart_builder(std::string boundary, part_length_style style = part_length_style::js)
      : boundary_(std::move(boundary)), style_(style) {}
  void part(const std::string& name, const std::string& content_type, const std::string& bytes);
  void post(const generated_run& run, const std::vector<attachment>& attachments = {});
  void patch(const generated_run& run);
  multipart_body finish();

 private:
  std::string boundary_;
  part_length_style style_;
  std::string body_;
};

}  // namespace tracepipe::loadgen
