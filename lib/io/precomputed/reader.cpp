// The precomputed VolumeReader: maps a voxel box onto the scale's chunk grid and reads each chunk
// from its unsharded file or its shard.
#include <cstring>
#include <filesystem>

#include "core/array.hpp"
#include "core/error.hpp"
#include "core/grid.hpp"
#include "core/parallel.hpp"
#include "io/precomputed/chunk.hpp"
#include "io/precomputed/metadata.hpp"
#include "io/precomputed/precomputed.hpp"
#include "io/precomputed/sharding.hpp"
#include "io/precomputed/unsharded.hpp"

namespace dflow {
namespace {

using namespace precomputed;

void zero_region(std::byte* dst, const Box& dst_box, const Box& region, size_t elem) {
  const Vec3 ds = dst_box.shape(), rs = region.shape();
  for (int64_t z = 0; z < rs.z; ++z)
    for (int64_t y = 0; y < rs.y; ++y) {
      const int64_t dz = region.lo.z + z - dst_box.lo.z, dy = region.lo.y + y - dst_box.lo.y;
      std::byte* d = dst + ((dz * ds.y + dy) * ds.x + (region.lo.x - dst_box.lo.x)) * static_cast<int64_t>(elem);
      std::memset(d, 0, static_cast<size_t>(rs.x) * elem);
    }
}

class PrecomputedReader final : public VolumeReader {
 public:
  PrecomputedReader(std::shared_ptr<kv::KvStore> store, Info info, int scale)
      : info_(std::move(info)), scale_(info_.scales.at(static_cast<size_t>(scale))),
        scale_store_(kv::substore(std::move(store), scale_.key)) {
    if (scale_.sharding) sharded_.emplace(scale_store_, *scale_.sharding);
  }

  DType dtype() const override { return info_.dtype; }
  Box bounds() const override { return scale_.bounds(); }
  Vec3 chunk_shape() const override { return scale_.chunk_size; }
  std::string describe() const override { return "precomputed:" + scale_store_->describe(""); }

  void read(const Box& box, std::span<std::byte> out) const override {
    check_box(box);
    const size_t elem = dtype_size(info_.dtype);
    if (out.size() != static_cast<size_t>(box.volume()) * elem)
      fail("{}: read of {} needs a {}-byte buffer, got {}", describe(), box, box.volume() * elem, out.size());
    const Vec3 g0 = floor_div(box.lo - scale_.voxel_offset, scale_.chunk_size);
    const Vec3 g1 = ceil_div(box.hi - scale_.voxel_offset, scale_.chunk_size);
    const std::vector<Vec3> chunks = points_of({g0, g1});
    // From a bucket up to parallel_reads() chunks (or shard ranges) in flight, each decoded by the
    // thread that fetched it into its own buffer; chunks cover disjoint parts of `out`. Local: one thread.
    const int threads = scale_store_->parallel_reads();
    std::vector<std::vector<uint64_t>> bufs(size_t(std::max(threads, 1)));  // uint64 keeps decoded labels aligned
    parallel_ranges(chunks.size(), threads, [&](size_t begin, size_t end, int worker) {
      std::vector<uint64_t>& buf = bufs[size_t(worker)];
      for (size_t c = begin; c < end; ++c) {
        const Vec3& g = chunks[c];
        const Box chunk_box = scale_.chunk_box(g);
        const Box region = chunk_box.intersect(box);
        const bool whole = chunk_box == box;
        std::span<std::byte> dst;
        if (whole) {
          dst = out;
        } else {
          const size_t bytes = static_cast<size_t>(chunk_box.volume()) * elem;
          buf.resize((bytes + 7) / 8);
          dst = std::as_writable_bytes(std::span(buf)).first(bytes);
        }
        if (!read_chunk(g, chunk_box, dst)) {
          zero_region(out.data(), box, region, elem);
        } else if (!whole) {
          copy_region_bytes(dst.data(), chunk_box, out.data(), box, region, elem);
        }
      }
    });
  }

 private:
  // Decodes chunk g into dst; false if the chunk is not stored (reads as zeros).
  bool read_chunk(const Vec3& g, const Box& chunk_box, std::span<std::byte> dst) const {
    if (sharded_) {
      const uint64_t id = compressed_morton_code(g, scale_.grid_shape());
      const std::string what = fmt::format("chunk {} (id {}, voxels {})", g, id, chunk_box);
      auto bytes = sharded_->read_chunk(id, what);
      if (!bytes) return false;
      try {
        decode_chunk(scale_, info_.dtype, chunk_box, *bytes, dst);
      } catch (const Error& e) {
        fail("precomputed: {}: {}: {}", sharded_->shard_path(locate(*scale_.sharding, id).shard), what, e.what());
      }
      return true;
    }
    std::string where;
    auto bytes = read_unsharded_chunk(*scale_store_, scale_, info_.dtype, chunk_box, &where);
    if (!bytes) return false;
    try {
      decode_chunk(scale_, info_.dtype, chunk_box, *bytes, dst);
    } catch (const Error& e) {
      fail("precomputed: {}: {}", where, e.what());
    }
    return true;
  }

  Info info_;
  Scale scale_;
  std::shared_ptr<kv::KvStore> scale_store_;
  std::optional<ShardedReader> sharded_;
};

}  // namespace

std::unique_ptr<VolumeReader> open_precomputed(std::shared_ptr<kv::KvStore> store, int scale) {
  Info info = precomputed::read_info(*store);
  if (scale < 0 || static_cast<size_t>(scale) >= info.scales.size())
    fail("precomputed: {}: scale {} requested, the info has {} scale(s) (0..{})", store->describe(""), scale,
         info.scales.size(), info.scales.size() - 1);
  return std::make_unique<PrecomputedReader>(std::move(store), std::move(info), scale);
}

std::unique_ptr<VolumeReader> open_precomputed(const std::string& path, int scale, const kv::Options& options) {
  std::string p = path;
  if (p.rfind("precomputed://", 0) == 0) p = p.substr(14);
  if (!kv::is_bucket_url(p)) {
    const std::filesystem::path dir = precomputed::local_path(path);
    if (!std::filesystem::exists(dir)) fail("precomputed: {}: no such directory", dir.string());
  }
  return open_precomputed(precomputed::open_store(path, options), scale);
}

}  // namespace dflow
