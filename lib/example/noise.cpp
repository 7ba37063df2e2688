#include "example/noise.hpp"

#include <algorithm>

#include "core/error.hpp"
#include "core/geometry.hpp"
#include "example/random.hpp"

namespace dflow::example {

ValueNoise::ValueNoise(uint64_t seed, int64_t spacing) : seed_(seed), spacing_(spacing) {
  if (spacing < 1) fail("example: noise spacing {} must be positive", spacing);
  weight_.resize(size_t(spacing));
  for (int64_t f = 0; f < spacing; ++f) {
    // smoothstep t^2 (3 - 2t) with t = f/spacing, in units of 1/kNoiseOne
    const int64_t t = f * kNoiseOne / spacing;
    weight_[size_t(f)] = t * t / kNoiseOne * (3 * kNoiseOne - 2 * t) / kNoiseOne;
  }
}

int32_t ValueNoise::lattice(int64_t i, int64_t j, int64_t k) const {
  // One mixing round over a linear combination: plenty for noise, and 4x cheaper than hash3.
  const uint64_t h = mix64(seed_ + uint64_t(i) * 0x9e3779b97f4a7c15ULL + uint64_t(j) * 0xc2b2ae3d27d4eb4fULL +
                           uint64_t(k) * 0x165667b19e3779f9ULL);
  return int32_t(int64_t(uniform(h, 2 * kNoiseOne + 1)) - kNoiseOne);
}

namespace {
constexpr int64_t lerp(int64_t a, int64_t b, int64_t w) { return a + (((b - a) * w) >> 12); }  // w in [0, 4096]
static_assert(kNoiseOne == 4096);
}  // namespace

void ValueNoise::row(int64_t x0, int64_t y, int64_t z, int64_t n, int32_t* out) const {
  if (n <= 0) return;
  const int64_t s = spacing_;
  const int64_t j = floor_div(y, s), k = floor_div(z, s);
  const int64_t wy = weight_[size_t(y - j * s)], wz = weight_[size_t(z - k * s)];
  const int64_t i0 = floor_div(x0, s), i1 = floor_div(x0 + n - 1, s) + 1;
  // Lattice columns interpolated in y and z once per row; then only x varies.
  std::vector<int64_t> col(size_t(i1 - i0 + 1));
  for (int64_t i = i0; i <= i1; ++i) {
    const int64_t a = lerp(lattice(i, j, k), lattice(i, j + 1, k), wy);
    const int64_t b = lerp(lattice(i, j, k + 1), lattice(i, j + 1, k + 1), wy);
    col[size_t(i - i0)] = lerp(a, b, wz);
  }
  int64_t x = x0;
  for (int64_t i = i0; x < x0 + n; ++i) {
    const int64_t c0 = col[size_t(i - i0)], c1 = col[size_t(i - i0 + 1)];
    const int64_t cell_end = std::min((i + 1) * s, x0 + n);
    for (; x < cell_end; ++x) out[x - x0] = int32_t(lerp(c0, c1, weight_[size_t(x - i * s)]));
  }
}

int32_t ValueNoise::at(int64_t x, int64_t y, int64_t z) const {
  int32_t v = 0;
  row(x, y, z, 1, &v);
  return v;
}

}  // namespace dflow::example
