// Brick cutting, Z-order numbering and rank assignment (no MPI needed).
#include <catch2/catch.hpp>

#include <algorithm>
#include <set>

#include "core/error.hpp"
#include "mpi/bricks.hpp"

using namespace dflow;
using namespace dflow::mpi;

namespace {
// Every voxel of bounds is in exactly one brick box, and boxes are the clipped logical cells.
void check_cover(const BrickPlan& plan) {
  int64_t total = 0;
  for (size_t i = 0; i < plan.bricks.size(); ++i) {
    const Brick& b = plan.bricks[i];
    CHECK(b.id == i);
    CHECK(!b.box.empty());
    CHECK(b.logical.shape() == plan.brick_shape);
    CHECK(b.logical.lo == b.grid * plan.brick_shape);
    CHECK(b.box == b.logical.intersect(plan.bounds));
    for (int a = 0; a < 3; ++a) {
      CHECK(b.logical.lo[a] % plan.brick_shape[a] == 0);
      CHECK(b.logical.lo[a] % plan.block_shape[a] == 0);
    }
    total += b.voxels();
    for (size_t j = i + 1; j < plan.bricks.size(); ++j) CHECK(plan.bricks[j].box.intersect(b.box).empty());
  }
  CHECK(total == plan.bounds.volume());
}
}  // namespace

TEST_CASE("bricks are aligned to the global brick grid and clipped to the volume") {
  const Box bounds{{0, 0, 0}, {330, 290, 256}};
  const BrickPlan plan = plan_bricks(bounds, Vec3::fill(128));
  REQUIRE(plan.bricks.size() == 3 * 3 * 2);
  check_cover(plan);
  // The corner brick is partial in x and y.
  const auto last = std::find_if(plan.bricks.begin(), plan.bricks.end(), [](const Brick& b) { return b.grid == Vec3{2, 2, 1}; });
  REQUIRE(last != plan.bricks.end());
  CHECK(last->logical == Box{{256, 256, 128}, {384, 384, 256}});
  CHECK(last->box == Box{{256, 256, 128}, {330, 290, 256}});
}

TEST_CASE("bricks of an offset box start at multiples of the brick shape, not at the box corner") {
  const Box bounds{{100, 70, 1}, {300, 200, 130}};
  const BrickPlan plan = plan_bricks(bounds, {128, 64, 64});
  check_cover(plan);
  // x: cells [0,128) [128,256) [256,384); y: [64,128) [128,192) [192,256); z: [0,64) [64,128) [128,192)
  CHECK(plan.bricks.size() == 3 * 3 * 3);
  CHECK(plan.bricks.front().logical == Box{{0, 64, 0}, {128, 128, 64}});
  CHECK(plan.bricks.front().box == Box{{100, 70, 1}, {128, 128, 64}});
}

TEST_CASE("bricks of a box with negative coordinates") {
  const Box bounds{{-130, -64, -1}, {10, 64, 1}};
  const BrickPlan plan = plan_bricks(bounds, Vec3::fill(64));
  check_cover(plan);
  std::set<int64_t> xs;
  for (const Brick& b : plan.bricks) xs.insert(b.grid.x);
  CHECK(xs == std::set<int64_t>{-3, -2, -1, 0});
  CHECK(plan.bricks.front().logical.lo == Vec3{-192, -64, -64});
  CHECK(plan.bricks.front().box.lo == Vec3{-130, -64, -1});
}

TEST_CASE("bricks are numbered in Morton order of their grid coordinates") {
  const BrickPlan plan = plan_bricks({{0, 0, 0}, {256, 256, 256}}, Vec3::fill(64));
  REQUIRE(plan.bricks.size() == 64);
  // Z-order: x varies fastest within each 2x2x2 group.
  CHECK(plan.bricks[0].grid == Vec3{0, 0, 0});
  CHECK(plan.bricks[1].grid == Vec3{1, 0, 0});
  CHECK(plan.bricks[2].grid == Vec3{0, 1, 0});
  CHECK(plan.bricks[3].grid == Vec3{1, 1, 0});
  CHECK(plan.bricks[4].grid == Vec3{0, 0, 1});
  CHECK(plan.bricks[7].grid == Vec3{1, 1, 1});
  CHECK(plan.bricks[8].grid == Vec3{2, 0, 0});
  CHECK(morton3(1, 0, 0) == 1);
  CHECK(morton3(0, 1, 0) == 2);
  CHECK(morton3(0, 0, 1) == 4);
  CHECK(morton3(3, 3, 3) == 63);
  CHECK(morton3(0x1fffff, 0, 0) == 0x1249249249249249ULL);
  // Deterministic: the same inputs give the same plan.
  const BrickPlan again = plan_bricks({{0, 0, 0}, {256, 256, 256}}, Vec3::fill(64));
  for (size_t i = 0; i < plan.bricks.size(); ++i) CHECK(again.bricks[i].grid == plan.bricks[i].grid);
  CHECK(plan.signature() == "bounds=[[0,0,0],[256,256,256]] brick=[64,64,64]");
}

