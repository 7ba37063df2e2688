#pragma once
// Cutting a volume into bricks, the unit of work of every MPI stage.
//
// Bricks are cells of a grid of `brick_shape` anchored at global coordinate 0 (like flyemflows'
// boxes_from_grid), so their corners are multiples of the brick shape and therefore of the DVID
// block shape: every 64^3 block belongs to exactly one brick, and no two ranks ever write the same
// block. `logical` is the full grid cell; `box` is that cell clipped to the volume bounds (what is
// actually read). Only bricks with a non-empty `box` exist.
//
// Order: bricks are sorted by the Morton (Z-order) code of their grid coordinates (relative to the
// first grid cell, so negative boxes work too) and numbered 0..n-1 in that order. That number is the
// brick id used in journals and result files; it depends only on (bounds, brick_shape).
//
// Assignment to ranks: each brick, in Z-order, goes to the rank with the fewest voxels assigned so
// far (ties to the lowest rank). With full bricks this is round-robin over the Z-order; partial
// bricks at the volume edge count for what they hold. Interleaving (rather than giving each rank a
// contiguous run of the Z-order) spreads spatially clustered content (empty margins, dense tissue)
// over all ranks, which matters more than locality here: bricks are aligned to the input chunk grid
// in the common case, so neighbouring bricks share no input chunks anyway. This static plan is what
// DFLOW_BRICK_SCHEDULE=static runs; by default run_bricks hands bricks out dynamically instead
// (brick_queue.hpp), which also evens out bricks of unequal cost.
#include <cstdint>
#include <string>
#include <vector>

#include "core/geometry.hpp"

namespace dflow::mpi {

struct Brick {
  uint64_t id = 0;      // position in Z-order
  Vec3 grid;            // grid coordinates: logical.lo / brick_shape
  Box logical;          // the aligned grid cell
  Box box;              // logical clipped to the volume bounds (never empty)
  int64_t voxels() const { return box.volume(); }
};

struct BrickPlan {
  Box bounds;
  Vec3 brick_shape;
  Vec3 block_shape;
  std::vector<Brick> bricks;  // bricks[i].id == i

  // "bounds=[..] brick=[..]": identifies the plan (journals refuse a different one).
  std::string signature() const;
};

// Throws dflow::Error if bounds is empty, a shape is not positive, or brick_shape is not a multiple
// of block_shape.
BrickPlan plan_bricks(const Box& bounds, const Vec3& brick_shape, const Vec3& block_shape = Vec3::fill(64));

// Morton code of non-negative grid coordinates (21 bits per axis, x in the lowest bit).
uint64_t morton3(uint64_t x, uint64_t y, uint64_t z);

// Ids of `bricks` (any subset of a plan, e.g. those not yet done) assigned to `rank` of `nranks`,
// in Z-order. Every brick goes to exactly one rank; the result depends only on the inputs.
std::vector<uint64_t> assign_bricks(const std::vector<Brick>& bricks, int rank, int nranks);
// All ranks' assignments at once: result[r] = assign_bricks(bricks, r, nranks).
std::vector<std::vector<uint64_t>> assign_all(const std::vector<Brick>& bricks, int nranks);

// What the dry run prints: counts, bricks per rank, bytes per brick and an estimate of memory
// per rank (`working_bytes_per_voxel` = bytes a stage keeps per voxel of the brick it works on,
// on top of the voxels themselves; `bricks_held` = bricks whose voxels a rank holds at once: 2 when
// the next brick is read while the current one is processed, run_bricks_overlapped).
struct PlanSummary {
  size_t bricks = 0;
  size_t min_per_rank = 0, max_per_rank = 0;
  int64_t max_rank_voxels = 0;
  int64_t max_brick_bytes = 0;
  int64_t est_rank_bytes = 0;
  std::string text;  // multi-line human-readable summary
};
PlanSummary summarize_plan(const BrickPlan& plan, const std::vector<Brick>& todo, int nranks,
                           size_t bytes_per_voxel, double working_bytes_per_voxel, int bricks_held = 1);

// "1.5 GiB", "12.0 MiB", ...
std::string human_bytes(double bytes);

}  // namespace dflow::mpi
