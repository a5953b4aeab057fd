#include "loadgen/request_exchange.hpp"

#include "common/base64.hpp"
#include "loadgen/langfuse_body.hpp"
#include "loadgen/otlp_body.hpp"

namespace tracepipe::loadgen {

namespace http = boost::beast::http;

request_headers headers_for(const url_parts& url, loadgen::protocol p, const std::string& api_key,
                            sink::body_compression compression) {
  request_headers h{&url, {}, {}, compression};
  if (api_key.empty()) return h;
  if (p != protocol::langfuse) {
    h.key_field = "x-api-key";
    h.key_value = api_key;
    return h;
  }
  h.key_field = "authorization";
  h.key_value = "Basic ";
  common::append_base64(h.key_value, std::string(langfuse_public_key) + ":" + api_key);
  return h;
}

bool write_request(http::request<http::string_body>& req, prepared_request& pr, const request_headers& h,
                   std::string& scratch) {
  req = {};
  req.version(11);
  req.method(pr.method[0] == 'P' && pr.method[1] == 'A' ? http::verb::patch : http::verb::post);
  req.target(h.url->prefix + pr.target);
  req.set(http::field::host, h.url->host);
  req.set(http::field::content_type, pr.content_type);
  if (!h.key_field.empty()) req.set(h.key_field, h.key_value);
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
  if (p == protocol::langfuse) return langfuse_all_accepted(body);
  return p == protocol::langsmith || otlp_rejected_spans(body, otlp_encoding_of(p)) == 0;
}

}  // namespace tracepipe::loadgen
