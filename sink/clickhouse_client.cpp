#include "sink/clickhouse_client.hpp"

#include "common/text.hpp"
#include "common/url_text.hpp"

#include <curl/curl.h>
#include <zlib.h>
#include <zstd.h>

#include <cstdlib>
#include <cstring>
#include <mutex>

namespace tracepipe::sink {

clickhouse_settings client_settings(const config::clickhouse_settings& c, std::size_t replica) {
  return {c.urls.at(replica), c.user, c.password, c.timeout, c.ca_file};
}

std::string urls_text(const config::clickhouse_settings& c) {
  std::string out;
  for (const auto& u : c.urls) out += (out.empty() ? "" : ",") + u;
  return out;
}

namespace {

/// One deflate stream per thread, reset per body: deflateInit2 allocates ~256 KiB.
struct gzip_stream {
  z_stream z{};
  bool ready = false;
  gzip_stream() { ready = deflateInit2(&z, Z_BEST_SPEED, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) == Z_OK; }
  ~gzip_stream() {
    if (ready) deflateEnd(&z);
  }
};

bool gzip(std::string_view in, std::string& out) {
  thread_local gzip_stream s;
  if (!s.ready || deflateReset(&s.z) != Z_OK) return false;
  out.resize(deflateBound(&s.z, in.size()));
  s.z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  s.z.avail_in = static_cast<uInt>(in.size());
  s.z.next_out = reinterpret_cast<Bytef*>(out.data());
  s.z.avail_out = static_cast<uInt>(out.size());
  if (deflate(&s.z, Z_FINISH) != Z_STREAM_END) return false;
  out.resize(s.z.total_out);
  return true;
}

bool zstd(std::string_view in, std::string& out) {
  thread_local std::unique_ptr<ZSTD_CCtx, decltype(&ZSTD_freeCCtx)> ctx{ZSTD_createCCtx(), ZSTD_freeCCtx};
  if (!ctx) return false;
  out.resize(ZSTD_compressBound(in.size()));
  std::size_t n = ZSTD_compressCCtx(ctx.get(), out.data(), out.size(), in.data(), in.size(), 1);
  if (ZSTD_isError(n)) return false;
  out.resize(n);
  return true;
}

void replace_all(std::string& s, std::string_view what, std::string_view with) {
  if (what.empty()) return;
  for (auto at = s.find(what); at != std::string::npos; at = s.find(what, at + with.size()))
    s.replace(at, what.size(), with);
}

}  // namespace

bool compress_body(body_compression method, std::string_view in, std::string& out) {
  switch (method) {
    case body_compression::gzip: return gzip(in, out);
    case body_compression::zstd: return zstd(in, out);
    case body_compression::none: break;
  }
  out.assign(in);
  return true;
}

struct clickhouse_client::handle {
  CURL* curl = nullptr;
  char error[CURL_ERROR_SIZE] = {};
  std::string body;
  int exception_code = 0;  ///< from the X-ClickHouse-Exception-Code header
  std::string base_url;    ///< settings.url, ending in "?" or "&"

  ~handle() {
    if (curl) curl_easy_cleanup(curl);
  }

