// Reading Zarr v2 arrays (DirectoryStore / NestedDirectoryStore layouts) and, through the N5
// reader, arrays zarr's N5Store keeps as N5 datasets. Same read strategy as N5: only touched chunks,
// each decompressed once, converted only where it overlaps the request; no mutable state.
#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "core/files.hpp"
#include "core/grid.hpp"
#include "core/parallel.hpp"
#include "kvstore/kvstore.hpp"
#include "io/n5/chunk_copy.hpp"
#include "io/n5/n5.hpp"
#include "io/zarr/zarr.hpp"
#include "io/zarr/zarr_metadata.hpp"

namespace dflow {
namespace {

class ZarrReader final : public VolumeReader {
 public:
  ZarrReader(std::shared_ptr<kv::KvStore> store, zarr::Metadata m)
      : store_(std::move(store)), dir_str_(store_->describe("")), m_(std::move(m)) {}

  DType dtype() const override { return m_.dtype; }
  Box bounds() const override { return {{0, 0, 0}, m_.shape}; }
  Vec3 chunk_shape() const override { return m_.chunk; }
  std::string describe() const override { return "zarr:" + dir_str_; }

  void read(const Box& box, std::span<std::byte> out) const override {
    check_box(box);
    const size_t elem = dtype_size(m_.dtype);
    if (out.size() != static_cast<size_t>(box.volume()) * elem)
      fail("{}: output buffer has {} bytes, box {} needs {}", describe(), out.size(), box, box.volume() * elem);
    const ChunkLayout layout{.swap_bytes = m_.big_endian, .z_fastest = m_.fortran_order};
    const char sep = m_.separator;
    const std::vector<Vec3> chunks = points_of({floor_div(box.lo, m_.chunk), ceil_div(box.hi, m_.chunk)});
    // As in the N5 reader: from a bucket up to parallel_reads() chunks in flight, each decoded by the
    // thread that fetched it into its own buffer; local files: one thread.
    const int threads = store_->parallel_reads();
    const size_t workers = std::min(size_t(std::max(threads, 1)), std::max<size_t>(chunks.size(), 1));
    // Zarr stores every chunk whole, also at the array's edges.
    std::vector<std::vector<std::byte>> bufs(workers, std::vector<std::byte>(static_cast<size_t>(m_.chunk.prod()) * elem));
    parallel_ranges(chunks.size(), threads, [&](size_t begin, size_t end, int worker) {
      std::vector<std::byte>& buf = bufs[size_t(worker)];
      for (size_t c = begin; c < end; ++c) {
        const auto [i, j, k] = chunks[c];
        const Vec3 origin = chunks[c] * m_.chunk;
        const Box cbox{origin, origin + m_.chunk};
        const Box region = cbox.intersect(box);
        // Keys list chunk indices in zarr's axis order (z,y,x).
        const std::string key = fmt::format("{}{}{}{}{}", k, sep, j, sep, i);
        auto file = store_->get(key);
        if (!file) {
          fill_region(out.data(), box, region, m_.fill);
          continue;
        }
        try {
          m_.compressor.decompress_into(*file, buf);
        } catch (const Error& e) {
          fail("zarr: {}: chunk (x,y,z) [{},{},{}] is corrupt: {}", store_->describe(key), i, j, k, e.what());
        }
        copy_chunk_region(buf.data(), cbox, layout, out.data(), box, region, elem);
      }
    });
  }

 private:
  std::shared_ptr<kv::KvStore> store_;  // the array
  std::string dir_str_;
  zarr::Metadata m_;
};

// Shifts an array-coordinate reader into global coordinates (flyemflows' global-offset).
class OffsetReader final : public VolumeReader {
 public:
  OffsetReader(std::unique_ptr<VolumeReader> inner, Vec3 offset, std::string description)
      : inner_(std::move(inner)), offset_(offset), description_(std::move(description)) {}

