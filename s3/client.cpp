#include "s3/client.hpp"

#include "common/sha256.hpp"
#include "s3/sigv4.hpp"

#include <curl/curl.h>
#include <fmt/format.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <mutex>
#include <stdexcept>

namespace tracepipe::s3 {

using common::sha256_hex;
namespace {

using steady = std::chrono::steady_clock;

/// PUT answers are empty or a small XML error; never buffer more than this.
constexpr std::size_t put_response_limit = 64 * 1024;

/// One easy handle and the state of the request it carries. Reused across
/// requests so that its buffers and the multi's connections are kept.
struct transfer {
  CURL* easy = nullptr;
  curl_slist* headers = nullptr;
  std::string_view body;
  std::size_t sent = 0;
  std::string response;
  std::size_t response_limit = 0;
  std::size_t index = 0;
  steady::time_point started;
  char errbuf[CURL_ERROR_SIZE] = {};

  ~transfer() {
    curl_slist_free_all(headers);
    if (easy) curl_easy_cleanup(easy);
  }
};

/// One request for `run`: a PUT with `body`, or a GET.
struct job {
  bool put = true;
  std::string_view key;
  std::string_view body;
  std::string_view content_type;
};

using outcome = client::fetched;

size_t on_write(char* data, size_t size, size_t n, void* user) {
  auto* t = static_cast<transfer*>(user);
  std::size_t room = t->response_limit - std::min(t->response_limit, t->response.size());
  t->response.append(data, std::min(room, size * n));
  return size * n;  // swallow the excess instead of failing the transfer
}

size_t on_read(char* buffer, size_t size, size_t n, void* user) {
  auto* t = static_cast<transfer*>(user);
  std::size_t chunk = std::min(size * n, t->body.size() - t->sent);
  std::memcpy(buffer, t->body.data() + t->sent, chunk);
  t->sent += chunk;
  return chunk;
}

/// Lets curl resend the body when a kept-alive connection turns out closed.
int on_seek(void* user, curl_off_t offset, int origin) {
  auto* t = static_cast<transfer*>(user);
  if (origin != SEEK_SET || offset < 0 || static_cast<std::size_t>(offset) > t->body.size())
    return CURL_SEEKFUNC_CANTSEEK;
  t->sent = static_cast<std::size_t>(offset);
  return CURL_SEEKFUNC_OK;
}

/// The text of the first <tag>…</tag> in `xml`, or empty.
std::string_view xml_element(std::string_view xml, std::string_view tag) {
  std::string open = fmt::format("<{}>", tag), close = fmt::format("</{}>", tag);
  auto begin = xml.find(open);
  if (begin == std::string_view::npos) return {};
  begin += open.size();
  auto end = xml.find(close, begin);
  return end == std::string_view::npos ? std::string_view{} : xml.substr(begin, end - begin);
}

std::string describe_http_error(long status, std::string_view body) {
  auto code = xml_element(body, "Code");
  auto message = xml_element(body, "Message");
  if (!code.empty()) return fmt::format("HTTP {} {}: {}", status, code, message);
  return fmt::format("HTTP {} (no S3 error code; body {} bytes)", status, body.size());
}

}  // namespace

class client::impl {
 public:
  explicit impl(client_settings settings) : settings_(std::move(settings)) {
    auto scheme_end = settings_.endpoint.find("://");
    if (scheme_end == std::string::npos ||
        (settings_.endpoint.compare(0, scheme_end, "http") && settings_.endpoint.compare(0, scheme_end, "https")))
      throw std::invalid_argument("s3 endpoint must start with http:// or https://, got '" + settings_.endpoint + "'");
    auto authority_end = settings_.endpoint.find('/', scheme_end + 3);
    host_ = settings_.endpoint.substr(scheme_end + 3, authority_end - (scheme_end + 3));
    if (host_.empty()) throw std::invalid_argument("s3 endpoint has no host: '" + settings_.endpoint + "'");
    base_url_ = settings_.endpoint.substr(0, authority_end);
    if (authority_end != std::string::npos) base_path_ = settings_.endpoint.substr(authority_end);
    while (!base_path_.empty() && base_path_.back() == '/') base_path_.pop_back();
    if (settings_.bucket.empty()) throw std::invalid_argument("s3 bucket is empty");
    if (settings_.max_concurrency == 0) throw std::invalid_argument("s3 max_concurrency must be at least 1");
    if (!settings_.ca_file.empty() && !std::ifstream(settings_.ca_file))
      throw std::invalid_argument(
          fmt::format("s3 ca_file '{}' cannot be read: {}", settings_.ca_file, std::strerror(errno)));
    credentials_ = {settings_.access_key, settings_.secret_key, settings_.region, "s3"};

    static std::once_flag curl_init;  // curl_global_init is not thread-safe on every build
    std::call_once(curl_init, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
    multi_ = curl_multi_init();
    if (!multi_) throw std::runtime_error("curl_multi_init failed");
    curl_multi_setopt(multi_, CURLMOPT_MAXCONNECTS, static_cast<long>(settings_.max_concurrency));
  }

  ~impl() {
    for (auto& t : slots_) curl_multi_remove_handle(multi_, t->easy);  // no-op unless a run threw
    slots_.clear();
    curl_multi_cleanup(multi_);
  }

  /// Runs every job, at most max_concurrency at once; outcomes in job order.
  std::vector<outcome> run(const std::vector<job>& jobs, const std::function<bool()>& give_up = {}) {
    std::vector<outcome> out(jobs.size());
    std::vector<transfer*> idle;
    for (auto& t : slots_) idle.push_back(t.get());
    std::size_t next = 0, active = 0;
    while (next < jobs.size() || active > 0) {
      for (; next < jobs.size() && (!idle.empty() || slots_.size() < settings_.max_concurrency); ++next) {
        if (jobs[next].key.empty()) {  // would address the bucket itself (a PUT creates it)
          out[next].reply.error = "empty object key";
          continue;
        }
        transfer* t = idle.empty() ? new_slot() : idle.back();
        if (!idle.empty()) idle.pop_back();
        start(*t, jobs[next], next);
        if (CURLMcode mc = curl_multi_add_handle(multi_, t->easy); mc != CURLM_OK) {
          out[next].reply.error = fmt::format("curl_multi_add_handle: {}", curl_multi_strerror(mc));
          idle.push_back(t);
          continue;
        }
        ++active;
      }
      int running = 0;
      if (CURLMcode mc = curl_multi_perform(multi_, &running); mc != CURLM_OK)
        return fail_all(std::move(out), fmt::format("curl_multi_perform: {}", curl_multi_strerror(mc)));
      int queued = 0;
      while (CURLMsg* msg = curl_multi_info_read(multi_, &queued)) {
        if (msg->msg != CURLMSG_DONE) continue;
        transfer* t = nullptr;
        curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, &t);
        finish(*t, msg->data.result, out[t->index]);
        curl_multi_remove_handle(multi_, t->easy);  // invalidates msg
        idle.push_back(t);
        --active;
      }
      // Sleeps until a socket is ready or curl's own timers need service.
      if (active > 0) curl_multi_poll(multi_, nullptr, 0, 1000, nullptr);
      if (give_up && give_up()) return fail_all(std::move(out), "given up before S3 answered (the caller stopped waiting)");
    }
    return out;
  }

