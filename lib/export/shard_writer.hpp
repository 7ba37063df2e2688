#pragma once
// Writing neuroglancer_uint64_sharded_v1 image shards (precomputed.md §2), and igneous's choice of
// sharding parameters for image volumes (igneous/task_creation/image.py create_sharded_image_info):
// identity hash, so each shard is an axis-aligned box of 2^a x 2^b x 2^c chunks that one rank can
// write whole, with no coordination.
#include <cstdint>
#include <span>
#include <utility>
#include <vector>

#include "core/geometry.hpp"
#include "io/precomputed/metadata.hpp"

namespace dflow::exporter {

// igneous's parameters for a scale of `size` voxels in chunks of `chunk` (uint8): shards of at most
// `target_bytes` uncompressed (igneous: 3.5e9), shard index <= 8192 B, minishard index <= 40000 B,
// <= 4000 chunks per minishard; gzip'd minishard indexes; data gzip'd except for jpeg.
// (igneous's extra bits for volumes exactly one chunk thick in z are not reproduced.)
precomputed::ShardingSpec igneous_image_sharding(const Vec3& size, const Vec3& chunk, precomputed::Encoding encoding,
                                                 int64_t target_bytes);

// Bits of the compressed Morton code per axis for a grid of `grid` chunks: ceil(log2(grid)).
Vec3 morton_bits(const Vec3& grid);
// The shard box in chunks: the low preshift_bits + minishard_bits of the compressed Morton code
// handed round-robin to x, y, z (skipping exhausted axes). Identity hash only.
Vec3 shard_shape_in_chunks(const precomputed::ShardingSpec& spec, const Vec3& grid);

// One chunk of a shard: its compressed Morton id and its stored bytes (already data_encoding'd).
struct ShardChunk {
  uint64_t id = 0;
  std::vector<std::byte> data;
};
// The shard file for `chunks` (all of one shard): shard index, then per minishard its chunks in id
// order followed by its minishard index (gzip'd if the spec says so).
std::vector<std::byte> assemble_shard(const precomputed::ShardingSpec& spec, std::vector<ShardChunk> chunks);

}  // namespace dflow::exporter
