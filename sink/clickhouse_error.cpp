#include "sink/clickhouse_error.hpp"

#include "common/text.hpp"

#include <algorithm>
#include <charconv>

namespace tracepipe::sink {
namespace {

constexpr std::size_t max_message = 4096;        // error texts go to logs and results, keep them bounded
constexpr std::size_t trailing_window = 65536;   // an appended exception is far shorter than this

bool starts_with(std::string_view s, std::string_view p) { return s.substr(0, p.size()) == p; }

bool is_error_name(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
  });
}

/// Modern messages end in "… (NAME)": moves NAME out of the message.
void split_name(std::string_view& msg, std::string& name) {
  if (msg.empty() || msg.back() != ')') return;
  auto open = msg.rfind('(');
  if (open == std::string_view::npos) return;
  auto candidate = msg.substr(open + 1, msg.size() - open - 2);
  if (!is_error_name(candidate)) return;
  name = std::string(candidate);
  msg = common::trim(msg.substr(0, open));
}

/// Parses an exception starting exactly at "Code: ". `strict` refuses text
/// that matches neither known layout (used when the text might be data).
std::optional<clickhouse_exception> parse_at(std::string_view s, bool strict) {
  constexpr std::string_view code_prefix = "Code: ";
  if (!starts_with(s, code_prefix)) return std::nullopt;
  s.remove_prefix(code_prefix.size());
  clickhouse_exception e;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), e.code);
  if (ec != std::errc{} || e.code <= 0) return std::nullopt;
  s.remove_prefix(static_cast<std::size_t>(end - s.data()));

  std::string_view msg;
  constexpr std::string_view old_sep = ", e.displayText() = ";
  if (starts_with(s, old_sep)) {  // ≤ 20.x
    s.remove_prefix(old_sep.size());
    auto what = s.rfind(", e.what() = ");
    msg = what == std::string_view::npos ? s : s.substr(0, what);
  } else if (starts_with(s, ". ")) {  // ≥ 21.x
    msg = s.substr(2);
  } else if (strict) {
    return std::nullopt;
  } else {
    msg = s;
  }
  msg = common::trim(msg);
  // " (version 24.3.2.23 (official build))" closes the text (19.x–20.x print
  // it too), unless it belongs to a nested exception followed by ". (NAME)".
  auto version = msg.rfind(" (version ");
  if (version != std::string_view::npos && msg.substr(version).find(". (") == std::string_view::npos)
    msg = msg.substr(0, version);
  constexpr std::string_view db_prefix = "DB::Exception: ";
  bool is_db = starts_with(msg, db_prefix);
  if (strict && !is_db) return std::nullopt;
  if (is_db) msg.remove_prefix(db_prefix.size());
  msg = common::trim(msg);
  split_name(msg, e.name);
  // chdb and some proxies wrap the same exception twice: keep the inner text.
  if (starts_with(msg, "Code: ")) {
    if (auto inner = parse_at(msg, true); inner && inner->code == e.code) {
      if (e.name.empty()) e.name = inner->name;
      e.message = std::move(inner->message);
      return e;
    }
  }
  e.message = std::string(msg.substr(0, max_message));
  return e;
}

/// 25.11+: "__exception__TAG\r\n<text>\r\n<size> TAG__exception__" at the end of the body.
std::optional<clickhouse_exception> parse_framed(std::string_view tail) {
  constexpr std::string_view marker = "__exception__";
  tail = common::trim(tail);
  if (tail.size() < 2 * marker.size() || tail.substr(tail.size() - marker.size()) != marker) return std::nullopt;
  auto open = tail.rfind(marker, tail.size() - marker.size() - 1);
  if (open == std::string_view::npos) return std::nullopt;
  auto inner = tail.substr(open + marker.size(), tail.size() - marker.size() - open - marker.size());
  auto line = inner.find('\n');  // skip the tag after the opening marker
  inner = line == std::string_view::npos ? inner : inner.substr(line + 1);
  auto size_line = common::trim(inner).rfind('\n');  // drop the "<size> TAG" line
  if (size_line != std::string_view::npos) inner = common::trim(inner).substr(0, size_line);
  inner = common::trim(inner);
  if (auto code = inner.find("Code: "); code != std::string_view::npos)
    if (auto e = parse_at(inner.substr(code), false)) return e;
  clickhouse_exception e;  // framed but not in a layout we know: still a failure
  e.message = std::string(inner.substr(0, max_message));
  return e;
}

}  // namespace

std::string_view to_string(failure f) {
  switch (f) {
    case failure::none: return "none";
    case failure::retryable: return "retryable";
    case failure::permanent: return "permanent";
    case failure::fatal: return "fatal";
  }
  return "unknown";
}

std::optional<clickhouse_exception> parse_exception(std::string_view body) {
  auto at = body.find("Code: ");
  if (at == std::string_view::npos) return std::nullopt;
  return parse_at(body.substr(at), false);
}

std::optional<clickhouse_exception> find_trailing_exception(std::string_view body) {
  std::size_t window_start = body.size() > trailing_window ? body.size() - trailing_window : 0;
  if (auto framed = parse_framed(body.substr(window_start))) return framed;
  // The last "Code: " at the start of a line; what follows is the exception.
  for (auto at = body.rfind("Code: "); at != std::string_view::npos && at >= window_start;
       at = at == 0 ? std::string_view::npos : body.rfind("Code: ", at - 1)) {
    if (at == 0 || body[at - 1] == '\n') return parse_at(body.substr(at), true);
  }
  return std::nullopt;
}

