#include "stats/block_stats.hpp"

#include <algorithm>
#include <tuple>
#include <unordered_map>

#include "core/error.hpp"
#include "core/files.hpp"

namespace dflow::stats {

void store_rows(std::span<const BlockStat> rows, std::byte* p) {
  for (const BlockStat& r : rows) {
    store_le64(p, r.segment_id);
    store_le32(p + 8, uint32_t(r.z));
    store_le32(p + 12, uint32_t(r.y));
    store_le32(p + 16, uint32_t(r.x));
    store_le32(p + 20, r.count);
    p += 24;
  }
}

std::vector<BlockStat> load_rows(std::span<const std::byte> bytes) {
  if (bytes.size() % 24 != 0) fail("block statistics: {} bytes is not a whole number of 24-byte rows", bytes.size());
  std::vector<BlockStat> rows(bytes.size() / 24);
  const std::byte* p = bytes.data();
  for (BlockStat& r : rows) {
    r.segment_id = load_le64(p);
    r.z = int32_t(load_le32(p + 8));
    r.y = int32_t(load_le32(p + 12));
    r.x = int32_t(load_le32(p + 16));
    r.count = load_le32(p + 20);
    p += 24;
  }
  return rows;
}

void sort_rows(std::vector<BlockStat>& rows) {
  std::sort(rows.begin(), rows.end(), [](const BlockStat& a, const BlockStat& b) {
    return std::tie(a.segment_id, a.z, a.y, a.x) < std::tie(b.segment_id, b.z, b.y, b.x);
  });
}

std::vector<BlockStat> block_stats(const Array3<uint64_t>& labels, const Box& valid, const Vec3& block_shape) {
  const Box& box = labels.box();
  if (block_shape.min() <= 0) fail("block_stats: block shape {} must be positive", block_shape);
  if (box.round_out(block_shape) != box) fail("block_stats: array box {} is not aligned to blocks of {}", box, block_shape);
  std::vector<BlockStat> rows;
  const Box region = box.intersect(valid);
  if (region.empty()) return rows;
  // Count per block with run-lengths along x: segmentations are piecewise constant, so a row of 64
  // voxels usually costs one or two map updates instead of 64.
  std::unordered_map<uint64_t, uint64_t> counts;
  const Box blocks = region.round_out(block_shape);
  for (int64_t bz = blocks.lo.z; bz < blocks.hi.z; bz += block_shape.z)
    for (int64_t by = blocks.lo.y; by < blocks.hi.y; by += block_shape.y)
      for (int64_t bx = blocks.lo.x; bx < blocks.hi.x; bx += block_shape.x) {
        const Box cell = Box{{bx, by, bz}, Vec3{bx, by, bz} + block_shape}.intersect(region);
        counts.clear();
        for (int64_t z = cell.lo.z; z < cell.hi.z; ++z)
          for (int64_t y = cell.lo.y; y < cell.hi.y; ++y) {
            const uint64_t* p = &labels.at({cell.lo.x, y, z});
            const int64_t n = cell.hi.x - cell.lo.x;
            int64_t i = 0;
            while (i < n) {
              const uint64_t v = p[i];
              int64_t j = i + 1;
              while (j < n && p[j] == v) ++j;
              if (v != 0) counts[v] += uint64_t(j - i);
              i = j;
            }
          }
        for (const auto& [id, count] : counts)
          rows.push_back({id, int32_t(bz), int32_t(by), int32_t(bx), uint32_t(count)});
      }
  sort_rows(rows);
  return rows;
}

}  // namespace dflow::stats
