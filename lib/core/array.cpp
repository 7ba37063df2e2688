#include "core/array.hpp"

namespace dflow {

void copy_region_bytes(const std::byte* src, const Box& src_box, std::byte* dst, const Box& dst_box,
                       const Box& region, size_t elem) {
  if (region.empty()) return;
  const Vec3 ss = src_box.shape(), ds = dst_box.shape(), rs = region.shape();
  const size_t row = static_cast<size_t>(rs.x) * elem;
  for (int64_t z = 0; z < rs.z; ++z) {
    for (int64_t y = 0; y < rs.y; ++y) {
      const int64_t sz = region.lo.z + z - src_box.lo.z, sy = region.lo.y + y - src_box.lo.y;
      const int64_t dz = region.lo.z + z - dst_box.lo.z, dy = region.lo.y + y - dst_box.lo.y;
      const std::byte* s = src + (static_cast<size_t>((sz * ss.y + sy) * ss.x + (region.lo.x - src_box.lo.x)) * elem);
      std::byte* d = dst + (static_cast<size_t>((dz * ds.y + dy) * ds.x + (region.lo.x - dst_box.lo.x)) * elem);
      std::memcpy(d, s, row);
    }
  }
}

}  // namespace dflow