  static std::size_t on_body(char* data, std::size_t size, std::size_t n, void* self) {
    static_cast<handle*>(self)->body.append(data, size * n);
    return size * n;
  }
  static std::size_t on_header(char* data, std::size_t size, std::size_t n, void* self) {
    std::string_view line(data, size * n);
    constexpr std::string_view name = "X-ClickHouse-Exception-Code:";
    if (common::istarts_with(line, name)) {
      line.remove_prefix(name.size());
      static_cast<handle*>(self)->exception_code = std::atoi(std::string(line).c_str());
    }
    return size * n;
  }
};

clickhouse_client::clickhouse_client(clickhouse_settings settings)
    : settings_(std::move(settings)), handle_(std::make_unique<handle>()) {
  // curl_global_init is not thread-safe on every build: run it once, before any handle.
  static std::once_flag global_init;
  std::call_once(global_init, [] { curl_global_init(CURL_GLOBAL_ALL); });

  auto& h = *handle_;
  h.base_url = settings_.url;
  if (h.base_url.find('?') == std::string::npos) {
    auto scheme = h.base_url.find("://");
    auto path = h.base_url.find('/', scheme == std::string::npos ? 0 : scheme + 3);
    if (path == std::string::npos) h.base_url += '/';
    h.base_url += '?';
  } else if (h.base_url.back() != '?' && h.base_url.back() != '&') {
    h.base_url += '&';
  }

  h.curl = curl_easy_init();
  if (!h.curl) return;  // every request then reports a retryable failure
  long timeout = static_cast<long>(settings_.timeout.count());
  curl_easy_setopt(h.curl, CURLOPT_NOSIGNAL, 1L);  // worker threads: no SIGALRM for DNS timeouts
  curl_easy_setopt(h.curl, CURLOPT_TIMEOUT_MS, timeout);
  curl_easy_setopt(h.curl, CURLOPT_CONNECTTIMEOUT_MS, timeout);
  curl_easy_setopt(h.curl, CURLOPT_TCP_KEEPALIVE, 1L);
  curl_easy_setopt(h.curl, CURLOPT_TCP_NODELAY, 1L);
  curl_easy_setopt(h.curl, CURLOPT_ERRORBUFFER, h.error);
  curl_easy_setopt(h.curl, CURLOPT_WRITEFUNCTION, &handle::on_body);
  curl_easy_setopt(h.curl, CURLOPT_WRITEDATA, &h);
  curl_easy_setopt(h.curl, CURLOPT_HEADERFUNCTION, &handle::on_header);
  curl_easy_setopt(h.curl, CURLOPT_HEADERDATA, &h);
  curl_easy_setopt(h.curl, CURLOPT_USERAGENT, "tracepipe-sink");
#if LIBCURL_VERSION_NUM >= 0x075500
  curl_easy_setopt(h.curl, CURLOPT_PROTOCOLS_STR, "http,https");
#else
  curl_easy_setopt(h.curl, CURLOPT_PROTOCOLS, CURLPROTO_HTTP | CURLPROTO_HTTPS);
#endif
  if (!settings_.ca_file.empty()) {
    // Exactly this bundle: not also the CA directory libcurl was built with (/etc/ssl/certs on Debian).
    curl_easy_setopt(h.curl, CURLOPT_CAINFO, settings_.ca_file.c_str());
    curl_easy_setopt(h.curl, CURLOPT_CAPATH, static_cast<char*>(nullptr));
  }
}

clickhouse_client::~clickhouse_client() = default;

std::string clickhouse_client::url_with(const query_settings& params) const {
  std::string url = handle_->base_url;
  bool first = true;
  for (const auto& [key, value] : params) {
    if (!first) url += '&';
    first = false;
    url += common::percent_encode(key);
    url += '=';
    url += common::percent_encode(value);
  }
  return url;
}

clickhouse_result clickhouse_client::post(const std::string& url, std::string_view body,
                                          std::string_view content_encoding) {
  clickhouse_result r;
  auto& h = *handle_;
  if (!h.curl) {
    r.kind = failure::retryable;
    r.message = "curl_easy_init failed";
    return r;
  }
  h.body.clear();
  h.exception_code = 0;
  h.error[0] = '\0';

  std::string user = "X-ClickHouse-User: " + settings_.user;
  std::string key = "X-ClickHouse-Key: " + settings_.password;
  std::string encoding = "Content-Encoding: " + std::string(content_encoding);
  curl_slist* headers = curl_slist_append(nullptr, user.c_str());
  if (!settings_.password.empty()) headers = curl_slist_append(headers, key.c_str());
  if (!content_encoding.empty()) headers = curl_slist_append(headers, encoding.c_str());
  headers = curl_slist_append(headers, "Expect:");  // no 100-continue round trip on big batches
  headers = curl_slist_append(headers, "Content-Type: text/plain; charset=UTF-8");

  curl_easy_setopt(h.curl, CURLOPT_URL, url.c_str());
  curl_easy_setopt(h.curl, CURLOPT_POST, 1L);
  curl_easy_setopt(h.curl, CURLOPT_POSTFIELDS, body.data());
  curl_easy_setopt(h.curl, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));
  curl_easy_setopt(h.curl, CURLOPT_HTTPHEADER, headers);

