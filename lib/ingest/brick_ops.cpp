#include "ingest/brick_ops.hpp"

#include "core/error.hpp"
#include "ingest/ingest.hpp"
#include "ops/downsample.hpp"

namespace dflow::ingest {

Array3<uint64_t> downsample_labels_2x_parallel(const Array3<uint64_t>& in, int threads) {
  if (threads <= 1) return downsample_labels_2x(in);
  const Box& b = in.box();
  const Vec3 s = b.shape();
  if (s.x % 2 || s.y % 2 || s.z % 2 || b.lo.x % 2 || b.lo.y % 2 || b.lo.z % 2)
    fail("label downsampling: box {} is not aligned to 2 on every axis", b);
  Array3<uint64_t> out(Box{floor_div(b.lo, Vec3::fill(2)), floor_div(b.hi, Vec3::fill(2))});
  const Vec3 o = out.shape();
  const int64_t nx = s.x, nxy = s.x * s.y;
  // The same loop as ops/downsample.cpp (the rule itself is mode_nonzero_smallest), one output z-plane per task.
  parallel_for(size_t(o.z), threads, [&](size_t zi) {
    const int64_t z = int64_t(zi);
    const uint64_t* src = in.data();
    uint64_t* dst = out.data() + z * o.x * o.y;
    for (int64_t y = 0; y < o.y; ++y) {
      const uint64_t* r00 = src + (2 * z) * nxy + (2 * y) * nx;
      const uint64_t* r01 = r00 + nx;
      const uint64_t* r10 = r00 + nxy;
      const uint64_t* r11 = r10 + nx;
      for (int64_t x = 0; x < o.x; ++x) {
        const int64_t i = 2 * x;
        const uint64_t v[8] = {r00[i], r00[i + 1], r01[i], r01[i + 1], r10[i], r10[i + 1], r11[i], r11[i + 1]};
        const bool same = v[0] == v[1] && v[0] == v[2] && v[0] == v[3] && v[0] == v[4] && v[0] == v[5] && v[0] == v[6] && v[0] == v[7];
        *dst++ = same ? v[0] : mode_nonzero_smallest(v);
      }
    }
  });
  return out;
}

std::vector<stats::BlockStat> block_stats_parallel(const Array3<uint64_t>& labels, const Box& valid, const Vec3& block_shape,
                                                   int threads) {
  const Box& b = labels.box();
  if (threads <= 1 || b.shape().z <= block_shape.z) return stats::block_stats(labels, valid, block_shape);
  const size_t layers = size_t(b.shape().z / block_shape.z);
  std::vector<std::vector<stats::BlockStat>> parts(layers);
  parallel_for(layers, threads, [&](size_t k) {
    const int64_t z0 = b.lo.z + int64_t(k) * block_shape.z;
    const Box layer{{b.lo.x, b.lo.y, z0}, {b.hi.x, b.hi.y, z0 + block_shape.z}};
    parts[k] = stats::block_stats(labels, valid.intersect(layer), block_shape);
  });
  std::vector<stats::BlockStat> rows;
  for (auto& p : parts) rows.insert(rows.end(), p.begin(), p.end());
  stats::sort_rows(rows);
  return rows;
}

void read_into(const VolumeReader& reader, const Box& box, Array3<uint64_t>& out, int threads) {
  const DType dtype = reader.dtype();
  const int64_t depth = std::max<int64_t>(1, reader.chunk_shape().z);
  // Slabs aligned to the reader's chunks, so no chunk is decoded twice.
  std::vector<Box> slabs;
  for (int64_t z = floor_div(box.lo.z, depth) * depth; z < box.hi.z; z += depth)
    slabs.push_back(Box{{box.lo.x, box.lo.y, z}, {box.hi.x, box.hi.y, z + depth}}.intersect(box));
  const bool direct = dtype == DType::uint64 && box.lo.x == out.box().lo.x && box.hi.x == out.box().hi.x &&
                      box.lo.y == out.box().lo.y && box.hi.y == out.box().hi.y;
  parallel_for(slabs.size(), threads, [&](size_t i) {
    const Box& s = slabs[i];
    if (direct) {  // a full-width slab of `out` is contiguous: read straight into it
      uint64_t* p = &out.at(s.lo);
      reader.read(s, std::as_writable_bytes(std::span(p, size_t(s.volume()))));
      return;
    }
    std::vector<std::byte> buf(size_t(s.volume()) * dtype_size(dtype));
    reader.read(s, buf);
    paste_as_uint64(buf, dtype, s, out);
  });
}

}  // namespace dflow::ingest
