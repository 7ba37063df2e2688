#pragma once
// The precomputed `info` JSON parsed once into typed structs and validated for what this
// project reads: single-channel volumes, encodings raw / jpeg / compressed_segmentation,
// unsharded or neuroglancer_uint64_sharded_v1 scales.
#include <array>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "core/dtype.hpp"
#include "core/geometry.hpp"
#include "kvstore/kvstore.hpp"

namespace dflow::precomputed {

enum class Encoding { raw, jpeg, compressed_segmentation };
std::string_view encoding_name(Encoding e);

struct ShardingSpec {
  enum class Hash { identity, murmurhash3_x86_128 };
  Hash hash = Hash::identity;
  int preshift_bits = 0;
  int minishard_bits = 0;
  int shard_bits = 0;
  bool minishard_index_gzip = false;  // minishard_index_encoding == "gzip"
  bool data_gzip = false;             // data_encoding == "gzip"
};

struct Scale {
  std::string key;
  Vec3 size, voxel_offset, chunk_size;
  std::array<double, 3> resolution{1, 1, 1};
  Encoding encoding = Encoding::raw;
  Vec3 cseg_block_size{8, 8, 8};      // compressed_segmentation_block_size
  std::optional<int> jpeg_quality;    // write-side hint
  std::optional<ShardingSpec> sharding;

  Box bounds() const { return {voxel_offset, voxel_offset + size}; }
  Vec3 grid_shape() const { return ceil_div(size, chunk_size); }
  // Voxel box of grid cell g (edge chunks truncated at the volume end, as stored).
  Box chunk_box(const Vec3& g) const {
    const Vec3 lo = voxel_offset + g * chunk_size;
    return {lo, vmin(lo + chunk_size, voxel_offset + size)};
  }
};

struct Info {
  std::string type = "image";  // "image" or "segmentation"
  DType dtype = DType::uint8;
  int num_channels = 1;
  std::vector<Scale> scales;
};

// Parses and validates an info document; `where` (the info file's path) prefixes every error.
Info parse_info(const std::string& json_text, const std::string& where);
// Serializes (pretty-printed) in the form neuroglancer, cloud-volume and tensorstore read.
std::string info_to_json(const Info& info);

// Reads and parses "<dir>/info" (or CloudFiles' gzip'd "<dir>/info.gz").
Info read_info(const std::filesystem::path& dir);
// The same from any key-value store: "info" (or "info.gz"; gzip'd content detected).
Info read_info(const kv::KvStore& store);

// "precomputed://file:///a/b", "file:///a/b" or "/a/b" -> "/a/b".
std::filesystem::path local_path(const std::string& url);
// The store of a precomputed URL: a local path (as local_path), s3://bucket/prefix or gs://bucket/prefix,
// optionally behind "precomputed://".
std::shared_ptr<kv::KvStore> open_store(const std::string& url, const kv::Options& options = {});

}  // namespace dflow::precomputed
