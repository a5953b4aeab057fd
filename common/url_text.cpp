#include "common/url_text.hpp"

#include <boost/url/encode.hpp>
#include <boost/url/parse.hpp>
#include <boost/url/rfc/unreserved_chars.hpp>

namespace tracepipe::common {

std::string percent_encode(std::string_view s, bool keep_slash) {
  namespace urls = boost::urls;
  return keep_slash ? urls::encode(s, urls::unreserved_chars + '/') : urls::encode(s, urls::unreserved_chars);
}

std::optional<std::string> query_param(std::string_view target, std::string_view name, std::string* error) {
  auto url = boost::urls::parse_origin_form(target);
  if (!url) {
    if (error) *error = url.error().message();
    return std::nullopt;
  }
  auto params = url->params();
  auto it = params.find(name);
  if (it == params.end()) return std::nullopt;
  return std::string((*it).value);
}

}  // namespace tracepipe::common