  DType dtype() const override { return inner_->dtype(); }
  Box bounds() const override { return inner_->bounds().translate(offset_); }
  Vec3 chunk_shape() const override { return inner_->chunk_shape(); }
  std::string describe() const override { return description_; }
  void read(const Box& box, std::span<std::byte> out) const override {
    check_box(box);
    inner_->read(box.translate(Vec3{} - offset_), out);
  }

 private:
  std::unique_ptr<VolumeReader> inner_;
  Vec3 offset_;
  std::string description_;
};

}  // namespace

ZarrStore parse_zarr_store(const std::string& name) {
  if (name == "DirectoryStore") return ZarrStore::directory;
  if (name == "NestedDirectoryStore") return ZarrStore::nested;
  if (name == "N5Store" || name == "N5FSStore") return ZarrStore::n5;
  fail("zarr: store type '{}' is not supported (DirectoryStore, NestedDirectoryStore, N5Store)", name);
}

std::unique_ptr<VolumeReader> open_zarr(std::shared_ptr<kv::KvStore> container, const std::string& dataset, ZarrStore store,
                                        Vec3 global_offset) {
  std::string ds = dataset;
  while (!ds.empty() && ds.front() == '/') ds.erase(ds.begin());
  auto dir = kv::substore(container, ds);
  std::unique_ptr<VolumeReader> reader;
  std::string description;
  if (store == ZarrStore::n5) {
    // zarr's N5Store keeps a plain N5 dataset: reversed (x,y,z) dimensions, N5 chunk headers and
    // chunk paths x/y/z, fill value always 0, so the N5 reader reads it as is.
    reader = open_n5(container, ds);
    description = "zarr(N5Store):" + dir->describe("");
  } else {
    auto text = dir->get(".zarray");
    if (!text) {
      container->check_readable();  // a missing directory or bucket, or wrong credentials, say so
      if (dir->size("attributes.json"))
        fail("zarr: {}: no .zarray, but an N5 attributes.json (use store type N5Store)", dir->describe(""));
      if (!ds.empty() && container->size(".zarray"))
        fail("zarr: {}: not a zarr array (no .zarray); the container {} is itself an array: set dataset: \"\"",
             dir->describe(""), container->describe(""));
      fail("zarr: {}: not a zarr array (no .zarray)", dir->describe(""));
    }
    const std::string zarray = dir->describe(".zarray");
    nlohmann::json j;
    try {
      j = nlohmann::json::parse(reinterpret_cast<const char*>(text->data()),
                                reinterpret_cast<const char*>(text->data() + text->size()));
    } catch (const nlohmann::json::exception& e) {
      fail("zarr: {}: invalid JSON: {}", zarray, e.what());
    }
    reader = std::make_unique<ZarrReader>(dir, zarr::parse_zarray(j, store, "zarr: " + zarray));
    description = reader->describe();
  }
  if (global_offset == Vec3{} && store != ZarrStore::n5) return reader;
  return std::make_unique<OffsetReader>(std::move(reader), global_offset, description);
}

std::unique_ptr<VolumeReader> open_zarr(const std::filesystem::path& path, const std::string& dataset, ZarrStore store,
                                        Vec3 global_offset) {
  if (store == ZarrStore::n5) {
    std::string ds = dataset;
    while (!ds.empty() && ds.front() == '/') ds.erase(ds.begin());
    // The N5 reader's local checks first: their messages name the missing directory.
    const fs::path dir = ds.empty() ? path : path / ds;
    if (!fs::is_directory(path)) fail("n5: {}: no such N5 container", path.string());
    if (!fs::is_directory(dir)) fail("n5: {}: no such dataset in {}", dir.string(), path.string());
    return open_zarr(kv::open_kvstore(path.string()), dataset, store, global_offset);
  }
  if (!fs::is_directory(path)) fail("zarr: {}: no such zarr container", path.string());
  return open_zarr(kv::open_kvstore(path.string()), dataset, store, global_offset);
}

}  // namespace dflow
