#include "ops/downsample.hpp"

#include "core/error.hpp"

namespace dflow {

Box downsampled_box(const Box& b, const char* what) {
  const Vec3 s = b.shape();
  if (s.x % 2 || s.y % 2 || s.z % 2 || b.lo.x % 2 || b.lo.y % 2 || b.lo.z % 2)
    fail("{}: box {} is not aligned to 2 on every axis", what, b);
  return {floor_div(b.lo, Vec3::fill(2)), floor_div(b.hi, Vec3::fill(2))};
}


uint64_t mode_nonzero_smallest(const uint64_t (&v)[8]) {
  uint64_t best = 0;
  int best_count = 0;
  for (int i = 0; i < 8; ++i) {
    const uint64_t l = v[i];
    if (l == 0) continue;
    int c = 0;
    for (int j = 0; j < 8; ++j) c += v[j] == l;
    if (c > best_count || (c == best_count && l < best)) {
      best = l;
      best_count = c;
    }
  }
  return best;
}

void downsample_labels_2x_planes(const Array3<uint64_t>& in, Array3<uint64_t>& out, int64_t z_begin, int64_t z_end) {
  const Vec3 s = out.shape();
  const int64_t nx = in.shape().x, nxy = in.shape().x * in.shape().y;
  const uint64_t* src = in.data();
  for (int64_t z = z_begin; z < z_end; ++z) {
    uint64_t* dst = out.data() + z * s.x * s.y;
    for (int64_t y = 0; y < s.y; ++y) {
      const uint64_t* r00 = src + (2 * z) * nxy + (2 * y) * nx;
      const uint64_t* r01 = r00 + nx;
      const uint64_t* r10 = r00 + nxy;
      const uint64_t* r11 = r10 + nx;
      for (int64_t x = 0; x < s.x; ++x) {
        const int64_t i = 2 * x;
        const uint64_t v[8] = {r00[i], r00[i + 1], r01[i], r01[i + 1], r10[i], r10[i + 1], r11[i], r11[i + 1]};
        // Most cubes lie inside one segment: skip the counting.
        const bool same = v[0] == v[1] && v[0] == v[2] && v[0] == v[3] && v[0] == v[4] && v[0] == v[5] && v[0] == v[6] && v[0] == v[7];
        *dst++ = same ? v[0] : mode_nonzero_smallest(v);
      }
    }
  }
}

Array3<uint64_t> downsample_labels_2x(const Array3<uint64_t>& in) {
  Array3<uint64_t> out(downsampled_box(in.box(), "label downsampling"));
  downsample_labels_2x_planes(in, out, 0, out.shape().z);
  return out;
}

Array3<uint8_t> downsample_mean_2x(const Array3<uint8_t>& in) {
  Array3<uint8_t> out(downsampled_box(in.box(), "grayscale downsampling"));
  const Vec3 s = out.shape();
  const int64_t nx = in.shape().x, nxy = in.shape().x * in.shape().y;
  const uint8_t* src = in.data();
  uint8_t* dst = out.data();
  for (int64_t z = 0; z < s.z; ++z)
    for (int64_t y = 0; y < s.y; ++y) {
      const uint8_t* r00 = src + (2 * z) * nxy + (2 * y) * nx;
      const uint8_t* r01 = r00 + nx;
      const uint8_t* r10 = r00 + nxy;
      const uint8_t* r11 = r10 + nx;
      for (int64_t x = 0; x < s.x; ++x) {
        const int64_t i = 2 * x;
        const unsigned sum = r00[i] + r00[i + 1] + r01[i] + r01[i + 1] + r10[i] + r10[i + 1] + r11[i] + r11[i + 1];
        *dst++ = static_cast<uint8_t>(sum / 8);
      }
    }
  return out;
}

}  // namespace dflow
