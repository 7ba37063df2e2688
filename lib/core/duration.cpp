#include "core/duration.hpp"

#include <cmath>
#include <cstdint>

#include <fmt/format.h>

namespace dflow {

std::string format_duration(double seconds) {
  if (!(seconds > -0.5) || seconds > 1e8) return "?";  // also NaN
  const auto t = static_cast<int64_t>(std::llround(std::max(seconds, 0.0)));
  return fmt::format("{}:{:02d}:{:02d}", t / 3600, (t / 60) % 60, t % 60);
}

}  // namespace dflow
