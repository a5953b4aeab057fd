#pragma once
// The key a request presents: LangSmith clients send `x-api-key`; Langfuse
// clients send `Authorization: Basic base64(publicKey:secretKey)`, whose
// secret is the key. Either is then checked against ingest.api_keys.
#include <string>

#include <boost/beast/http/message.hpp>

namespace tracepipe::ingest {

/// x-api-key when present, else the secret of a Basic Authorization header,
/// else "" (no key, or a header that is not valid Basic).
std::string presented_key(const boost::beast::http::request_header<>& header);

}  // namespace tracepipe::ingest
