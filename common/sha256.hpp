#pragma once
// SHA-256 and HMAC-SHA256 (OpenSSL libcrypto): API key digests in
// ingest, and SigV4 in the sink (hex of a payload, MACs chained into a key).
#include <array>
#include <string>
#include <string_view>

namespace tracepipe::common {

/// 32 raw digest bytes.
using sha256_digest = std::array<unsigned char, 32>;

/// SHA-256 of `data`.
sha256_digest sha256(std::string_view data);

/// HMAC-SHA256 of `data` under `key`.
sha256_digest hmac_sha256(std::string_view key, std::string_view data);

/// Lower-case hex of `bytes` (64 characters for a digest).
std::string to_hex(const sha256_digest& bytes);

/// Lower-case hex SHA-256 of `data`, the form of `x-amz-content-sha256`.
inline std::string sha256_hex(std::string_view data) { return to_hex(sha256(data)); }

}  // namespace tracepipe::common
