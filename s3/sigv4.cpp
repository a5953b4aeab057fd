#include "s3/sigv4.hpp"

#include "common/sha256.hpp"
#include "common/text.hpp"
#include "common/url_text.hpp"

#include <algorithm>
#include <cctype>
#include <ctime>
#include <map>

namespace tracepipe::s3 {

using common::hmac_sha256;
using common::sha256_digest;
using common::sha256_hex;
using common::to_hex;
namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

/// Trims the value and collapses inner runs of spaces to one, as SigV4 asks.
std::string trim_value(std::string_view v) {
  auto blank = [](char c) { return c == ' ' || c == '\t'; };
  v = common::trim(v);
  std::string out;
  out.reserve(v.size());
  for (char c : v) {
    if (blank(c) && !out.empty() && out.back() == ' ') continue;
    out += blank(c) ? ' ' : c;
  }
  return out;
}

}  // namespace

std::string sigv4_encode_path(std::string_view path) { return common::percent_encode(path, true); }

std::string sigv4_canonical_query(const sigv4_pairs& query) {
  std::vector<std::pair<std::string, std::string>> encoded;
  encoded.reserve(query.size());
  for (const auto& [name, value] : query) encoded.emplace_back(common::percent_encode(name), common::percent_encode(value));
  std::sort(encoded.begin(), encoded.end());
  std::string out;
  for (const auto& [name, value] : encoded) {
    if (!out.empty()) out += '&';
    out += name;
    out += '=';
    out += value;
  }
  return out;
}

std::string sigv4_amz_date(std::chrono::system_clock::time_point t) {
  std::time_t secs = std::chrono::system_clock::to_time_t(t);
  std::tm utc{};
  gmtime_r(&secs, &utc);
  char buf[17];
  std::strftime(buf, sizeof buf, "%Y%m%dT%H%M%SZ", &utc);
  return buf;
}

sigv4_signature sigv4_sign(const sigv4_request& request, const sigv4_credentials& credentials,
                           std::string_view amz_date) {
  // Lower-cased names, sorted; a repeated header's values joined by ','.
  std::map<std::string, std::string> headers;
  for (const auto& [name, value] : request.headers) {
    auto [it, fresh] = headers.try_emplace(lower(trim_value(name)), trim_value(value));
    if (!fresh) it->second += ',' + trim_value(value);
  }
  std::string canonical_headers, signed_headers;
  for (const auto& [name, value] : headers) {
    canonical_headers += name + ':' + value + '\n';
    if (!signed_headers.empty()) signed_headers += ';';
    signed_headers += name;
  }

  sigv4_signature out;
  out.canonical_request = std::string(request.method) + '\n' + sigv4_encode_path(request.path) + '\n' +
                          sigv4_canonical_query(request.query) + '\n' + canonical_headers + '\n' +
                          signed_headers + '\n' + std::string(request.payload_hash);

  const std::string date(amz_date.substr(0, 8));
  const std::string scope = date + '/' + credentials.region + '/' + credentials.service + "/aws4_request";
  out.string_to_sign =
      "AWS4-HMAC-SHA256\n" + std::string(amz_date) + '\n' + scope + '\n' + sha256_hex(out.canonical_request);

  // The signing key: HMAC chain over date, region, service and terminator.
  auto as_view = [](const sha256_digest& d) {
    return std::string_view(reinterpret_cast<const char*>(d.data()), d.size());
  };
  auto key = hmac_sha256("AWS4" + credentials.secret_key, date);
  key = hmac_sha256(as_view(key), credentials.region);
  key = hmac_sha256(as_view(key), credentials.service);
  key = hmac_sha256(as_view(key), "aws4_request");
  out.signature = to_hex(hmac_sha256(as_view(key), out.string_to_sign));

  out.authorization = "AWS4-HMAC-SHA256 Credential=" + credentials.access_key + '/' + scope +
                      ",SignedHeaders=" + signed_headers + ",Signature=" + out.signature;
  return out;
}

}  // namespace tracepipe::s3
