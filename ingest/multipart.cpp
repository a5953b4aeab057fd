#include "ingest/multipart.hpp"

#include "common/text.hpp"

#include <algorithm>
#include <charconv>
#include <functional>

namespace tracepipe::ingest {
namespace {

constexpr std::string_view crlf = "\r\n";
constexpr std::size_t max_boundary_chars = 70;   // RFC 2046 §5.1.1
constexpr std::size_t max_name_in_detail = 100;  // keeps error bodies short

std::optional<std::size_t> parse_size(std::string_view text) {
  std::size_t n = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
  if (text.empty() || ec != std::errc{} || ptr != text.data() + text.size()) return std::nullopt;
  return n;
}

/// Splits `type; key=value …` at its first ';'.
std::pair<std::string_view, std::string_view> split_media_type(std::string_view value) {
  auto semicolon = value.find(';');
  if (semicolon == std::string_view::npos) return {common::trim(value), {}};
  return {common::trim(value.substr(0, semicolon)), value.substr(semicolon)};
}

enum class param_status { found, end, malformed };

/// Reads the next `; key=value` or `; key="value"` off rest. A quoted value ends
/// at the next '"', without backslash unescaping: browsers, undici and urllib3
/// percent-encode '"' in names rather than escape it. Segments without '=' are
/// skipped, since attachment content types are written by users.
param_status next_param(std::string_view& rest, std::string_view& key, std::string_view& value) {
  while (true) {
    rest = common::trim(rest);
    if (rest.empty()) return param_status::end;
    if (rest.front() != ';') return param_status::malformed;
    rest.remove_prefix(1);
    auto eq = rest.find('=');
    auto semicolon = rest.find(';');
    if (eq == std::string_view::npos || semicolon < eq) {
      rest.remove_prefix(semicolon == std::string_view::npos ? rest.size() : semicolon);
      continue;
    }
    key = common::trim(rest.substr(0, eq));
    rest = common::trim(rest.substr(eq + 1));
    if (!rest.empty() && rest.front() == '"') {
      auto close = rest.find('"', 1);
      if (close == std::string_view::npos) return param_status::malformed;
      value = rest.substr(1, close - 1);
      rest.remove_prefix(close + 1);
    } else {
      auto end = std::min(rest.find(';'), rest.size());
      value = common::trim(rest.substr(0, end));
      rest.remove_prefix(end);
    }
    return param_status::found;
  }
}

/// The raw values of the part headers that matter; the others are ignored.
struct raw_headers {
  std::optional<std::string_view> disposition, content_type, content_length;
};

/// What one part's headers declare.
struct part_headers {
  std::string_view name, content_type;
  std::optional<std::size_t> content_length;  ///< `Content-Length: N` (Python SDK)
  std::optional<std::size_t> type_length;     ///< `Content-Type: …; length=N` (JS SDK)
};

/// Splits a header block (lines joined by CRLF, no final CRLF) into raw_headers;
/// returns what is wrong, if anything.
std::optional<std::string> split_headers(std::string_view block, raw_headers& raw) {
  while (!block.empty()) {
    auto eol = std::min(block.find(crlf), block.size());
    auto line = block.substr(0, eol);
    block.remove_prefix(std::min(eol + crlf.size(), block.size()));
    auto colon = line.find(':');
    if (colon == std::string_view::npos) return "header line without ':'";
    auto name = line.substr(0, colon);
    if (name.empty() || name.find_first_of(" \t") != std::string_view::npos) return "invalid header name";
    if (line.find_first_of("\r\n") != std::string_view::npos) return "bare CR or LF in a header";
    std::optional<std::string_view>* slot = nullptr;
    if (common::iequals(name, "content-disposition")) slot = &raw.disposition;
    else if (common::iequals(name, "content-type")) slot = &raw.content_type;
    else if (common::iequals(name, "content-length")) slot = &raw.content_length;
    if (slot == nullptr) continue;
    if (*slot) return "duplicate " + std::string(name) + " header";
    *slot = common::trim(line.substr(colon + 1));
  }
  return std::nullopt;
}

/// Reads Content-Disposition first so that later errors can name the part.
std::optional<std::string> interpret_headers(const raw_headers& raw, part_headers& h) {
  if (!raw.disposition) return "no Content-Disposition header";
  auto [disposition, disposition_params] = split_media_type(*raw.disposition);
  if (!common::iequals(disposition, "form-data")) return "Content-Disposition is not form-data";
  std::string_view key, value;
  param_status status;
  while ((status = next_param(disposition_params, key, value)) == param_status::found)
    if (common::iequals(key, "name") && h.name.empty()) h.name = value;
  if (status == param_status::malformed) return "malformed Content-Disposition parameters";
  if (h.name.empty()) return "Content-Disposition has no name";

  if (raw.content_type) {
    auto [type, type_params] = split_media_type(*raw.content_type);
    h.content_type = type;
    while ((status = next_param(type_params, key, value)) == param_status::found) {
      if (!common::iequals(key, "length")) continue;
      h.type_length = parse_size(value);
      if (!h.type_length) return "Content-Type length parameter is not a number";
    }
    if (status == param_status::malformed) return "malformed Content-Type parameters";
  }
  if (raw.content_length) {
    h.content_length = parse_size(*raw.content_length);
    if (!h.content_length) return "Content-Length is not a number";
  }
  return std::nullopt;
}

/// One pass over the body: delimiter search, then each part's headers.
class parser {
 public:
  parser(std::string_view body, std::string_view boundary, std::vector<multipart_part>& out)
      : body_(body), delimiter_("\r\n--" + std::string(boundary)),
        searcher_(delimiter_.cbegin(), delimiter_.cend()), out_(out) {}

