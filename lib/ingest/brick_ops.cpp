#include "ingest/brick_ops.hpp"

#include "core/error.hpp"
#include "ingest/ingest.hpp"
#include "ops/downsample.hpp"

namespace dflow::ingest {

Array3<uint64_t> downsample_labels_2x_parallel(const Array3<uint64_t>& in, int threads) {
  if (threads <= 1) return downsample_labels_2x(in);
  Array3<uint64_t> out(downsampled_box(in.box(), "label downsampling"));
  // One output z-plane per task.
  parallel_for(size_t(out.shape().z), threads, [&](size_t z) { downsample_labels_2x_planes(in, out, int64_t(z), int64_t(z) + 1); });
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
