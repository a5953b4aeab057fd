#pragma once
// What the ClickHouse server behind the sink can do, from `SELECT version()`.
// Each capability names the first release that has it (from ClickHouse's own
// changelogs); where a feature landed late in a cycle we pick the next
// release, so that a "yes" is always safe to act on.
#include <optional>
#include <string>
#include <string_view>

namespace tracepipe::sink {

struct clickhouse_version {
  int major = 0;
  int minor = 0;
  int patch = 0;
  std::string text;  ///< as the server printed it, e.g. "18.16.1" or "24.3.2.23"

  /// "18.16.1", "24.3.2.23", "26.5.1.1" (a trailing newline or spaces are
  /// fine); nullopt for anything without at least major.minor.
  static std::optional<clickhouse_version> parse(std::string_view text);

  /// major.minor is this release or a later one.
  bool at_least(int major, int minor) const;

  /// `async_insert`, `wait_for_async_insert`, `async_insert_busy_timeout_ms`,
  /// `async_insert_max_data_size`: 21.11.
  bool has_async_insert() const;
  /// `insert_deduplication_token` on synchronous inserts: 22.2 (#32304).
  /// Deduplication is per block (token_0, token_1 …), so a retry must send
  /// the same rows in the same order to collapse. Plain MergeTree also needs
  /// `non_replicated_deduplication_window > 0`.
  bool has_insert_deduplication_token() const;
  /// `insert_deduplication_token` honoured together with `async_insert=1`:
  /// 23.7 (#52136). Before that an async insert ignores the token.
  bool has_async_insert_deduplication_token() const;
  /// `async_insert_deduplicate`: 22.12 (#43304, experimental there). Async
  /// inserts are not deduplicated unless it is 1 (26.2 folds it into
  /// `deduplicate_insert`, on by default, and keeps the old name working).
  bool has_async_insert_deduplicate() const;
  /// `Content-Encoding: zstd` on request bodies: 21.1 (#17144). Older
  /// servers answer code 89 "Unknown Content-Encoding"; gzip works on all.
  bool has_zstd_request_bodies() const;
  /// `now64()` and `DateTime64`: 20.1.
  bool has_now64() const;
  /// `toUnixTimestamp64Micro`: 20.5 (#10923); needed with now64 for a
  /// microsecond UInt64 clock.
  bool has_unix_timestamp64() const;

  /// The expression for "now, as UInt64 microseconds since the epoch" with
  /// the best clock the server has: `toUnixTimestamp64Micro(now64(6))`
  /// from 20.5, else `toUInt64(now()) * 1000000` (whole seconds).
  std::string_view now_micros_expression() const;
};

}  // namespace tracepipe::sink