  std::optional<rejection> run(std::size_t max_parts) {
    // The first delimiter may open the body without the CRLF before it.
    std::string_view dash_boundary = std::string_view(delimiter_).substr(crlf.size());
    if (body_.starts_with(dash_boundary)) {
      pos_ = dash_boundary.size();
    } else {
      auto at = find_delimiter(0);
      if (at == std::string_view::npos) {
        return rejection{400, "invalid_multipart", "multipart body has no opening delimiter " + std::string(dash_boundary)};
      }
      pos_ = at + delimiter_.size();
    }
    while (true) {
      auto rest = body_.substr(pos_);
      if (rest.starts_with("--")) return std::nullopt;  // close delimiter; the epilogue is ignored
      auto padding = std::min(rest.find_first_not_of(" \t"), rest.size());  // RFC 2046 transport padding
      if (!rest.substr(padding).starts_with(crlf)) {
        auto after = rest.substr(padding);
        bool truncated = after.empty() || after == "\r" || rest == "-";
        return fail(truncated ? "body ends before the closing delimiter" : "delimiter not followed by CRLF");
      }
      if (out_.size() == max_parts) {
        return rejection{413, "too_many_parts", "multipart body has more than " + std::to_string(max_parts) + " parts"};
      }
      pos_ += padding + crlf.size();
      if (auto error = read_part()) return error;
    }
  }

 private:
  std::size_t find_delimiter(std::size_t from) const {
    auto [first, last] = searcher_(body_.data() + from, body_.data() + body_.size());
    return first == body_.data() + body_.size() ? std::string_view::npos : static_cast<std::size_t>(first - body_.data());
  }

