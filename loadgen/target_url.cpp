#include "loadgen/target_url.hpp"

#include <stdexcept>
#include <string_view>

namespace tracepipe::loadgen {

url_parts split_url(const std::string& url) {
  std::string_view rest = url;
  if (rest.substr(0, 7) != "http://") throw std::runtime_error("only http:// targets are supported: " + url);
  rest.remove_prefix(7);
  url_parts u;
  auto slash = rest.find('/');
  if (slash != std::string_view::npos) {
    u.prefix = std::string(rest.substr(slash));
    if (!u.prefix.empty() && u.prefix.back() == '/') u.prefix.pop_back();
    rest = rest.substr(0, slash);
  }
  auto colon = rest.rfind(':');
  u.host = std::string(rest.substr(0, colon));
  u.port = colon == std::string_view::npos ? "80" : std::string(rest.substr(colon + 1));
  return u;
}

}  // namespace tracepipe::loadgen