TEST_CASE("invalid brick shapes are refused with one clear error") {
  CHECK_THROWS_WITH(plan_bricks({{0, 0, 0}, {10, 10, 10}}, {100, 64, 64}),
                    "bricks: brick shape [100,64,64] is not a multiple of the block shape [64,64,64]");
  CHECK_THROWS_AS(plan_bricks({{0, 0, 0}, {0, 10, 10}}, Vec3::fill(64)), Error);
  CHECK_THROWS_AS(plan_bricks({{0, 0, 0}, {10, 10, 10}}, {0, 64, 64}), Error);
}

TEST_CASE("assignment gives every brick to exactly one rank, balanced by voxels") {
  const BrickPlan plan = plan_bricks({{0, 0, 0}, {330, 290, 256}}, Vec3::fill(64));
  for (int n : {1, 2, 3, 4, 7, 200}) {
    const auto all = assign_all(plan.bricks, n);
    REQUIRE(all.size() == size_t(n));
    std::vector<int> seen(plan.bricks.size(), 0);
    int64_t lo = INT64_MAX, hi = 0;
    size_t cmin = SIZE_MAX, cmax = 0;
    for (int r = 0; r < n; ++r) {
      CHECK(all[size_t(r)] == assign_bricks(plan.bricks, r, n));
      CHECK(std::is_sorted(all[size_t(r)].begin(), all[size_t(r)].end()));
      int64_t v = 0;
      for (uint64_t id : all[size_t(r)]) {
        ++seen[id];
        v += plan.bricks[id].voxels();
      }
      lo = std::min(lo, v);
      hi = std::max(hi, v);
      cmin = std::min(cmin, all[size_t(r)].size());
      cmax = std::max(cmax, all[size_t(r)].size());
    }
    for (int s : seen) CHECK(s == 1);
    if (size_t(n) <= plan.bricks.size()) {
      // Greedy least-loaded: no rank exceeds another by more than one full brick.
      CHECK(hi - lo <= plan.brick_shape.prod());
    }
  }
  // Full equal bricks: plain round-robin over the Z-order.
  const BrickPlan even = plan_bricks({{0, 0, 0}, {256, 256, 128}}, Vec3::fill(64));
  CHECK(assign_bricks(even.bricks, 1, 3) == std::vector<uint64_t>{1, 4, 7, 10, 13, 16, 19, 22, 25, 28, 31});
}

TEST_CASE("assignment of a subset (bricks left after a resume)") {
  const BrickPlan plan = plan_bricks({{0, 0, 0}, {256, 256, 64}}, Vec3::fill(64));
  std::vector<Brick> todo;
  for (const Brick& b : plan.bricks)
    if (b.id % 3 != 0) todo.push_back(b);
  const auto all = assign_all(todo, 2);
  std::set<uint64_t> ids;
  for (const auto& r : all) ids.insert(r.begin(), r.end());
  CHECK(ids.size() == todo.size());
  for (uint64_t id : ids) CHECK(id % 3 != 0);
}

TEST_CASE("dry-run summary") {
  const BrickPlan plan = plan_bricks({{0, 0, 0}, {330, 290, 256}}, Vec3::fill(128));
  const PlanSummary s = summarize_plan(plan, plan.bricks, 4, 8, 2.0);
  CHECK(s.bricks == 18);
  CHECK(s.min_per_rank == 4);
  CHECK(s.max_per_rank == 5);
  CHECK(s.max_brick_bytes == 128 * 128 * 128 * 8);
  CHECK(s.est_rank_bytes == 128 * 128 * 128 * 10);
  CHECK(s.text.find("bricks: 18 to do of 18 (4 ranks: 4..5 bricks per rank") != std::string::npos);
  CHECK(s.text.find("estimated memory per rank: 20.0 MiB") != std::string::npos);
  CHECK(human_bytes(1536) == "1.5 KiB");
  CHECK(human_bytes(100) == "100 B");
}
