#pragma once
// The setters of the key table (config/keys.cpp): each parses one value
// into its field of `settings`, or says in a phrase why it cannot.
#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iterator>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/redis_endpoint.hpp"
#include "common/text.hpp"
#include "config/settings.hpp"
#include "config/units.hpp"

namespace tracepipe::config::key_setters {

using setter = std::function<std::optional<std::string>(settings&, std::string_view)>;

template <class Field>
setter bytes_into(Field field, std::size_t min = 1) {
  return [field, min](settings& s, std::string_view text) -> std::optional<std::string> {
    auto v = parse_bytes(text);
    if (!v) return "expected a size such as 1048576, 512KiB or 25MiB";
    if (*v < min) return "must be at least " + std::to_string(min) + " bytes";
    s.*field.first.*field.second = *v;
    return std::nullopt;
  };
}

template <class Field>
setter duration_into(Field field) {
  return [field](settings& s, std::string_view text) -> std::optional<std::string> {
    auto v = parse_duration(text);
    if (!v || v->count() <= 0) return "expected a positive duration such as 250ms, 30s or 5m";
    s.*field.first.*field.second = *v;
    return std::nullopt;
  };
}

/// As duration_into, but 0 (off) is allowed too.
template <class Field>
setter duration_or_zero_into(Field field) {
  return [field](settings& s, std::string_view text) -> std::optional<std::string> {
    auto v = parse_duration(text);
    if (!v || v->count() < 0) return "expected a duration such as 0s, 250ms or 2s";
    s.*field.first.*field.second = *v;
    return std::nullopt;
  };
}

template <class Field>
setter count_into(Field field, long long min, long long max) {
  return [field, min, max](settings& s, std::string_view text) -> std::optional<std::string> {
    auto v = parse_integer(text);
    if (!v || *v < min || *v > max)
      return "expected a whole number from " + std::to_string(min) + " to " + std::to_string(max);
    using target = std::remove_reference_t<decltype(s.*field.first.*field.second)>;
    s.*field.first.*field.second = static_cast<target>(*v);
    return std::nullopt;
  };
}

template <class Field>
setter text_into(Field field, bool allow_empty = false) {
  return [field, allow_empty](settings& s, std::string_view text) -> std::optional<std::string> {
    if (text.empty() && !allow_empty) return "must not be empty";
    s.*field.first.*field.second = std::string(text);
    return std::nullopt;
  };
}

template <class Outer, class Inner>
auto at(Outer outer, Inner inner) { return std::pair{outer, inner}; }

setter listen_into() {
  return [](settings& s, std::string_view text) -> std::optional<std::string> {
    auto colon = text.rfind(':');
    auto port = colon == std::string_view::npos ? std::nullopt : parse_integer(text.substr(colon + 1));
    if (colon == 0 || !port || *port < 0 || *port > 65535) return "expected HOST:PORT, e.g. 127.0.0.1:8080";
    s.ingest.listen = std::string(text);
    return std::nullopt;
  };
}

template <class Field>
setter bool_into(Field field) {
  return [field](settings& s, std::string_view text) -> std::optional<std::string> {
    auto v = parse_bool(text);
    if (!v) return "expected true or false";
    s.*field.first.*field.second = *v;
    return std::nullopt;
  };
}

template <class Field>
setter choice_into(Field field, std::vector<std::string> choices) {
  return [field, choices](settings& s, std::string_view text) -> std::optional<std::string> {
    for (const auto& c : choices)
      if (text == c) {
        s.*field.first.*field.second = std::string(text);
        return std::nullopt;
      }
    std::string all;
    for (const auto& c : choices) all += (all.empty() ? "" : ", ") + c;
    return "expected one of " + all;
  };
}

/// One http(s):// URL, or several separated by commas (the replicas of a
/// cluster); spaces around each are ignored, duplicates are refused.
inline setter urls_into(std::vector<std::string> clickhouse_settings::*field) {
  return [field](settings& s, std::string_view text) -> std::optional<std::string> {
    std::vector<std::string> urls;
    for (std::size_t at = 0; at <= text.size();) {
      auto comma = std::min(text.find(',', at), text.size());
      auto url = std::string(common::trim(text.substr(at, comma - at)));
      at = comma + 1;
      if (url.substr(0, 7) != "http://" && url.substr(0, 8) != "https://")
        return url.empty() ? "expected an http:// or https:// URL, or several separated by commas"
                           : "\"" + url + "\" is not an http:// or https:// URL";
      if (std::find(urls.begin(), urls.end(), url) != urls.end()) return "\"" + url + "\" is listed twice";
      urls.push_back(std::move(url));
    }
    s.clickhouse.*field = std::move(urls);
    return std::nullopt;
  };
}

/// A PEM CA bundle for TLS peer verification: empty (the system's CAs) or a
/// readable file holding at least one certificate. Checked when the value is
/// applied, so a wrong path stops startup instead of failing every TLS
/// handshake later with libcurl's "problem with the SSL CA cert".
template <class Field>
setter ca_file_into(Field field) {
  return [field](settings& s, std::string_view text) -> std::optional<std::string> {
    if (!text.empty()) {
      const std::string path(text);
      std::error_code ec;
      if (std::filesystem::is_directory(path, ec)) return "is a directory; expected a PEM file of CA certificates";
      std::ifstream in(path, std::ios::binary);
      if (!in) return std::string("cannot read the CA file: ") + std::strerror(errno);
      std::string pem((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
      if (in.bad()) return std::string("cannot read the CA file: ") + std::strerror(errno);
      // What OpenSSL loads from a CA file: CERTIFICATE, TRUSTED CERTIFICATE or X509 CERTIFICATE blocks.
      bool has_certificate = false;
      for (auto at = pem.find("-----BEGIN "); at != std::string::npos && !has_certificate;
           at = pem.find("-----BEGIN ", at + 1)) {
        auto line_end = pem.find('\n', at);
        auto line = std::string_view(pem).substr(at, line_end == std::string::npos ? std::string::npos : line_end - at);
        has_certificate = line.find("CERTIFICATE-----") != std::string_view::npos;
      }
      if (!has_certificate) return "holds no PEM certificate (-----BEGIN CERTIFICATE-----)";
    }
    s.*field.first.*field.second = std::string(text);
    return std::nullopt;
  };
}

inline setter redis_url_into() {
  return [](settings& s, std::string_view text) -> std::optional<std::string> {
    if (!common::parse_redis_url(text)) return "expected redis://[[user]:password@]host[:port][/db]";
    s.redis.url = std::string(text);
    return std::nullopt;
  };
}

/// A Redis Cluster's seed nodes: empty (a standalone Redis, redis.url), or
/// redis:// URLs separated by commas, each without a db (a cluster has db 0 only).
inline setter redis_cluster_into() {
  return [](settings& s, std::string_view text) -> std::optional<std::string> {
    std::vector<std::string> seeds;
    for (std::size_t at = 0; !common::trim(text).empty() && at <= text.size();) {
      auto comma = std::min(text.find(',', at), text.size());
      auto url = std::string(common::trim(text.substr(at, comma - at)));
      at = comma + 1;
      auto endpoint = common::parse_redis_url(url);
      if (!endpoint)
        return url.empty() ? "expected redis:// URLs separated by commas, or nothing for a standalone Redis"
                           : "\"" + url + "\" is not a redis://[[user]:password@]host[:port] URL";
      if (endpoint->db != 0) return "\"" + url + "\" names a db: a Redis Cluster has db 0 only";
      if (std::find(seeds.begin(), seeds.end(), url) != seeds.end()) return "\"" + url + "\" is listed twice";
      seeds.push_back(std::move(url));
    }
    s.redis.cluster = std::move(seeds);
    return std::nullopt;
  };
}

}  // namespace tracepipe::config::key_setters
