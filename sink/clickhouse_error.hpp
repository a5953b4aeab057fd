#pragma once
// What a ClickHouse HTTP answer means for the sink: the exception it carries
// (both text formats) and whether to retry it, drop the rows, or stop.
// Pure functions: no I/O, unit-tested with bodies captured from real servers.
#include <optional>
#include <string>
#include <string_view>

namespace tracepipe::sink {

/// What the caller should do with a request that did not succeed.
enum class failure {
  none,       ///< success: the server accepted the request
  retryable,  ///< transient (overload, network, too many parts, schema gone, unknown code):
              ///< keep the rows pending and send the same request again after a backoff
  permanent,  ///< the rows themselves are bad (ClickHouse cannot parse or store a value):
              ///< resending fails the same way; split the batch and dead-letter the bad rows
  fatal,      ///< the request can never succeed as configured, but the rows are not at fault
              ///< (credentials, permissions, unknown setting, our statement's syntax, an
              ///< unsupported Content-Encoding): keep the rows, stop and tell the operator
};

/// "none", "retryable", "permanent", "fatal".
std::string_view to_string(failure f);

/// One exception as ClickHouse printed it.
struct clickhouse_exception {
  int code = 0;
  std::string name;     ///< "UNKNOWN_TABLE": printed by 21.x and later only
  std::string message;  ///< the text after "DB::Exception: ", without name and version
};

/// Finds an exception in a response body, in either format:
///   ≤ 20.x: "Code: 27, e.displayText() = DB::Exception: MSG, e.what() = DB::Exception"
///   ≥ 21.x: "Code: 27. DB::Exception: MSG. (CANNOT_PARSE_INPUT_ASSERTION_FAILED) (version 24.3.2.23 (official build))"
/// The first "Code: N" in the body wins (error bodies hold one exception).
std::optional<clickhouse_exception> parse_exception(std::string_view body);

/// An exception appended to a body that began as data (HTTP 200): ClickHouse
/// does that when it fails after sending headers. Recognises the last line(s)
/// starting with "Code: N" in either format, and the 25.11+ framing
/// "__exception__TAG … TAG__exception__". A SELECT whose own last row starts
/// with such text is reported as failed too: select exception texts in a
/// JSON format, where they are quoted.
std::optional<clickhouse_exception> find_trailing_exception(std::string_view body);

/// Classification of a server exception code (see the table in the .cpp).
/// Codes we do not know are retryable: never drop data on an error we don't understand.
failure classify_code(int code, std::string_view message = {});

/// One HTTP exchange that produced a response, as classification needs it.
struct http_reply {
  long status = 0;
  std::string_view body;
  int exception_code_header = 0;  ///< X-ClickHouse-Exception-Code (20.x+), 0 when absent
};

/// The verdict on one response.
struct reply_verdict {
  failure kind = failure::none;
  int code = 0;         ///< ClickHouse exception code, 0 when none was found
  std::string message;  ///< exception message, or a short description of the HTTP status
};

/// Classifies a response (transport errors never get here: they are retryable).
/// Status 2xx without exception → none; any exception code → classify_code;
/// 5xx, 408, 429 without a code → retryable; 401/403/404/405 without a code →
/// fatal (a proxy or a wrong URL); 413 → permanent (split the batch); other
/// statuses without a code → retryable.
reply_verdict classify(const http_reply& reply);

}  // namespace tracepipe::sink
