#pragma once
// Enumerating cells of a grid, e.g. the chunks a request touches, so callers can hand them to
// parallel_ranges (core/parallel.hpp).
#include <vector>

#include "core/geometry.hpp"

namespace dflow {

// Every point of `cells` (e.g. a range of chunk-grid indices), z-major with x fastest.
inline std::vector<Vec3> points_of(const Box& cells) {
  std::vector<Vec3> out;
  out.reserve(size_t(cells.volume()));
  for (int64_t z = cells.lo.z; z < cells.hi.z; ++z)
    for (int64_t y = cells.lo.y; y < cells.hi.y; ++y)
      for (int64_t x = cells.lo.x; x < cells.hi.x; ++x) out.push_back({x, y, z});
  return out;
}

}  // namespace dflow
