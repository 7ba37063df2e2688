#pragma once
// How export-grayscale cuts a pyramid into passes and bricks.
//
// Geometry. Scale s of a scale-0 box [lo, hi) is [floor(lo/2^s), ceil(hi/2^s)): the 2x2x2 cells are
// anchored at global coordinate 0 (as flyemflows' grids and DVID's blocks are), and a level covers
// every cell that touches the level below (rounded out, as flyemflows' DVID extents and CloudVolume's
// sizes). Voxels outside the level below count as 0 in the block mean (flyemflows pads bricks with
// zeros before downsampling: fill-blocks).
//
// Passes. A brick of U*2^D voxels per axis at scale b (U = the output's unit at the pass's top scale:
// a chunk, a shard, or a 64^3 DVID block) holds every 2x2x2 cell of scales b+1..b+D below its own
// top-level unit, so a rank computes those levels with no communication ("bricks that carry their
// own pyramid", DESIGN-NOTES). Pass 0 reads the source and writes scales 0..L; each later pass reads
// the level the previous pass ended at (from the output, or from a lossless staging copy when the
// output is lossy) and writes the next levels, until max-pyramid-scale. D is the largest depth whose
// brick fits the memory budget (bricks of a shallow pass are then enlarged towards 256^3 voxels), and
// it is cut short where the output grids of two levels do not nest
// (e.g. a precomputed box starting at an odd coordinate: its level-1 chunk grid is not the level-0
// chunk grid halved).
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "core/geometry.hpp"
#include "mpi/bricks.hpp"

namespace dflow::exporter {

// [floor(lo/2^s), ceil(hi/2^s)).
Box scale_box(const Box& box0, int scale);
// The box whose 2x2x2 block means make `box` one scale up, i.e. box's voxels at the scale below.
Box child_box(const Box& box);

// The grid an output writes at one scale: bricks are cells origin + k*unit (so every chunk, shard
// or DVID block belongs to exactly one brick), and writes cover write_box.
struct LevelGrid {
  Vec3 origin;
  Vec3 unit;
  Box write_box;
};

struct PyramidPass {
  int base = 0;         // scale read: 0 = the source, otherwise a level written by an earlier pass
  int first = 0;        // first scale written (== base for pass 0, base + 1 otherwise)
  int last = 0;         // last scale written
  Vec3 origin;          // brick grid origin at scale `base`
  mpi::BrickPlan plan;  // at scale `base`, in coordinates relative to `origin`
  int64_t memory_bytes = 0;  // estimated peak per rank (see estimate_memory), the read-ahead brick included
  bool read_ahead = false;   // the next brick is read while this one is processed (when the budget has room)

  // Brick b's box at scale s (base <= s <= last), in global coordinates of that scale.
  Box logical_at(const mpi::Brick& b, int s) const;
  Box read_box(const mpi::Brick& b) const { return b.box.translate(origin); }  // clipped, at `base`
};

// Bricks smaller than this (voxels at their base scale) are enlarged when the budget allows.
inline constexpr int64_t kTargetBrickVoxels = int64_t{1} << 24;  // 256^3

struct PlanInputs {
  Box box0;                                   // scale-0 data box (the source's bounding box)
  int max_scale = 0;
  std::function<LevelGrid(int scale)> grid;   // the output's grid at each scale
  int64_t memory_budget = int64_t{1} << 30;   // bytes per rank
  int64_t input_chunk_depth = 64;             // z-extent of the source's chunks (edge bricks are read in such slabs)
  bool holds_encoded_level = false;           // the output keeps a brick's encoded level in memory (sharded)
};

// Estimated peak bytes per rank for a pass reading bricks of `brick` voxels B (uint8):
//   B * 8/7 (the brick and its levels, B/8 + B/64 + ...) + one z-slab of an edge brick
//   (brick.x * brick.y * input chunk depth) [+ B when the output assembles shards in memory: the
//   encoded chunks of a level, at worst as large as the voxels].
int64_t estimate_memory(const Vec3& brick, int64_t input_chunk_depth, bool holds_encoded_level);

// A rank reads its next brick while it processes the current one when the budget also holds that
// brick and its edge slab (brick.prod() + brick.x * brick.y * input chunk depth); otherwise it reads
// after processing, and the bricks are planned as without read-ahead either way.
// The passes, in order. Throws if a single-level pass cannot be built (an output grid that does not
// nest even for one level is a programming error of the sink).
std::vector<PyramidPass> plan_pyramid(const PlanInputs& in);

// One line per pass for --dry-run and the log.
std::string describe(const PyramidPass& p, int nranks);

}  // namespace dflow::exporter
