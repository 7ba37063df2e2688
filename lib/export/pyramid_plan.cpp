#include "export/pyramid_plan.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "core/error.hpp"

namespace dflow::exporter {

namespace {
Vec3 shl(const Vec3& v, int k) { return v * (int64_t{1} << k); }
bool divides(const Vec3& d, const Vec3& n) { return n.x % d.x == 0 && n.y % d.y == 0 && n.z % d.z == 0; }
}  // namespace

Box scale_box(const Box& box0, int scale) {
  const Vec3 f = Vec3::fill(int64_t{1} << scale);
  return {floor_div(box0.lo, f), ceil_div(box0.hi, f)};
}

Box child_box(const Box& box) { return {box.lo * 2, box.hi * 2}; }

Box PyramidPass::logical_at(const mpi::Brick& b, int s) const {
  const Box at_base = b.logical.translate(origin);
  const Vec3 f = Vec3::fill(int64_t{1} << (s - base));
  return {floor_div(at_base.lo, f), floor_div(at_base.hi, f)};
}

int64_t estimate_memory(const Vec3& brick, int64_t input_chunk_depth, bool holds_encoded_level) {
  const int64_t v = brick.prod();
  const int64_t slab = brick.x * brick.y * std::min(brick.z, std::max<int64_t>(1, input_chunk_depth));
  // The levels of a brick stay allocated (reused by the next brick): v * (1 + 1/8 + 1/64 + ...) <= v * 8/7.
  return v + v / 7 + slab + (holds_encoded_level ? v : 0);
}

std::vector<PyramidPass> plan_pyramid(const PlanInputs& in) {
  if (in.max_scale < 0) fail("max-pyramid-scale {} is negative", in.max_scale);
  if (in.box0.empty()) fail("the bounding box {} is empty", in.box0);
  std::vector<LevelGrid> grids;
  for (int s = 0; s <= in.max_scale; ++s) {
    grids.push_back(in.grid(s));
    const LevelGrid& g = grids.back();
    if (g.unit.min() <= 0) fail("export: output grid unit {} at scale {} is not positive", g.unit, s);
  }
  // Scales first..last nest: every written scale's grid is the top grid refined by powers of two, so
  // each top-level brick holds whole units (chunks, shards, blocks) at every scale below it.
  auto nests = [&](int first, int last) {
    const LevelGrid& top = grids[size_t(last)];
    for (int s = first; s <= last; ++s) {
      const LevelGrid& g = grids[size_t(s)];
      if (g.origin != shl(top.origin, last - s) || !divides(g.unit, shl(top.unit, last - s))) return false;
    }
    return true;
  };

  std::vector<PyramidPass> passes;
  int base = 0, first = 0;
  while (first <= in.max_scale) {
    int last = first;
    auto memory = [&](int l) { return estimate_memory(shl(grids[size_t(l)].unit, l - base), in.input_chunk_depth, in.holds_encoded_level); };
    while (last + 1 <= in.max_scale && nests(first, last + 1) && memory(last + 1) <= in.memory_budget) ++last;
    PyramidPass p;
    p.base = base;
    p.first = first;
    p.last = last;
    Vec3 brick = shl(grids[size_t(last)].unit, last - base);
    // Few levels (or small units) make small bricks; grow them (still whole top-level units) up to
    // kTargetBrickVoxels where the budget allows: per-brick costs (journal fsync, result file) stay
    // negligible, and there are still many bricks to spread over the ranks.
    while ((brick * 2).prod() <= kTargetBrickVoxels &&
           estimate_memory(brick * 2, in.input_chunk_depth, in.holds_encoded_level) <= in.memory_budget)
      brick = brick * 2;
    p.origin = shl(grids[size_t(last)].origin, last - base);
    const Box box_base = scale_box(in.box0, base);
    p.plan = mpi::plan_bricks(box_base.translate(Vec3{} - p.origin), brick, brick);
    p.memory_bytes = estimate_memory(brick, in.input_chunk_depth, in.holds_encoded_level);
    const int64_t ahead = brick.prod() + brick.x * brick.y * std::min(brick.z, std::max<int64_t>(1, in.input_chunk_depth));
    p.read_ahead = p.memory_bytes + ahead <= in.memory_budget;
    if (p.read_ahead) p.memory_bytes += ahead;
    passes.push_back(std::move(p));
    base = last;
    first = last + 1;
  }
  return passes;
}

std::string describe(const PyramidPass& p, int nranks) {
  const auto per_rank = mpi::assign_all(p.plan.bricks, nranks);
  size_t lo = p.plan.bricks.size(), hi = 0;
  for (const auto& ids : per_rank) lo = std::min(lo, ids.size()), hi = std::max(hi, ids.size());
  const std::string levels = p.first == p.last ? fmt::format("scale {}", p.first) : fmt::format("scales {}..{}", p.first, p.last);
  return fmt::format("reads {} {}, writes {}; bricks of {} at scale {}: {} ({}..{} per rank at {} ranks); "
                     "memory per rank ~{}{}",
                     p.base == 0 && p.first == 0 ? "the source at scale" : "the written level", p.base, levels,
                     p.plan.brick_shape, p.base, p.plan.bricks.size(), lo, hi, nranks,
                     mpi::human_bytes(double(p.memory_bytes)),
                     p.read_ahead ? " (with the next brick read meanwhile)" : " (no read-ahead: the budget holds one brick)");
}

}  // namespace dflow::exporter
