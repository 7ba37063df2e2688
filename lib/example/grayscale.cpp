#include "example/grayscale.hpp"

#include <algorithm>
#include <vector>

#include "core/error.hpp"
#include "example/noise.hpp"
#include "example/random.hpp"
#include "example/supervoxels.hpp"

namespace dflow::example {

namespace {

// Body of a supervoxel, remembering the last lookup (labels repeat along a row).
struct BodyCache {
  const Agglomeration& agglo;
  uint64_t last_sv = 0, last_body = 0;
  uint64_t body(uint64_t sv) {
    if (sv != last_sv) {
      last_sv = sv;
      last_body = agglo.body_of(sv);
    }
    return last_body;
  }
};

}  // namespace

Array3<uint8_t> render_grayscale(const Array3<uint64_t>& seg, const Agglomeration& agglo, const Box& region,
                                 const Box& volume, uint64_t seed, int threads) {
  const Box need{vmax(region.lo - Vec3::fill(2), volume.lo), vmin(region.hi + Vec3::fill(2), volume.hi)};
  if (!seg.box().contains(need)) fail("example: grayscale of {} needs labels over {}, got {}", region, need, seg.box());
  const ValueNoise tex1(stream_seed(seed, Stream::texture1), 12), tex2(stream_seed(seed, Stream::texture2), 4);
  const uint64_t nseed = stream_seed(seed, Stream::voxel_noise);
  Array3<uint8_t> out(region);
  const Vec3 s = region.shape();
  const Vec3 ss = seg.box().shape();
  const int64_t stride[3] = {1, ss.x, ss.x * ss.y};
  parallel_ranges(s.z * s.y, threads, [&](int64_t begin, int64_t end) {
    std::vector<int32_t> t1(size_t(s.x)), t2(size_t(s.x));
    BodyCache bodies{agglo}, neighbours{agglo};
    for (int64_t r = begin; r < end; ++r) {
      const int64_t z = region.lo.z + r / s.y, y = region.lo.y + r % s.y;
      tex1.row(region.lo.x, y, z, s.x, t1.data());
      tex2.row(region.lo.x, y, z, s.x, t2.data());
      const uint64_t* row = &seg.at({region.lo.x, y, z});
      const bool row_inside = y - 2 >= volume.lo.y && y + 2 < volume.hi.y && z - 2 >= volume.lo.z && z + 2 < volume.hi.z;
      for (int64_t i = 0; i < s.x; ++i) {
        const int64_t x = region.lo.x + i;
        const uint64_t* c = row + i;
        const uint64_t l = *c;
        // Membrane strength: 0 none, 1 faint (another supervoxel of the same body, adjacent),
        // 2 near another body (2 voxels away), 3 on a body boundary (adjacent).
        int membrane = 0;
        const bool inside = row_inside && x - 2 >= volume.lo.x && x + 2 < volume.hi.x;
        for (int axis = 0; axis < 3 && membrane < 3; ++axis)
          for (int64_t step : {-2, -1, 1, 2}) {
            if (!inside) {
              Vec3 q{x, y, z};
              q[axis] += step;
              if (!volume.contains(q)) continue;
            }
            const uint64_t m = c[step * stride[axis]];
            if (m == l) continue;
            const bool other_body = l == 0 || m == 0 || bodies.body(l) != neighbours.body(m);
            const bool adjacent = step == -1 || step == 1;
            membrane = std::max(membrane, other_body ? (adjacent ? 3 : 2) : (adjacent ? 1 : 0));
          }
        const int64_t tex = (int64_t(t1[size_t(i)]) * 2 + t2[size_t(i)]) / 3;  // [-4096, 4096]
        int64_t v = l == 0 ? 95 + tex * 12 / kNoiseOne : 185 + tex * 22 / kNoiseOne;
        switch (membrane) {
          case 3: v = 45 + tex * 8 / kNoiseOne; break;
          case 2: v = (v + 45) / 2; break;
          case 1: v -= 50; break;
          default: break;
        }
        // Gaussian-like noise: sum of four uniform bytes of a per-voxel hash, sigma about 9 levels.
        const uint64_t h = mix64(nseed ^ ((uint64_t(z) << 42) + (uint64_t(y) << 21) + uint64_t(x)));
        const int64_t g = int64_t(h & 0xff) + int64_t((h >> 8) & 0xff) + int64_t((h >> 16) & 0xff) +
                          int64_t((h >> 24) & 0xff) - 510;
        v += g * 9 / 148;
        out(i, r % s.y, r / s.y) = uint8_t(std::clamp<int64_t>(v, 0, 255));
      }
    }
  });
  return out;
}

}  // namespace dflow::example
