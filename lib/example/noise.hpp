#pragma once
// Integer 3-D value noise: pseudo-random values on a lattice of `spacing` voxels, interpolated with
// a smoothstep weight. Values are in [-kNoiseOne, kNoiseOne]. Evaluated a row (fixed y,z) at a time,
// which costs about one lattice hash per voxel at spacing 4 and much less for coarser noise.
#include <cstdint>
#include <vector>

namespace dflow::example {

inline constexpr int32_t kNoiseOne = 4096;

class ValueNoise {
 public:
  ValueNoise(uint64_t seed, int64_t spacing);
  // out[i] = noise(x0 + i, y, z) for i in [0, n).
  void row(int64_t x0, int64_t y, int64_t z, int64_t n, int32_t* out) const;
  int32_t at(int64_t x, int64_t y, int64_t z) const;
  int64_t spacing() const { return spacing_; }

 private:
  int32_t lattice(int64_t i, int64_t j, int64_t k) const;
  uint64_t seed_;
  int64_t spacing_;
  std::vector<int64_t> weight_;  // smoothstep(f / spacing) * kNoiseOne for f in [0, spacing)
};

}  // namespace dflow::example