  /// The part starting at pos_ (just after its delimiter line); leaves pos_ after the next delimiter.
  std::optional<rejection> read_part() {
    auto rest = body_.substr(pos_);
    std::size_t block_size = 0, body_start = crlf.size();  // an empty header section is just CRLF
    if (!rest.starts_with(crlf)) {
      block_size = rest.substr(0, max_part_header_bytes + 4).find("\r\n\r\n");
      if (block_size == std::string_view::npos) {
        return fail(rest.size() >= max_part_header_bytes + 4 ? "headers over 8 KiB" : "headers not terminated by an empty line");
      }
      body_start = block_size + 4;
    }
    raw_headers raw;
    part_headers h;
    auto error = split_headers(rest.substr(0, block_size), raw);
    if (!error) error = interpret_headers(raw, h);
    if (error) return fail(*error, h.name);

    auto end = find_delimiter(pos_ + body_start);
    if (end == std::string_view::npos) return fail("body ends before the closing delimiter", h.name);
    auto part_body = body_.substr(pos_ + body_start, end - pos_ - body_start);
    for (auto [declared, how] : {std::pair{h.content_length, "Content-Length"}, std::pair{h.type_length, "Content-Type length"}}) {
      if (declared && *declared != part_body.size()) {
        return fail(std::string(how) + " declares " + std::to_string(*declared) + " bytes but the part has " +
                        std::to_string(part_body.size()),
                    h.name);
      }
    }
    out_.push_back({h.name, h.content_type, part_body});
    pos_ = end + delimiter_.size();
    return std::nullopt;
  }

  /// A 400 naming the part being read (counted from 1) and its name when known.
  rejection fail(const std::string& what, std::string_view name = {}) const {
    std::string detail = "multipart part " + std::to_string(out_.size() + 1);
    if (!name.empty()) {
      detail += " (\"" + std::string(name.substr(0, max_name_in_detail)) + (name.size() > max_name_in_detail ? "…" : "") + "\")";
    }
    return rejection{400, "invalid_multipart", detail + ": " + what};
  }

  std::string_view body_;
  std::string delimiter_;  ///< CRLF "--" boundary; must outlive searcher_
  // Boyer-Moore (not Horspool): its good-suffix rule keeps a first-match search
  // linear even for adversarial boundaries, and every byte is searched once.
  std::boyer_moore_searcher<std::string::const_iterator> searcher_;
  std::vector<multipart_part>& out_;
  std::size_t pos_ = 0;
};

}  // namespace

std::variant<std::string, rejection> multipart_boundary(std::string_view content_type_header) {
  auto [type, params] = split_media_type(content_type_header);
  if (!common::iequals(type, "multipart/form-data")) {
    return rejection{415, "unsupported_media_type",
                     "expected Content-Type multipart/form-data, got \"" + std::string(type.substr(0, 100)) + "\""};
  }
  std::string_view key, value;
  std::optional<std::string_view> boundary;
  param_status status;
  while ((status = next_param(params, key, value)) == param_status::found)
    if (common::iequals(key, "boundary") && !boundary) boundary = value;
  auto invalid = [](std::string detail) { return rejection{400, "invalid_multipart", std::move(detail)}; };
  if (status == param_status::malformed) return invalid("malformed Content-Type parameters");
  if (!boundary) return invalid("Content-Type multipart/form-data has no boundary parameter");
  if (boundary->empty() || boundary->size() > max_boundary_chars) return invalid("multipart boundary must be 1 to 70 characters");
  // Printable ASCII is laxer than RFC 2046's bchars but enough to keep framing sound.
  for (char c : *boundary)
    if (c < ' ' || c > '~') return invalid("multipart boundary holds a control or non-ASCII character");
  if (boundary->back() == ' ') return invalid("multipart boundary ends with a space");
  return std::string(*boundary);
}

std::optional<rejection> parse_multipart(std::string_view body, std::string_view boundary, std::size_t max_parts,
                                         std::vector<multipart_part>& out) {
  out.clear();
  if (boundary.empty() || boundary.size() > max_boundary_chars)
    return rejection{400, "invalid_multipart", "multipart boundary must be 1 to 70 characters"};
  return parser(body, boundary, out).run(max_parts);
}

}  // namespace tracepipe::ingest
