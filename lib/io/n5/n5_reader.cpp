// Reading an N5 dataset: only the chunks a request touches are read, each decompressed once into a
// per-call buffer and converted (big-endian -> native) only where it overlaps the request.
// The reader holds nothing mutable, so concurrent read() calls need no locking.
#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "core/files.hpp"
#include "core/grid.hpp"
#include "core/parallel.hpp"
#include "kvstore/kvstore.hpp"
#include "io/n5/chunk_copy.hpp"
#include "io/n5/n5.hpp"
#include "io/n5/n5_chunk.hpp"
#include "io/n5/n5_metadata.hpp"

namespace dflow {
namespace {

class N5Reader final : public VolumeReader {
 public:
  N5Reader(std::shared_ptr<kv::KvStore> store, n5::Metadata m)
      : store_(std::move(store)), dir_str_(store_->describe("")), m_(std::move(m)) {}

  DType dtype() const override { return m_.dtype; }
  Box bounds() const override { return {{0, 0, 0}, m_.shape}; }
  Vec3 chunk_shape() const override { return m_.chunk; }
  std::string describe() const override { return "n5:" + dir_str_; }

  void read(const Box& box, std::span<std::byte> out) const override {
    check_box(box);
    const size_t elem = dtype_size(m_.dtype);
    if (out.size() != static_cast<size_t>(box.volume()) * elem)
      fail("{}: output buffer has {} bytes, box {} needs {}", describe(), out.size(), box, box.volume() * elem);
    const std::byte zero[8] = {};
    const std::vector<Vec3> chunks = points_of({floor_div(box.lo, m_.chunk), ceil_div(box.hi, m_.chunk)});
    // From a bucket, up to parallel_reads() chunks are fetched at once (each get is a round trip), each
    // decoded by the thread that fetched it; chunks cover disjoint parts of `out`. Local files: one thread.
    const int threads = store_->parallel_reads();
    std::vector<std::vector<std::byte>> bufs(size_t(std::max(threads, 1)));
    parallel_ranges(chunks.size(), threads, [&](size_t begin, size_t end, int worker) {
      std::vector<std::byte>& buf = bufs[size_t(worker)];
      for (size_t c = begin; c < end; ++c) {
        const auto [i, j, k] = chunks[c];
        const Vec3 origin = chunks[c] * m_.chunk;
        const Box region = Box{origin, origin + m_.chunk}.intersect(box);
        const std::string key = fmt::format("{}/{}/{}", i, j, k);
        auto file = store_->get(key);
        if (!file) {  // N5 datasets are sparse: an absent chunk is all zeros
          fill_region(out.data(), box, region, std::span(zero, elem));
          continue;
        }
        Vec3 size;
        try {
          size = n5::decode_chunk(*file, m_, buf);
        } catch (const Error& e) {
          fail("n5: {}: chunk (x,y,z) [{},{},{}] {}", store_->describe(key), i, j, k, e.what());
        }
        const Box stored{origin, origin + size};
        // A chunk stored smaller than the volume needs (short header) reads as zeros beyond its data.
        if (!stored.contains(region)) fill_region(out.data(), box, region, std::span(zero, elem));
        copy_chunk_region(buf.data(), stored, {.swap_bytes = true}, out.data(), box, stored.intersect(region), elem);
      }
    });
  }

 private:
  std::shared_ptr<kv::KvStore> store_;  // the dataset
  std::string dir_str_;
  n5::Metadata m_;
};

}  // namespace

std::unique_ptr<VolumeReader> open_n5(std::shared_ptr<kv::KvStore> container, const std::string& dataset) {
  std::string ds = dataset;
  while (!ds.empty() && ds.front() == '/') ds.erase(ds.begin());
  auto dir = kv::substore(container, ds);
  auto text = dir->get("attributes.json");
  if (!text) {
    container->check_readable();  // a missing bucket or wrong credentials say so
    fail("n5: {}: not an N5 dataset (no attributes.json)", dir->describe(""));
  }
  const std::string attrs_path = dir->describe("attributes.json");
  nlohmann::json attrs;
  try {
    attrs = nlohmann::json::parse(reinterpret_cast<const char*>(text->data()),
                                  reinterpret_cast<const char*>(text->data() + text->size()));
  } catch (const nlohmann::json::exception& e) {
    fail("n5: {}: invalid JSON: {}", attrs_path, e.what());
  }
  return std::make_unique<N5Reader>(dir, n5::parse_metadata(attrs, "n5: " + attrs_path));
}

std::unique_ptr<VolumeReader> open_n5(const std::filesystem::path& container, const std::string& dataset) {
  std::string ds = dataset;
  while (!ds.empty() && ds.front() == '/') ds.erase(ds.begin());
  const fs::path dir = ds.empty() ? container : container / ds;
  if (!fs::is_directory(container)) fail("n5: {}: no such N5 container", container.string());
  if (!fs::is_directory(dir)) fail("n5: {}: no such dataset in {}", dir.string(), container.string());
  return open_n5(kv::open_kvstore(container.string()), ds);
}

}  // namespace dflow
