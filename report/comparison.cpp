#include "report/comparison.hpp"

#include <cctype>
#include <charconv>
#include <cmath>
#include <ostream>
#include <utility>

namespace tracepipe::report {
namespace {

// Two-character operators first: a scanner trying `<` before `<=` would read
// `a <= b` as `a < (= b)`.
constexpr std::pair<std::string_view, comparison_op> operators[] = {
    {"<=", comparison_op::less_equal}, {">=", comparison_op::greater_equal}, {"==", comparison_op::equal},
    {"!=", comparison_op::not_equal},  {"<", comparison_op::less},           {">", comparison_op::greater}};

bool is_blank(char c) { return std::isspace(static_cast<unsigned char>(c)) != 0; }

bool is_name_char(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-'; }

}  // namespace

std::string_view text(comparison_op op) {
  for (auto [written, o] : operators)
    if (o == op) return written;
  return "?";
}

bool operator==(comparison_op op, std::string_view written) { return text(op) == written; }

std::ostream& operator<<(std::ostream& out, comparison_op op) { return out << text(op); }

bool holds(double left, comparison_op op, double right) {
  if (std::isnan(left) || std::isnan(right)) return false;
  switch (op) {
    case comparison_op::less:
      return left < right;
    case comparison_op::less_equal:
      return left <= right;
    case comparison_op::greater:
      return left > right;
    case comparison_op::greater_equal:
      return left >= right;
    case comparison_op::equal:
      return left == right;
    case comparison_op::not_equal:
      return left != right;
  }
  return false;
}

void comparison_scanner::skip_blanks() {
  while (pos_ < text_.size() && is_blank(text_[pos_])) ++pos_;
}

bool comparison_scanner::done() {
  skip_blanks();
  return pos_ >= text_.size();
}

bool comparison_scanner::take(std::string_view token) {
  skip_blanks();
  if (text_.substr(pos_, token.size()) != token) return false;
  pos_ += token.size();
  return true;
}

std::optional<double> comparison_scanner::number() {
  skip_blanks();
  double v = 0;
  auto [end, ec] = std::from_chars(text_.data() + pos_, text_.data() + text_.size(), v);
  if (ec != std::errc() || !std::isfinite(v)) return std::nullopt;
  pos_ = static_cast<std::size_t>(end - text_.data());
  return v;
}

std::string_view comparison_scanner::name() {
  skip_blanks();
  auto start = pos_;
  while (pos_ < text_.size() && is_name_char(text_[pos_])) ++pos_;
  return text_.substr(start, pos_ - start);
}

std::optional<comparison_op> comparison_scanner::op() {
  for (auto [written, o] : operators)
    if (take(written)) return o;
  return std::nullopt;
}

std::string_view comparison_scanner::take_rest() {
  skip_blanks();
  auto end = text_.size();
  while (end > pos_ && is_blank(text_[end - 1])) --end;
  auto rest = text_.substr(pos_, end - pos_);
  pos_ = text_.size();
  return rest;
}

std::string_view comparison_scanner::rest() {
  skip_blanks();
  return pos_ < text_.size() ? text_.substr(pos_) : std::string_view("the end");
}

}  // namespace tracepipe::report
