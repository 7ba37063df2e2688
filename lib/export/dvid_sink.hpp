#pragma once
// DVID uint8blk instances as export-grayscale's output, one per scale (name, name_1, ...), written
// with POST /raw?mutate=true in block-aligned pieces, as flyemflows' CopyGrayscale does. Scale s's
// extents are the scale box [floor(lo/2^s), ceil(hi/2^s)); the partial blocks around it are padded
// with zeros (flyemflows' fill-blocks).
#include <array>
#include <memory>
#include <string>

#include "dvid/client.hpp"
#include "export/sink.hpp"

namespace dflow::exporter {

struct DvidOutput {
  std::string server, uuid, grayscale_name;
  bool create_if_necessary = false;
  std::string compression = "none";  // none | jpeg | lz4
  double voxel_size = 8.0;
  std::string voxel_units = "nanometers";
  int background = 0;
  bool mutate = true;
};

class DvidSink final : public LevelSink {
 public:
  DvidSink(DvidOutput out, Box box0, int max_scale);
  ~DvidSink() override;

  std::string describe() const override;
  std::string signature() const override;
  LevelGrid grid(int scale) const override;
  // Creates missing instances (if allowed), checks existing ones are uint8blk with 64^3 blocks, and
  // extends every instance's extents to its scale box.
  void prepare() override;
  LevelStats write(int scale, const LevelView& level) override;
  // Later passes read a staging copy instead (faster than GET /raw, and exact with jpeg storage).
  bool reads_back_exactly() const override { return false; }
  std::unique_ptr<VolumeReader> open_level(int) const override { return nullptr; }

  // POSTs stay at or below 256^3 voxels: DVID takes a global lock for larger ones (dvid.md §4).
  static constexpr int64_t kMaxPostVoxels = int64_t{1} << 24;

 private:
  DvidOutput out_;
  Box box0_;
  int max_scale_;
  std::unique_ptr<dvid::Client> client_;
  std::vector<std::byte> buf_;
};

}  // namespace dflow::exporter
