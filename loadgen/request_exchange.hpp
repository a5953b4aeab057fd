#pragma once
// The protocol side of one exchange of the load generator: the HTTP request
// written for a prepared request (target, headers, key, compression), and
// whether the target's answer accepts what it carried. load_runner.cpp keeps
// the schedule and the connections; what each protocol sends and answers
// is decided here.
#include <string>
#include <string_view>

#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>

#include "loadgen/request_template.hpp"
#include "loadgen/target_url.hpp"
#include "sink/clickhouse_client.hpp"

namespace tracepipe::loadgen {

/// What every request of a load carries besides its body.
struct request_headers {
  const url_parts* url = nullptr;
  /// The API key's header, none when the key is empty: x-api-key, or for
  /// Langfuse Authorization: Basic base64(langfuse_public_key:key).
  std::string key_field, key_value;
  sink::body_compression compression = sink::body_compression::none;
};

request_headers headers_for(const url_parts& url, loadgen::protocol p, const std::string& api_key,
                            sink::body_compression compression);

/// Fills `req` with `pr`, moving its body in (compressed into `scratch`,
/// swapped, when compression is on). False when compression fails.
bool write_request(boost::beast::http::request<boost::beast::http::string_body>& req, prepared_request& pr,
                   const request_headers& h, std::string& scratch);

/// Whether an answer accepts the request's runs: any 2xx, except an OTLP
/// 200 whose partial_success refuses spans, or a Langfuse 207 whose errors
/// name events (which landed is not counted: none is; the same would be
/// refused again, so it is not resent).
bool answer_accepts(loadgen::protocol p, unsigned status, std::string_view body);

}  // namespace tracepipe::loadgen
