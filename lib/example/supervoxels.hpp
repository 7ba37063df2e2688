#pragma once
// Supervoxels of the example volume: a warped Voronoi tessellation of jittered seed points (one per
// cell of a grid of `cell` voxels, so cells are elongated when cell.z > cell.x), cut by a blobby
// tissue mask outside of which everything is background (label 0).
//
// Supervoxel ids are deliberately NOT dense: each seed gets an id drawn from one of four ranges
// ([1,2^16), [2^16,2^32), [2^32,2^48), [2^48,2^62)), and the supervoxel at the centre of the volume
// gets kNearInt64MaxId, just below 2^63, to catch code that squeezes ids through int64/double/uint32.
#include <cstdint>
#include <functional>
#include <vector>

#include "core/array.hpp"
#include "core/geometry.hpp"
#include "example/noise.hpp"

namespace dflow::example {

inline constexpr uint64_t kNearInt64MaxId = (uint64_t{1} << 63) - 12345;

struct ExampleParams {
  Vec3 size{330, 290, 256};  // [x,y,z]; not a multiple of 64 in x and y, so edge blocks are partial
  uint64_t seed = 1;
  Vec3 cell{24, 24, 40};     // seed grid spacing: about one supervoxel per cell
  int64_t warp = 7;          // maximum displacement of the Voronoi metric, voxels
  int threads = 0;           // 0 = all hardware threads (at most 8)
  // write_example keeps all labels in memory (instead of computing them twice) up to this size.
  int64_t label_cache_bytes = int64_t{1} << 30;
};

// The benchmark size (make-example --large): about 1 Gvoxel.
inline constexpr Vec3 kLargeSize{1000, 1000, 1000};

class SupervoxelModel {
 public:
  explicit SupervoxelModel(const ExampleParams& params);
  const ExampleParams& params() const { return p_; }
  Box bounds() const { return {{0, 0, 0}, p_.size}; }

  // Labels of `region` (inside bounds()).
  Array3<uint64_t> generate(const Box& region) const;
  // The label of one voxel (slow; for tests).
  uint64_t label_at(const Vec3& p) const;

 private:
  struct Seed {
    int64_t x, y, z;  // position in 1/256 voxel
    uint64_t id;
  };
  // Index of the seed nearest to the warped point q (1/256 voxel), over the 3x3x3 cells around it.
  size_t nearest(int64_t qx, int64_t qy, int64_t qz) const;
  size_t cell_index(int64_t cx, int64_t cy, int64_t cz) const;
  void generate_row(int64_t y, int64_t z, int64_t x0, int64_t n, uint64_t* out, std::vector<int32_t>& scratch) const;

  ExampleParams p_;
  Vec3 c0_, cn_;  // first cell and number of cells per axis
  std::vector<Seed> seeds_;
  ValueNoise warp_x_, warp_y_, warp_z_, mask_;
  int64_t wx_, wy_, wz_;  // distance weights making cells isotropic in "cell units"
};

// Runs fn(begin, end) over [0, n) split into contiguous ranges on `threads` threads (0 = auto).
void parallel_ranges(int64_t n, int threads, const std::function<void(int64_t, int64_t)>& fn);
int resolve_threads(int threads);

}  // namespace dflow::example
