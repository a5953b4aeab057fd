#pragma once
// The project's JSON documents (summary.json, scenario.json, compare.json,
// GET /info, error bodies) built as Boost.JSON values and written here, so
// that escaping and the numbers JSON cannot hold are handled in one place.
// The hot-path writers (run rows, stream entries) stay in json_out.
#include <optional>
#include <string>

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

namespace tracepipe::common {

/// `v` as a JSON number; null when NaN or ±inf, which JSON cannot hold. A
/// whole number is stored as an integer: Boost.JSON writes doubles in
/// exponent form (300.0 as 3E2), which integer readers would refuse.
boost::json::value json_number(double v);

/// `v` as above, or null when there is none.
boost::json::value json_number(std::optional<double> v);

/// `v` rounded to `places` decimals (the documents' ms figures have 3: finer
/// is noise, and 0.1 + 0.2 would print as 3.0000000000000004E-1).
boost::json::value json_rounded(double v, int places = 3);

/// `v` rounded as above, or null when there is none.
boost::json::value json_rounded(std::optional<double> v, int places = 3);

/// A document's text: each top-level member of `doc` on a line of its own,
/// values compact (non-whole numbers as 10.235, never 1.0235E1), and a final newline — readable in a terminal, and one
/// line per figure group in a diff.
std::string json_document(const boost::json::object& doc);

}  // namespace tracepipe::common
