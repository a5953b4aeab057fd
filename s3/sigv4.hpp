#pragma once
// AWS Signature Version 4 for S3, sans-io: strings in, the Authorization
// header out. Nothing here touches the network or the clock, so the unit
// tests check it byte for byte against AWS's published examples, and the S3
// writer sends exactly what was signed.
#include <chrono>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace tracepipe::s3 {

/// Name/value pairs, in any order; names in any case.
using sigv4_pairs = std::vector<std::pair<std::string, std::string>>;

/// The parts of one HTTP request that SigV4 signs.
struct sigv4_request {
  std::string_view method;  ///< "GET", "PUT" …
  /// Raw (not percent-encoded) absolute path, e.g. "/bucket/a b.txt"; each
  /// segment is encoded once here, as S3 expects (no double encoding).
  std::string_view path;
  sigv4_pairs query;  ///< raw parameters; a bare "?lifecycle" is {"lifecycle", ""}
  /// Every header to sign: at least host, x-amz-date and x-amz-content-sha256.
  sigv4_pairs headers;
  std::string_view payload_hash;  ///< hex SHA-256 of the body, or "UNSIGNED-PAYLOAD"
};

/// Who signs, and for which scope.
struct sigv4_credentials {
  std::string access_key;
  std::string secret_key;
  std::string region = "us-east-1";
  std::string service = "s3";
};

/// The signature and the intermediate strings AWS documents, for tests.
struct sigv4_signature {
  std::string canonical_request;
  std::string string_to_sign;
  std::string signature;      ///< 64 hex characters
  std::string authorization;  ///< value of the Authorization header
};

/// Signs `request` at `amz_date` (UTC, "YYYYMMDDTHHMMSSZ", the value of the
/// x-amz-date header, which must also be among the signed headers).
sigv4_signature sigv4_sign(const sigv4_request& request, const sigv4_credentials& credentials,
                           std::string_view amz_date);

/// `path` percent-encoded as SigV4 and the request line want it: unreserved
/// characters (A-Z a-z 0-9 - _ . ~) and '/' kept, every other byte %XX.
std::string sigv4_encode_path(std::string_view path);

/// The canonical query string: names and values encoded (including '/'),
/// sorted by name then value, joined with '&'. Also valid on the wire.
std::string sigv4_canonical_query(const sigv4_pairs& query);

/// `t` as "YYYYMMDDTHHMMSSZ" (UTC), for the x-amz-date header.
std::string sigv4_amz_date(std::chrono::system_clock::time_point t);

}  // namespace tracepipe::s3
