// The ClickHouse response/error parser (sink/clickhouse_error) and the
// version parser (sink/clickhouse_version). Input: 2 bytes of HTTP status,
// 2 of X-ClickHouse-Exception-Code, then the body.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "fuzz/fuzz_check.hpp"
#include "sink/clickhouse_error.hpp"
#include "sink/clickhouse_version.hpp"

using namespace tracepipe;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 4) return 0;
  long status = 100 + (data[0] | (data[1] << 8)) % 500;
  int header_code = data[2] | (data[3] << 8);
  std::string_view body(reinterpret_cast<const char*>(data) + 4, size - 4);

  if (auto e = sink::parse_exception(body)) {
    FUZZ_CHECK(body.find("Code: ") != std::string_view::npos || body.find("Code:") != std::string_view::npos);
    (void)sink::classify_code(e->code, e->message);
  }
  (void)sink::find_trailing_exception(body);
  auto v = sink::classify({status, body, header_code});
  FUZZ_CHECK(!sink::to_string(v.kind).empty());
  // Success: a 2xx without exception, or INSERT_WAS_DEDUPLICATED (389).
  if (v.kind == sink::failure::none && v.code != 389) FUZZ_CHECK(v.code == 0 && status >= 200 && status < 300);
  if (v.code != 0 && v.code != 389) FUZZ_CHECK(v.kind != sink::failure::none && !v.message.empty());

  if (auto ver = sink::clickhouse_version::parse(body)) {
    FUZZ_CHECK(ver->major >= 0 && ver->minor >= 0 && ver->patch >= 0);
    FUZZ_CHECK(ver->at_least(ver->major, ver->minor));
    (void)ver->has_async_insert();
    (void)ver->has_insert_deduplication_token();
    (void)ver->has_async_insert_deduplication_token();
    (void)ver->has_async_insert_deduplicate();
    (void)ver->has_zstd_request_bodies();
    FUZZ_CHECK(!ver->now_micros_expression().empty());
  }
  return 0;
}
