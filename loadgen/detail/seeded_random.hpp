#pragma once
// Draws from a seeded mt19937_64 with the arithmetic spelled out here, not
// with <random>'s distributions, whose output differs between standard
// libraries: the same --seed gives the same bodies wherever it is built.
#include <cmath>
#include <cstdint>
#include <random>

namespace tracepipe::loadgen::detail {

/// Uniform in [0, 1), 53 random bits.
inline double unit(std::mt19937_64& rng) { return static_cast<double>(rng() >> 11) * 0x1.0p-53; }

/// Uniform in [0, n); the modulo bias of a 64-bit draw is below 2^-40 for any n
/// the generator uses.
inline std::uint64_t below(std::mt19937_64& rng, std::uint64_t n) { return n ? rng() % n : 0; }

/// Standard normal (Box–Muller, one of the pair).
inline double normal(std::mt19937_64& rng) {
  double u1 = 1.0 - unit(rng);  // (0, 1]: log is finite
  double u2 = unit(rng);
  return std::sqrt(-2.0 * std::log(u1)) * std::cos(2.0 * M_PI * u2);
}

}  // namespace tracepipe::loadgen::detail
