#include "loadgen/common_start.hpp"

#include <ostream>
#include <stdexcept>
#include <thread>

#include <fmt/format.h>

namespace tracepipe::loadgen {

using std::chrono::duration;
using std::chrono::steady_clock;
using std::chrono::system_clock;

common_start plan_start(std::optional<system_clock::time_point> at, system_clock::time_point wall_now,
                        steady_clock::time_point steady_now) {
  auto wall = at.value_or(wall_now);
  auto ahead = wall - wall_now;
  if (ahead < -std::chrono::seconds(1))
    throw std::runtime_error(fmt::format(
        "--start-at: the start time passed {:.1f} s ago: this generator would not start with the others (give a "
        "time far enough ahead for every generator to be running)",
        -duration<double>(ahead).count()));
  auto wait = std::max(std::chrono::nanoseconds(0), std::chrono::duration_cast<std::chrono::nanoseconds>(ahead));
  return {steady_now + std::chrono::duration_cast<steady_clock::duration>(ahead),
          static_cast<std::uint64_t>(
              std::chrono::duration_cast<std::chrono::microseconds>(wall.time_since_epoch()).count()),
          wait};
}

common_start wait_for_start(std::optional<system_clock::time_point> at, const std::atomic<bool>* stop,
                            std::ostream* progress, const std::string& segment) {
  auto start = plan_start(at, system_clock::now(), steady_clock::now());
  if (at && progress)
    *progress << fmt::format("load: segment {} waits {:.1f} s for the common start\n", segment,
                             duration<double>(start.wait).count());
  while (steady_clock::now() < start.steady && !(stop && stop->load()))
    std::this_thread::sleep_for(
        std::min<steady_clock::duration>(start.steady - steady_clock::now(), std::chrono::milliseconds(100)));
  return start;
}

}  // namespace tracepipe::loadgen
