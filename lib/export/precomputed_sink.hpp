#pragma once
// A neuroglancer precomputed volume as export-grayscale's output: the info file (one scale per
// pyramid level) and the chunks or shards of each level, through a kv::KvStore (a directory, s3://
// or gs://).
//
// Layout (precomputed.md §1): scale s has key "<rx>_<ry>_<rz>" (resolution * 2^s, CloudVolume's
// naming), voxel_offset/size = the scale box [floor(lo/2^s), ceil(hi/2^s)), one chunk size for all
// scales; unsharded chunks "x0-x1_y0-y1_z0-z1" (edge chunks truncated) written uncompressed under
// their plain names; sharded scales (identity hash, igneous' parameters with the shard size target
// divided by 8 per level, so each level's shards nest in scale 0's) as whole "<hex>.shard" files.
// In a bucket: info as application/json, chunks and shards as application/octet-stream; unsharded raw
// chunks gzip'd with Content-Encoding: gzip (precomputed.md 1.5); never shards (Range requests).
#include <array>
#include <memory>
#include <string>
#include <vector>

#include "export/sink.hpp"
#include "io/precomputed/metadata.hpp"
#include "kvstore/kvstore.hpp"

namespace dflow::exporter {

struct PrecomputedOutput {
  std::string path;  // as configured (resolved against the exec dir by the caller), or s3://, gs://
  kv::Options bucket;  // how to reach a bucket (output.precomputed.bucket)
  precomputed::Encoding encoding = precomputed::Encoding::jpeg;
  int jpeg_quality = 85;
  Vec3 chunk_size{64, 64, 64};
  std::array<double, 3> resolution{8, 8, 8};
  bool sharded = false;
  int64_t shard_bytes = 3'500'000'000;  // scale 0's uncompressed shard size target (igneous' MEMORY_TARGET)
  bool shard_bytes_from_budget = false;  // shard-bytes -1: export-grayscale may lower it to fit the budget
};

// The info of an export whose scale s covers boxes[s].
precomputed::Info make_info(const std::vector<Box>& boxes, const PrecomputedOutput& o);

// The first difference between two infos ("scales[1].size: [165,145,128] here, [165,145,129] in the
// existing file"), or empty if they describe the same volume.
std::string info_difference(const precomputed::Info& ours, const precomputed::Info& existing);

class PrecomputedSink final : public LevelSink {
 public:
  PrecomputedSink(std::shared_ptr<kv::KvStore> store, precomputed::Info info);

  const precomputed::Info& info() const { return info_; }
  std::string describe() const override;
  std::string signature() const override;
  LevelGrid grid(int scale) const override;
  // Checks the directory can be written, then writes the info, or checks an existing one is identical.
  void prepare() override;
  LevelStats write(int scale, const LevelView& level) override;
  bool reads_back_exactly() const override;
  bool holds_encoded_level() const override;
  std::unique_ptr<VolumeReader> open_level(int scale) const override;

 private:
  LevelStats write_unsharded(const precomputed::Scale& s, const LevelView& level, const Box& region);
  LevelStats write_sharded(const precomputed::Scale& s, const LevelView& level, const Box& region);
  std::vector<std::byte> encode(const precomputed::Scale& s, const LevelView& level, const Box& chunk_box);

  std::shared_ptr<kv::KvStore> store_;
  precomputed::Info info_;
  std::vector<std::byte> buf_;  // one chunk's voxels
};

}  // namespace dflow::exporter
