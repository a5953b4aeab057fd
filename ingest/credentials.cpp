#include "ingest/credentials.hpp"

#include "common/base64.hpp"
#include "common/text.hpp"

namespace tracepipe::ingest {

std::string presented_key(const boost::beast::http::request_header<>& header) {
  if (auto key = header["x-api-key"]; !key.empty()) return std::string(key);
  auto auth = header[boost::beast::http::field::authorization];
  constexpr std::string_view scheme = "basic ";
  if (!common::istarts_with(auth, scheme)) return {};
  auto decoded = common::decode_base64(auth.substr(scheme.size()));
  if (!decoded) return {};
  auto colon = decoded->find(':');
  return colon == std::string::npos ? std::string{} : decoded->substr(colon + 1);
}

}  // namespace tracepipe::ingest
