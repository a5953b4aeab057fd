#pragma once
// The comparison grammar shared by thresholds (`http_p99<200ms`) and
// scenario expectations (`max(queue_depth) > 3 * max(queue_depth)@steady`):
// the operators, what each means, and the scanner both parsers read with, so
// the two cannot drift apart on which operators exist, how a number is read
// or what a blank is.
#include <cstddef>
#include <iosfwd>
#include <optional>
#include <string_view>

namespace tracepipe::report {

/// One of < <= > >= == !=.
enum class comparison_op { less, less_equal, greater, greater_equal, equal, not_equal };

/// The operators as written, for error messages.
inline constexpr std::string_view comparison_ops_text = "< <= > >= == !=";

/// How `op` is written: "<=" for less_equal.
std::string_view text(comparison_op op);

/// True when `op` is written `written`, so `t.op == "<="` reads as the text does.
bool operator==(comparison_op op, std::string_view written);

/// Prints how `op` is written (test failures show "<=", not a number).
std::ostream& operator<<(std::ostream& out, comparison_op op);

/// Whether `left op right` holds. A NaN side (a figure the run did not
/// measure) never holds, not even for `!=`.
bool holds(double left, comparison_op op, double right);

/// A hand-written scanner over one comparison's text: the grammars are tiny
/// and their errors must say where the text went wrong. Every read skips
/// blanks first; a read that does not match consumes nothing.
class comparison_scanner {
 public:
  explicit comparison_scanner(std::string_view text) : text_(text) {}

  /// Nothing but blanks left.
  bool done();
  /// Consumes `token` when the text goes on with it.
  bool take(std::string_view token);
  /// A finite number as std::from_chars reads it ("2e3", "-1", "0.5"; no '+').
  std::optional<double> number();
  /// A run of letters, digits, '_' and '-'; empty when none is next.
  std::string_view name();
  /// An operator; two-character ones are tried first, so `<=` is never `<`.
  std::optional<comparison_op> op();
  /// Consumes what is left and returns it without its trailing blanks ("" at the end).
  std::string_view take_rest();
  /// What is left, for error messages: "the end" when nothing is.
  std::string_view rest();

 private:
  void skip_blanks();

  std::string_view text_;
  std::size_t pos_ = 0;
};

}  // namespace tracepipe::report
