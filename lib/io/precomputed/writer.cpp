#include "io/precomputed/writer.hpp"

#include <vector>

#include "core/array.hpp"
#include "core/error.hpp"
#include "core/files.hpp"
#include "io/precomputed/chunk.hpp"
#include "io/precomputed/unsharded.hpp"

namespace dflow::precomputed {

namespace {
const Scale& unsharded_scale(const std::string& path, const Info& info, int scale) {
  if (scale < 0 || static_cast<size_t>(scale) >= info.scales.size())
    fail("precomputed: {}: no scale {} to write", path, scale);
  const Scale& s = info.scales[static_cast<size_t>(scale)];
  if (s.sharding) fail("precomputed: {}: scale \"{}\" is sharded; the writer only writes unsharded chunks", path, s.key);
  return s;
}
}  // namespace

void write_info(const std::string& path, const Info& info) {
  write_text_atomic(local_path(path) / "info", info_to_json(info));
}

void write_chunk(const std::string& path, const Info& info, int scale, const Vec3& g, std::span<const std::byte> voxels) {
  const Scale& s = unsharded_scale(path, info, scale);
  const Vec3 grid = s.grid_shape();
  if (g.x < 0 || g.y < 0 || g.z < 0 || g.x >= grid.x || g.y >= grid.y || g.z >= grid.z)
    fail("precomputed: {}: chunk {} is outside the grid {} of scale \"{}\"", path, g, grid, s.key);
  const Box chunk_box = s.chunk_box(g);
  const std::filesystem::path file = local_path(path) / s.key / chunk_name(chunk_box);
  std::vector<std::byte> encoded;
  try {
    encoded = encode_chunk(s, info.dtype, chunk_box, voxels);
  } catch (const Error& e) {
    fail("precomputed: {}: {}", file.string(), e.what());
  }
  write_file_atomic(file, encoded);
}

void write_region(const std::string& path, const Info& info, int scale, const Box& box,
                  std::span<const std::byte> voxels) {
  const Scale& s = unsharded_scale(path, info, scale);
  const size_t elem = dtype_size(info.dtype);
  if (box.empty() || !s.bounds().contains(box))
    fail("precomputed: {}: region {} is empty or outside the volume {}", path, box, s.bounds());
  if (voxels.size() != static_cast<size_t>(box.volume()) * elem)
    fail("precomputed: {}: region {} needs {} bytes, got {}", path, box, box.volume() * elem, voxels.size());
  const Vec3 rel_lo = box.lo - s.voxel_offset, rel_hi = box.hi - s.voxel_offset;
  for (int d = 0; d < 3; ++d) {
    if (rel_lo[d] % s.chunk_size[d] != 0 || (rel_hi[d] % s.chunk_size[d] != 0 && box.hi[d] != s.bounds().hi[d]))
      fail("precomputed: {}: region {} is not aligned to the chunk grid (chunk {}, offset {})", path, box,
           s.chunk_size, s.voxel_offset);
  }
  const Vec3 g0 = floor_div(rel_lo, s.chunk_size), g1 = ceil_div(rel_hi, s.chunk_size);
  std::vector<std::byte> buf;
  for (int64_t gz = g0.z; gz < g1.z; ++gz)
    for (int64_t gy = g0.y; gy < g1.y; ++gy)
      for (int64_t gx = g0.x; gx < g1.x; ++gx) {
        const Vec3 g{gx, gy, gz};
        const Box cb = s.chunk_box(g);
        buf.resize(static_cast<size_t>(cb.volume()) * elem);
        copy_region_bytes(voxels.data(), box, buf.data(), cb, cb, elem);
        write_chunk(path, info, scale, g, buf);
      }
}

}  // namespace dflow::precomputed
