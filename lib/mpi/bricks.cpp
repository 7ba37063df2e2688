#include "mpi/bricks.hpp"

#include <algorithm>
#include <queue>

#include <fmt/format.h>

#include "core/error.hpp"
#include "mpi/brick_queue.hpp"

namespace dflow::mpi {

namespace {
// Spreads the low 21 bits of v so that there are two zero bits between each.
uint64_t spread3(uint64_t v) {
  v &= 0x1fffff;
  v = (v | v << 32) & 0x1f00000000ffffULL;
  v = (v | v << 16) & 0x1f0000ff0000ffULL;
  v = (v | v << 8) & 0x100f00f00f00f00fULL;
  v = (v | v << 4) & 0x10c30c30c30c30c3ULL;
  v = (v | v << 2) & 0x1249249249249249ULL;
  return v;
}
}  // namespace

uint64_t morton3(uint64_t x, uint64_t y, uint64_t z) { return spread3(x) | spread3(y) << 1 | spread3(z) << 2; }

std::string BrickPlan::signature() const { return fmt::format("bounds={} brick={}", bounds, brick_shape); }

BrickPlan plan_bricks(const Box& bounds, const Vec3& brick_shape, const Vec3& block_shape) {
  if (bounds.empty()) fail("bricks: the volume bounding box {} is empty", bounds);
  if (brick_shape.min() <= 0) fail("bricks: brick shape {} must be positive", brick_shape);
  if (block_shape.min() <= 0) fail("bricks: block shape {} must be positive", block_shape);
  for (int a = 0; a < 3; ++a)
    if (brick_shape[a] % block_shape[a] != 0)
      fail("bricks: brick shape {} is not a multiple of the block shape {}", brick_shape, block_shape);

  BrickPlan plan{bounds, brick_shape, block_shape, {}};
  const Vec3 g0 = floor_div(bounds.lo, brick_shape);
  const Vec3 g1 = ceil_div(bounds.hi, brick_shape);
  const Vec3 n = g1 - g0;
  if (n.max() > (int64_t{1} << 21)) fail("bricks: {} bricks along one axis is too many (brick shape {})", n.max(), brick_shape);

  struct Cell { uint64_t code; Vec3 grid; };
  std::vector<Cell> cells;
  cells.reserve(static_cast<size_t>(n.prod()));
  for (int64_t z = g0.z; z < g1.z; ++z)
    for (int64_t y = g0.y; y < g1.y; ++y)
      for (int64_t x = g0.x; x < g1.x; ++x)
        cells.push_back({morton3(uint64_t(x - g0.x), uint64_t(y - g0.y), uint64_t(z - g0.z)), {x, y, z}});
  std::sort(cells.begin(), cells.end(), [](const Cell& a, const Cell& b) { return a.code < b.code; });

  plan.bricks.reserve(cells.size());
  for (const Cell& c : cells) {
    const Box logical{c.grid * brick_shape, (c.grid + Vec3::fill(1)) * brick_shape};
    const Box box = logical.intersect(bounds);
    if (box.empty()) continue;  // cannot happen for a grid that covers bounds exactly, kept for safety
    plan.bricks.push_back({plan.bricks.size(), c.grid, logical, box});
  }
  return plan;
}

std::vector<std::vector<uint64_t>> assign_all(const std::vector<Brick>& bricks, int nranks) {
  if (nranks <= 0) fail("bricks: rank count {} must be positive", nranks);
  std::vector<std::vector<uint64_t>> out(static_cast<size_t>(nranks));
  // Min-heap of (assigned voxels, rank): the least-loaded rank, lowest rank on ties.
  using Load = std::pair<int64_t, int>;
  std::priority_queue<Load, std::vector<Load>, std::greater<>> heap;
  for (int r = 0; r < nranks; ++r) heap.push({0, r});
  for (const Brick& b : bricks) {
    auto [load, r] = heap.top();
    heap.pop();
    out[static_cast<size_t>(r)].push_back(b.id);
    heap.push({load + b.voxels(), r});
  }
  return out;
}

std::vector<uint64_t> assign_bricks(const std::vector<Brick>& bricks, int rank, int nranks) {
  if (rank < 0 || rank >= nranks) fail("bricks: rank {} is not in [0,{})", rank, nranks);
  return assign_all(bricks, nranks)[static_cast<size_t>(rank)];
}

std::string human_bytes(double bytes) {
  const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB"};
  int u = 0;
  while (bytes >= 1024.0 && u < 5) {
    bytes /= 1024.0;
    ++u;
  }
  return u == 0 ? fmt::format("{:.0f} B", bytes) : fmt::format("{:.1f} {}", bytes, units[u]);
}

PlanSummary summarize_plan(const BrickPlan& plan, const std::vector<Brick>& todo, int nranks,
                           size_t bytes_per_voxel, double working_bytes_per_voxel, int bricks_held) {
  PlanSummary s;
  s.bricks = todo.size();
  const auto per_rank = assign_all(todo, nranks);
  s.min_per_rank = todo.size();
  std::vector<int64_t> brick_voxels(plan.bricks.size(), 0);
  for (const Brick& b : plan.bricks) brick_voxels[b.id] = b.voxels();
  for (const auto& ids : per_rank) {
    s.min_per_rank = std::min(s.min_per_rank, ids.size());
    s.max_per_rank = std::max(s.max_per_rank, ids.size());
    int64_t v = 0;
    for (uint64_t id : ids) v += brick_voxels[id];
    s.max_rank_voxels = std::max(s.max_rank_voxels, v);
  }
  int64_t max_voxels = 0;
  for (const Brick& b : todo) max_voxels = std::max(max_voxels, b.voxels());
  s.max_brick_bytes = max_voxels * static_cast<int64_t>(bytes_per_voxel);
  s.est_rank_bytes = s.max_brick_bytes * std::max(bricks_held, 1) + static_cast<int64_t>(double(max_voxels) * working_bytes_per_voxel);
  const Schedule schedule = schedule_from_env();
  s.text = fmt::format(
      "volume {} ({} voxels), brick shape {}, block shape {}\n"
      "bricks: {} to do of {} ({} ranks: {}..{} bricks per rank{}, at most {} voxels per rank)\n"
      "schedule: {}\n"
      "bytes per brick: {} (full brick {}, {} B/voxel)\n"
      "estimated memory per rank: {} ({} plus {:.1f} B/voxel working memory)",
      plan.bounds, plan.bounds.volume(), plan.brick_shape, plan.block_shape, s.bricks, plan.bricks.size(), nranks,
      s.min_per_rank, s.max_per_rank, schedule == Schedule::dynamic ? " if all bricks cost the same" : "", s.max_rank_voxels,
      schedule == Schedule::dynamic
          ? "dynamic (rank 0 hands out the bricks largest first to whichever rank is free; DFLOW_BRICK_SCHEDULE=static for fixed shares)"
          : "static (DFLOW_BRICK_SCHEDULE=static: fixed shares, Z-order round robin by voxels)", human_bytes(double(s.max_brick_bytes)),
      human_bytes(double(plan.brick_shape.prod()) * double(bytes_per_voxel)), bytes_per_voxel,
      human_bytes(double(s.est_rank_bytes)),
      bricks_held > 1 ? "two bricks: the one processed and the next, read meanwhile," : "one brick", working_bytes_per_voxel);
  return s;
}

}  // namespace dflow::mpi