  client_settings settings_;

 private:
  transfer* new_slot() {
    auto t = std::make_unique<transfer>();
    t->easy = curl_easy_init();
    if (!t->easy) throw std::runtime_error("curl_easy_init failed");
    slots_.push_back(std::move(t));
    return slots_.back().get();
  }

  /// Signs `j` and sets every option of `t` from scratch for it.
  void start(transfer& t, const job& j, std::size_t index) {
    curl_easy_reset(t.easy);  // keeps live connections, drops every option
    t.body = j.put ? j.body : std::string_view{};
    t.sent = 0;
    t.response.clear();
    t.response_limit = j.put ? put_response_limit : std::string::npos;
    t.index = index;
    t.errbuf[0] = '\0';

    const std::string path = base_path_ + '/' + settings_.bucket + '/' + std::string(j.key);
    const std::string payload_hash = sha256_hex(t.body);
    const std::string amz_date = sigv4_amz_date(std::chrono::system_clock::now());
    sigv4_request request{j.put ? "PUT" : "GET", path, {},
                          {{"host", host_}, {"x-amz-content-sha256", payload_hash}, {"x-amz-date", amz_date}},
                          payload_hash};
    std::string content_type(j.content_type.empty() ? "application/octet-stream" : j.content_type);
    if (j.put) request.headers.emplace_back("content-type", content_type);
    const auto signature = sigv4_sign(request, credentials_, amz_date);

    // Exactly the signed headers, Host included, so the wire matches the signature.
    curl_slist_free_all(t.headers);
    t.headers = nullptr;
    for (const auto& [name, value] : request.headers)
      t.headers = curl_slist_append(t.headers, fmt::format("{}: {}", name, value).c_str());
    t.headers = curl_slist_append(t.headers, ("Authorization: " + signature.authorization).c_str());
    t.headers = curl_slist_append(t.headers, "Expect:");  // no 100-continue round trip per PUT

    const std::string url = base_url_ + sigv4_encode_path(path);
    CURL* e = t.easy;
    curl_easy_setopt(e, CURLOPT_URL, url.c_str());
    curl_easy_setopt(e, CURLOPT_PATH_AS_IS, 1L);  // keys may hold "/./" or "//": send as signed
    curl_easy_setopt(e, CURLOPT_HTTPHEADER, t.headers);
    curl_easy_setopt(e, CURLOPT_PRIVATE, &t);
    curl_easy_setopt(e, CURLOPT_ERRORBUFFER, t.errbuf);
    curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(e, CURLOPT_TCP_NODELAY, 1L);
    curl_easy_setopt(e, CURLOPT_TCP_KEEPALIVE, 1L);
    curl_easy_setopt(e, CURLOPT_NOPROXY, "127.0.0.1,localhost,::1");  // env proxies only off-box
    curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, static_cast<long>(settings_.timeout.count()));
    curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(settings_.timeout.count()));
    if (!settings_.ca_file.empty()) {
      // Exactly this bundle: not also the CA directory libcurl was built with (/etc/ssl/certs on Debian).
      curl_easy_setopt(e, CURLOPT_CAINFO, settings_.ca_file.c_str());
      curl_easy_setopt(e, CURLOPT_CAPATH, static_cast<char*>(nullptr));
    }
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_write);
    curl_easy_setopt(e, CURLOPT_WRITEDATA, &t);
    if (j.put) {
      curl_easy_setopt(e, CURLOPT_UPLOAD, 1L);
      curl_easy_setopt(e, CURLOPT_INFILESIZE_LARGE, static_cast<curl_off_t>(t.body.size()));
      curl_easy_setopt(e, CURLOPT_READFUNCTION, on_read);
      curl_easy_setopt(e, CURLOPT_READDATA, &t);
      curl_easy_setopt(e, CURLOPT_SEEKFUNCTION, on_seek);
      curl_easy_setopt(e, CURLOPT_SEEKDATA, &t);
    } else {
      curl_easy_setopt(e, CURLOPT_HTTPGET, 1L);
    }
    t.started = steady::now();
  }

  static void finish(transfer& t, CURLcode code, outcome& out) {
    auto& r = out.reply;
    r.latency = std::chrono::duration_cast<std::chrono::microseconds>(steady::now() - t.started);
    curl_easy_getinfo(t.easy, CURLINFO_RESPONSE_CODE, &r.http_status);
    if (code != CURLE_OK) {
      r.error = t.errbuf[0] ? fmt::format("{}: {}", curl_easy_strerror(code), t.errbuf)
                            : std::string(curl_easy_strerror(code));
    } else if (r.http_status >= 200 && r.http_status < 300) {
      r.ok = true;
    } else {
      r.error = describe_http_error(r.http_status, t.response);
    }
    out.body = std::move(t.response);
  }

  /// A multi-level failure (out of memory), or the caller gave up: every
  /// request still open fails.
  std::vector<outcome> fail_all(std::vector<outcome> out, const std::string& why) {
    for (auto& t : slots_) curl_multi_remove_handle(multi_, t->easy);
    for (auto& o : out)
      if (!o.reply.ok && o.reply.error.empty()) o.reply.error = why;
    return out;
  }

  std::string base_url_;   // scheme://authority
  std::string host_;       // authority, the signed Host header
  std::string base_path_;  // endpoint path prefix, usually empty
  sigv4_credentials credentials_;
  CURLM* multi_ = nullptr;
  std::vector<std::unique_ptr<transfer>> slots_;  // at most max_concurrency
};