  auto start = std::chrono::steady_clock::now();
  CURLcode rc = curl_easy_perform(h.curl);
  r.latency = std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - start);
  curl_easy_setopt(h.curl, CURLOPT_HTTPHEADER, nullptr);
  curl_slist_free_all(headers);

  if (rc != CURLE_OK) {
    // No answer (refused, reset, timeout, TLS): the server never judged the rows.
    r.kind = failure::retryable;
    r.message = std::string("ClickHouse unreachable: ") + curl_easy_strerror(rc);
    if (h.error[0] != '\0') r.message += std::string(" (") + h.error + ")";
  } else {
    curl_easy_getinfo(h.curl, CURLINFO_RESPONSE_CODE, &r.http_status);
    auto verdict = classify(http_reply{r.http_status, h.body, h.exception_code});
    r.kind = verdict.kind;
    r.code = verdict.code;
    r.message = std::move(verdict.message);
  }
  replace_all(r.message, settings_.password, "***");  // belt and braces: servers do not echo it
  r.body = std::move(h.body);
  return r;
}

clickhouse_result clickhouse_client::query(std::string_view sql, const query_settings& settings) {
  query_settings params{{"wait_end_of_query", "1"}};
  params.insert(params.end(), settings.begin(), settings.end());
  return post(url_with(params), sql, {});
}

clickhouse_result clickhouse_client::insert(std::string_view table, std::string_view rows, std::string_view query_id,
                                            body_compression compression, const query_settings& settings) {
  query_settings params{{"query", "INSERT INTO " + std::string(table) + " FORMAT JSONEachRow"},
                        {"wait_end_of_query", "1"}};
  if (!query_id.empty()) params.emplace_back("query_id", std::string(query_id));
  params.insert(params.end(), settings.begin(), settings.end());
  if (compression == body_compression::none) return post(url_with(params), rows, {});
  if (!compress_body(compression, rows, compressed_)) {
    clickhouse_result r;
    r.kind = failure::fatal;
    r.message = "compressing the insert body failed";
    return r;
  }
  return post(url_with(params), compressed_, compression == body_compression::gzip ? "gzip" : "zstd");
}

bool clickhouse_client::ping(std::chrono::milliseconds timeout) {
  auto& h = *handle_;
  if (!h.curl) return false;
  auto scheme = settings_.url.find("://");
  auto authority_end = settings_.url.find_first_of("/?", scheme == std::string::npos ? 0 : scheme + 3);
  auto url = settings_.url.substr(0, authority_end) + "/ping";
  h.body.clear();
  curl_easy_setopt(h.curl, CURLOPT_URL, url.c_str());
  curl_easy_setopt(h.curl, CURLOPT_HTTPGET, 1L);
  curl_easy_setopt(h.curl, CURLOPT_TIMEOUT_MS, static_cast<long>(timeout.count()));
  long status = 0;
  if (curl_easy_perform(h.curl) == CURLE_OK) curl_easy_getinfo(h.curl, CURLINFO_RESPONSE_CODE, &status);
  curl_easy_setopt(h.curl, CURLOPT_TIMEOUT_MS, static_cast<long>(settings_.timeout.count()));
  return status == 200 && h.body == "Ok.\n";
}

std::optional<clickhouse_version> clickhouse_client::probe_version(clickhouse_result* why) {
  clickhouse_result r = query("SELECT version()");
  std::optional<clickhouse_version> v;
  if (r.ok()) {
    v = clickhouse_version::parse(r.body);
    if (!v) {
      r.kind = failure::fatal;
      r.message = "unexpected answer to SELECT version(): " + r.body.substr(0, 100);
    }
  }
  if (why) *why = std::move(r);
  return v;
}

}  // namespace tracepipe::sink
