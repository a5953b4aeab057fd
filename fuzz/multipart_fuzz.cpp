// The multipart parser (ingest/multipart) and the runs built from its parts
// (ingest/multipart_runs). Input: the Content-Type header value, "\n", the body.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "fuzz/run_checks.hpp"
#include "ingest/multipart.hpp"
#include "ingest/multipart_runs.hpp"

using namespace tracepipe;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static ingest::run_reader reader(ingest::reader_limits{64, 1000, "default"});
  std::string_view in(reinterpret_cast<const char*>(data), size);
  auto nl = in.find('\n');
  if (nl == std::string_view::npos) return 0;
  auto header = in.substr(0, nl);
  auto body = in.substr(nl + 1);
  auto boundary = ingest::multipart_boundary(header);
  if (auto* r = std::get_if<ingest::rejection>(&boundary)) {
    fuzz::check_rejection(*r);
    return 0;
  }
  const auto& b = std::get<std::string>(boundary);
  FUZZ_CHECK(!b.empty() && b.size() <= 70);
  constexpr std::size_t max_parts = 200;
  std::vector<ingest::multipart_part> parts;
  auto r = ingest::parse_multipart(body, b, max_parts, parts);
  FUZZ_CHECK(parts.size() <= max_parts);
  for (const auto& p : parts) {
    FUZZ_CHECK(!p.name.empty());
    FUZZ_CHECK(fuzz::within(p.name, body));
    FUZZ_CHECK(fuzz::within(p.content_type, body));
    FUZZ_CHECK(fuzz::within(p.body, body));
  }
  if (r) {
    fuzz::check_rejection(*r);
    return 0;
  }
  std::vector<ingest::run_op> ops;
  if (auto r2 = ingest::read_multipart_runs(parts, reader, ops)) {
    fuzz::check_rejection(*r2);
    return 0;
  }
  fuzz::check_ops(ops, body);
  return 0;
}
