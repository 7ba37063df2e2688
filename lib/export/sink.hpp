#pragma once
// The output side of export-grayscale: one implementation per output kind (precomputed directory,
// DVID uint8blk instances). The orchestration (export_grayscale.hpp) only computes levels and
// hands each brick's level to write().
#include <cstdint>
#include <memory>
#include <string>

#include "export/level_buffer.hpp"
#include "export/pyramid_plan.hpp"
#include "io/volume.hpp"

namespace dflow::exporter {

struct LevelStats {
  uint64_t objects = 0;  // chunks, shards or DVID requests written
  uint64_t bytes = 0;    // bytes stored or sent
  double encode_seconds = 0, store_seconds = 0;  // time spent encoding / storing or sending
};

class LevelSink {
 public:
  virtual ~LevelSink() = default;
  // "precomputed:/data/out (jpeg q85, chunks [64,64,64])".
  virtual std::string describe() const = 0;
  // Everything that changes the bytes written: part of the journal signature.
  virtual std::string signature() const = 0;
  virtual LevelGrid grid(int scale) const = 0;
  // Rank 0, before any brick: create or check the output's metadata (info file, instances,
  // extents). One error line naming the path/instance if it cannot be used.
  virtual void prepare() = 0;
  // Writes the part of `level` (a brick's logical box at `scale`; voxels outside the data are 0)
  // that lies in grid(scale).write_box. Every chunk/shard/block written is entirely inside level.box().
  virtual LevelStats write(int scale, const LevelView& level) = 0;
  // Whether open_level() returns exactly what write() was given (raw precomputed). Otherwise later
  // passes read a raw staging copy of the level they start from.
  virtual bool reads_back_exactly() const = 0;
  // Whether write() keeps a brick's encoded level in memory (sharded outputs assemble whole shards).
  virtual bool holds_encoded_level() const { return false; }
  // A reader of a written scale (only called if reads_back_exactly()).
  virtual std::unique_ptr<VolumeReader> open_level(int scale) const = 0;
};

}  // namespace dflow::exporter