client::client(client_settings settings) : impl_(std::make_unique<impl>(std::move(settings))) {}
client::~client() = default;
client::client(client&&) noexcept = default;
client& client::operator=(client&&) noexcept = default;

std::vector<reply> client::put_all(const std::vector<object>& objects, const std::function<bool()>& give_up) {
  std::vector<job> jobs;
  jobs.reserve(objects.size());
  for (const auto& o : objects) jobs.push_back({true, o.key, o.body, o.content_type});
  std::vector<reply> replies;
  replies.reserve(objects.size());
  for (auto& o : impl_->run(jobs, give_up)) replies.push_back(std::move(o.reply));
  return replies;
}

std::vector<client::fetched> client::get_all(const std::vector<std::string>& keys,
                                             const std::function<bool()>& give_up) {
  std::vector<job> jobs;
  jobs.reserve(keys.size());
  for (const auto& k : keys) jobs.push_back({false, k, {}, {}});
  return impl_->run(jobs, give_up);
}

std::optional<std::string> client::get(const std::string& key, std::string* error) {
  auto out = impl_->run({job{false, key, {}, {}}});
  if (out[0].reply.ok) return std::move(out[0].body);
  if (error) *error = out[0].reply.error;
  return std::nullopt;
}

std::string client::reference(const std::string& key) const {
  return "s3://" + impl_->settings_.bucket + '/' + key;
}

const client_settings& client::settings() const { return impl_->settings_; }

}  // namespace tracepipe::s3
