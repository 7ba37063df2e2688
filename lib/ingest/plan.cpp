// Geometry of an ingestion: passes, per-scale volumes, the blocks of a brick, brick reports.
#include <cmath>
#include <cstring>

#include "core/error.hpp"
#include "core/files.hpp"
#include "ingest/ingest.hpp"

namespace dflow::ingest {

int choose_pyramid_depth(const Box& bbox, int64_t top_level_max_dim) {
  const int64_t longest = bbox.shape().max();
  if (longest <= top_level_max_dim) return 0;
  // ceil(log2(longest / top)) in integers: the smallest d with top * 2^d >= longest.
  int d = 0;
  while ((top_level_max_dim << d) < longest) ++d;
  return d;
}

int brick_levels(const Vec3& brick_shape) {
  if (brick_shape.min() < kBlock || brick_shape.x % kBlock || brick_shape.y % kBlock || brick_shape.z % kBlock)
    fail("brick-shape {} must be a multiple of {} on every axis", brick_shape, kBlock);
  int l = 0;
  while (l < kMaxScales - 1) {
    const int64_t w = kBlock << (l + 1);
    if (brick_shape.x % w || brick_shape.y % w || brick_shape.z % w) break;
    ++l;
  }
  return l;
}

Box scaled_box(const Box& b, int scale) {
  const Vec3 f = Vec3::fill(int64_t{1} << scale);
  return {floor_div(b.lo, f), ceil_div(b.hi, f)};
}

std::vector<Pass> plan_passes(int top_scale, const Vec3& brick_shape) {
  std::vector<Pass> passes;
  const int first_levels = brick_levels(brick_shape);
  passes.push_back({0, std::min(top_scale, first_levels), brick_shape, "ingest-supervoxels", true});
  // Later passes need at least one level each: round the brick up to a multiple of 128.
  Vec3 later = brick_shape;
  for (int a = 0; a < 3; ++a) later[a] = ceil_div(later[a], 2 * kBlock) * 2 * kBlock;
  const int levels = brick_levels(later);
  while (passes.back().top_scale < top_scale) {
    const int from = passes.back().top_scale;
    passes.push_back({from, std::min(top_scale, from + levels), later, fmt::format("ingest-supervoxels-from-s{}", from), false});
  }
  return passes;
}

std::vector<Vec3> blocks_in(const Box& array_box, const Box& volume) {
  std::vector<Vec3> out;
  const Box region = array_box.intersect(volume);
  if (region.empty()) return out;
  const Box b{floor_div(region.lo, Vec3::fill(kBlock)), ceil_div(region.hi, Vec3::fill(kBlock))};
  for (int64_t z = b.lo.z; z < b.hi.z; ++z)
    for (int64_t y = b.lo.y; y < b.hi.y; ++y)
      for (int64_t x = b.lo.x; x < b.hi.x; ++x) out.push_back({x, y, z});
  return out;
}

std::pair<Vec3, Vec3> corner_blocks(const Box& volume) {
  return {floor_div(volume.lo, Vec3::fill(kBlock)), floor_div(volume.hi - Vec3::fill(1), Vec3::fill(kBlock))};
}

ScaleCounts& ScaleCounts::operator+=(const ScaleCounts& o) {
  written += o.written;
  empty_skipped += o.empty_skipped;
  identical_skipped += o.identical_skipped;
  bytes += o.bytes;
  requests += o.requests;
  return *this;
}

// Blob: "ISV2", uint32 scales, then per scale 5 x uint64 counters, then the uint64 row count (LE).
// ("ISV1" blobs of earlier versions carried the rows themselves; their count is still read.)
std::vector<std::byte> encode_report(const BrickReport& r) {
  const size_t head = 8 + r.scales.size() * 40;
  std::vector<std::byte> out(head + 8);
  std::memcpy(out.data(), "ISV2", 4);
  store_le32(out.data() + 4, uint32_t(r.scales.size()));
  std::byte* p = out.data() + 8;
  for (const ScaleCounts& c : r.scales) {
    for (uint64_t v : {c.written, c.empty_skipped, c.identical_skipped, c.bytes, c.requests}) {
      store_le64(p, v);
      p += 8;
    }
  }
  store_le64(p, r.rows);
  return out;
}

BrickReport decode_report(std::span<const std::byte> blob) {
  const bool v1 = blob.size() >= 8 && std::memcmp(blob.data(), "ISV1", 4) == 0;
  if (blob.size() < 8 || (!v1 && std::memcmp(blob.data(), "ISV2", 4) != 0))
    fail("ingest-supervoxels: brick result is not a report ({} bytes)", blob.size());
  const uint32_t n = load_le32(blob.data() + 4);
  const size_t head = 8 + size_t(n) * 40;
  if (n > kMaxScales || blob.size() < head || (v1 ? (blob.size() - head) % 24 != 0 : blob.size() != head + 8))
    fail("ingest-supervoxels: brick result of {} bytes is malformed", blob.size());
  BrickReport r;
  const std::byte* p = blob.data() + 8;
  for (uint32_t s = 0; s < n; ++s) {
    ScaleCounts& c = r.scales[s];
    for (uint64_t* v : {&c.written, &c.empty_skipped, &c.identical_skipped, &c.bytes, &c.requests}) {
      *v = load_le64(p);
      p += 8;
    }
  }
  r.rows = v1 ? (blob.size() - head) / 24 : load_le64(p);
  return r;
}

namespace {
template <typename T>
void widen(std::span<const std::byte> voxels, const Box& box, Array3<uint64_t>& out) {
  const Vec3 s = box.shape();
  const T* src = reinterpret_cast<const T*>(voxels.data());
  for (int64_t z = 0; z < s.z; ++z)
    for (int64_t y = 0; y < s.y; ++y) {
      uint64_t* d = &out.at({box.lo.x, box.lo.y + y, box.lo.z + z});
      const T* r = src + (z * s.y + y) * s.x;
      for (int64_t x = 0; x < s.x; ++x) d[x] = uint64_t(r[x]);
    }
}
}  // namespace

void paste_as_uint64(std::span<const std::byte> voxels, DType dtype, const Box& box, Array3<uint64_t>& out) {
  if (!out.box().contains(box)) fail("ingest-supervoxels: box {} is outside the brick {}", box, out.box());
  if (voxels.size() != size_t(box.volume()) * dtype_size(dtype))
    fail("ingest-supervoxels: {} bytes for box {} of {}", voxels.size(), box, dtype_name(dtype));
  switch (dtype) {
    case DType::uint8: widen<uint8_t>(voxels, box, out); break;
    case DType::uint16: widen<uint16_t>(voxels, box, out); break;
    case DType::uint32: widen<uint32_t>(voxels, box, out); break;
    case DType::uint64: copy_region(reinterpret_cast<const uint64_t*>(voxels.data()), box, out.data(), out.box(), box); break;
    default: fail("ingest-supervoxels: a segmentation must be unsigned integers, not {}", dtype_name(dtype));
  }
}

}  // namespace dflow::ingest