// The table. Each group says why; everything not listed is retryable.
failure classify_code(int code, std::string_view message) {
  switch (code) {
    // Success in disguise: the block is already in the table.
    case 389:  // INSERT_WAS_DEDUPLICATED
      return failure::none;

    // The rows: a value ClickHouse cannot parse or store. Same bytes, same error.
    case 6:    // CANNOT_PARSE_TEXT
    case 25:   // CANNOT_PARSE_ESCAPE_SEQUENCE
    case 26:   // CANNOT_PARSE_QUOTED_STRING
    case 27:   // CANNOT_PARSE_INPUT_ASSERTION_FAILED
    case 38:   // CANNOT_PARSE_DATE
    case 41:   // CANNOT_PARSE_DATETIME
    case 53:   // TYPE_MISMATCH
    case 70:   // CANNOT_CONVERT_TYPE
    case 72:   // CANNOT_PARSE_NUMBER
    case 33:   // CANNOT_READ_ALL_DATA (a JSONEachRow row cut short)
    case 131:  // TOO_LARGE_STRING_SIZE
    case 349:  // CANNOT_INSERT_NULL_IN_ORDINARY_COLUMN
    case 376:  // CANNOT_PARSE_UUID
    case 407:  // DECIMAL_OVERFLOW
    case 467:  // CANNOT_PARSE_BOOL
    case 675:  // CANNOT_PARSE_IPV4
    case 676:  // CANNOT_PARSE_IPV6
    case 691:  // UNKNOWN_ELEMENT_OF_ENUM
      return failure::permanent;
    case 117:  // INCORRECT_DATA: a bad row, unless it is a field the table lacks (our schema is behind)
      return message.find("Unknown field") != std::string_view::npos ? failure::fatal : failure::permanent;

    // Configuration or our own statement: no retry can fix it, no row is to blame.
    case 16:   // NO_SUCH_COLUMN_IN_TABLE
    case 36:   // BAD_ARGUMENTS
    case 43:   // ILLEGAL_TYPE_OF_ARGUMENT
    case 44:   // ILLEGAL_COLUMN (e.g. writing a MATERIALIZED column)
    case 46:   // UNKNOWN_FUNCTION (e.g. now64 on 18.x)
    case 47:   // UNKNOWN_IDENTIFIER
    case 48:   // NOT_IMPLEMENTED
    case 62:   // SYNTAX_ERROR (the statement is ours; JSONEachRow rows fail with 26/27/117)
    case 73:   // UNKNOWN_FORMAT
    case 89:   // UNKNOWN_COMPRESSION_METHOD ("Unknown Content-Encoding": zstd before 21.1)
    case 115:  // UNKNOWN_SETTING (e.g. async_insert before 21.11)
    case 164:  // READONLY
    case 192:  // UNKNOWN_USER
    case 193:  // WRONG_PASSWORD
    case 194:  // REQUIRED_PASSWORD
    case 195:  // IP_ADDRESS_NOT_ALLOWED
    case 291:  // DATABASE_ACCESS_DENIED
    case 354:  // ZLIB_INFLATE_FAILED (our gzip framing is broken)
    case 452:  // SETTING_CONSTRAINT_VIOLATION
    case 471:  // INVALID_SETTING_VALUE
    case 472:  // READONLY_SETTING
    case 497:  // ACCESS_DENIED
    case 516:  // AUTHENTICATION_FAILED
      return failure::fatal;

    // Transient server state; named so the intent is explicit (the default agrees).
    case 60:   // UNKNOWN_TABLE: our schema vanished; re-run the migration, then retry
    case 81:   // UNKNOWN_DATABASE: likewise
    case 159:  // TIMEOUT_EXCEEDED
    case 202:  // TOO_MANY_SIMULTANEOUS_QUERIES
    case 209:  // SOCKET_TIMEOUT
    case 210:  // NETWORK_ERROR
    case 241:  // MEMORY_LIMIT_EXCEEDED
    case 242:  // TABLE_IS_READ_ONLY (replica lost Keeper)
    case 252:  // TOO_MANY_PARTS
    case 225:  // NO_ZOOKEEPER
    case 999:  // KEEPER_EXCEPTION
    case 319:  // UNKNOWN_STATUS_OF_INSERT (dedup makes the retry safe)
    case 394:  // QUERY_WAS_CANCELLED
    case 236:  // ABORTED
    case 745:  // SERVER_OVERLOADED
    default:
      return failure::retryable;
  }
}

reply_verdict classify(const http_reply& reply) {
  reply_verdict v;
  bool ok_status = reply.status >= 200 && reply.status < 300;
  auto ex = ok_status ? find_trailing_exception(reply.body) : parse_exception(reply.body);
  v.code = reply.exception_code_header != 0 ? reply.exception_code_header : ex ? ex->code : 0;
  if (ex) v.message = ex->message;

  if (v.code != 0) {
    v.kind = classify_code(v.code, v.message);
    if (v.message.empty())
      v.message = "HTTP " + std::to_string(reply.status) + " with exception code " + std::to_string(v.code);
    return v;
  }
  if (ok_status) {
    v.kind = ex ? failure::retryable : failure::none;  // an exception we could not read: retry
    return v;
  }
  long s = reply.status;
  if (s == 401 || s == 403 || s == 404 || s == 405) v.kind = failure::fatal;
  else if (s == 413) v.kind = failure::permanent;
  else v.kind = failure::retryable;  // 5xx, 408, 429 and anything else unexpected
  if (v.message.empty()) {
    auto body = common::trim(reply.body).substr(0, 200);
    v.message = "HTTP " + std::to_string(s) + (body.empty() ? "" : ": " + std::string(body));
  }
  return v;
}

}  // namespace tracepipe::sink
