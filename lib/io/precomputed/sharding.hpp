#pragma once
// neuroglancer_uint64_sharded_v1 (neuroglancer/src/datasource/precomputed/sharded.md):
// chunk id -> (shard file, minishard) via preshift + hash; shard index -> minishard index ->
// chunk byte range. Shards are read through a kv::KvStore with ranged reads (pread locally, HTTP Range
// in a bucket), so they are never loaded whole.
#include <array>
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "core/geometry.hpp"
#include "io/precomputed/metadata.hpp"
#include "kvstore/kvstore.hpp"

namespace dflow::precomputed {

// MurmurHash3_x86_128 (smhasher reference) of `data` with `seed`; out = h1,h2,h3,h4.
std::array<uint32_t, 4> murmurhash3_x86_128(std::span<const std::byte> data, uint32_t seed);
// Neuroglancer's sharding hash: seed 0 over the 8 little-endian bytes of `id`, low 64 bits.
uint64_t murmurhash3_x86_128_hash64(uint64_t id);

// Compressed Morton code of grid cell `g` in a grid of `grid_shape` cells: bits interleaved
// x,y,z from the lowest, skipping dimensions whose bits are exhausted.
uint64_t compressed_morton_code(const Vec3& g, const Vec3& grid_shape);

struct ShardLocation {
  uint64_t shard = 0;
  uint64_t minishard = 0;
};
ShardLocation locate(const ShardingSpec& spec, uint64_t chunk_id);
// "<shard hex, zero-padded to ceil(shard_bits/4)>.shard".
std::string shard_file_name(const ShardingSpec& spec, uint64_t shard);

// One decoded minishard index entry: chunk id and its byte range in the shard file (absolute).
struct MinishardEntry {
  uint64_t id = 0, offset = 0, size = 0;
};
// Decodes a minishard index (already gunzipped): uint64le[3][n] with delta-coded ids and
// offsets (relative to the previous chunk's end; the first to `shard_index_end`). Sorted by id.
std::vector<MinishardEntry> decode_minishard_index(std::span<const std::byte> data, uint64_t shard_index_end,
                                                   const std::string& where);

// Reads chunks of one sharded scale. Thread-safe; minishard indexes are cached.
class ShardedReader {
 public:
  // `scale_store` holds the scale's shard files.
  ShardedReader(std::shared_ptr<const kv::KvStore> scale_store, ShardingSpec spec);
  ~ShardedReader();
  // The chunk's stored bytes (after data_encoding), or nullopt if the chunk is absent.
  // `what` names the chunk in errors ("chunk [1,2,0] (id 9)").
  std::optional<std::vector<std::byte>> read_chunk(uint64_t chunk_id, const std::string& what) const;
  std::string shard_path(uint64_t shard) const { return store_->describe(shard_file_name(spec_, shard)); }
  const ShardingSpec& spec() const { return spec_; }

 private:
  struct Minishard;
  std::shared_ptr<const Minishard> minishard(const ShardLocation& loc, const std::string& what) const;

  std::shared_ptr<const kv::KvStore> store_;
  ShardingSpec spec_;
  mutable std::mutex mutex_;
  mutable std::map<std::pair<uint64_t, uint64_t>, std::shared_ptr<const Minishard>> cache_;
};

}  // namespace dflow::precomputed
