#include "loadgen/request_exchange.hpp"

#include "loadgen/otlp_body.hpp"

namespace tracepipe::loadgen {

namespace http = boost::beast::http;

bool write_request(http::request<http::string_body>& req, prepared_request& pr, const request_headers& h,
                   std::string& scratch) {
  req = {};
  req.version(11);
  req.method(pr.method[0] == 'P' && pr.method[1] == 'A' ? http::verb::patch : http::verb::post);
  req.target(h.url->prefix + pr.target);
  req.set(http::field::host, h.url->host);
  req.set(http::field::content_type, pr.content_type);
  if (!h.api_key.empty()) req.set("x-api-key", h.api_key);
  if (h.compression != sink::body_compression::none) {
    if (!sink::compress_body(h.compression, pr.body, scratch)) return false;
    std::swap(pr.body, scratch);
    req.set(http::field::content_encoding, h.compression == sink::body_compression::gzip ? "gzip" : "zstd");
  }
  req.body() = std::move(pr.body);
  req.prepare_payload();
  return true;
}

bool answer_accepts(loadgen::protocol p, unsigned status, std::string_view body) {
  if (status < 200 || status >= 300) return false;
  return p == protocol::langsmith || otlp_rejected_spans(body, otlp_encoding_of(p)) == 0;
}

}  // namespace tracepipe::loadgen
