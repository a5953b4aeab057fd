#pragma once
// Sizes of generated runs' inputs and outputs, drawn per run from the seeded
// generator. The syntax (--inputs-size, --outputs-size):
//   fixed       2KB
//   uniform     1KB-20KB                       every size in the range equally likely
//   log-normal  lognormal:median=2KB,sigma=1.2  optional ,max=1MB caps the tail
//   mix         80%:1KB,19%:20KB,1%:1MB        percentages sum to 100; a size may be a range
// Units as in the config files (config/units.hpp): a bare number or B is
// bytes, KB = 1000 B and MB = 10^6 B, KiB = 1024 B and MiB = 2^20 B.
#include <cstddef>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <vector>

namespace tracepipe::loadgen {

class size_distribution {
 public:
  static constexpr std::size_t max_bytes = std::size_t{1} << 30;  ///< per field: a typo must not ask for terabytes

  /// nullopt with *why naming the part that is wrong.
  static std::optional<size_distribution> parse(std::string_view text, std::string* why);
  static size_distribution fixed(std::size_t bytes);

  std::size_t sample(std::mt19937_64& rng) const;
  /// Expected size (log-normal: without its cap, so an upper bound): sizes the template ring.
  double mean() const;
  /// The text it was parsed from (what summary.json records).
  const std::string& text() const { return text_; }

 private:
  bool read_lognormal(std::string_view args, std::string* why);
  bool read_mix(std::string_view text, std::string* why);
  bool read_mix_band(double percent_end, std::string_view range, std::string* why);

  struct band {
    double percent_end;  ///< cumulative
    std::size_t min, max;
  };
  std::vector<band> bands_;  ///< fixed and uniform are a one-band mix
  bool lognormal_ = false;
  double median_ = 0, sigma_ = 0;
  std::size_t cap_ = max_bytes;
  std::string text_;
};

}  // namespace tracepipe::loadgen
