#pragma once
// Voxel buffers for one brick's pyramid levels, reused from brick to brick (every brick of a pass
// has the same shape): no zero-filling of voxels that are about to be read, no page faults after the
// first brick, and transparent huge pages for large bricks (a 512^3 brick is 64 faults, not 32768).
#include <cstddef>
#include <cstdint>
#include <memory>

#include "core/geometry.hpp"

namespace dflow::exporter {

// A read-only view of a z-major, x-fastest uint8 box.
struct LevelView {
  Box box;
  const uint8_t* data = nullptr;
};

class LevelBuffer {
 public:
  LevelBuffer() = default;
  // Makes the buffer cover `box`; contents are unspecified.
  void reset(const Box& box);
  const Box& box() const { return box_; }
  uint8_t* data() { return data_.get(); }
  const uint8_t* data() const { return data_.get(); }
  size_t size() const { return size_t(box_.volume()); }
  LevelView view() const { return {box_, data_.get()}; }
  // Sets every voxel outside `inner` (clipped to box()) to 0.
  void zero_outside(const Box& inner);

 private:
  struct Free {
    void operator()(uint8_t* p) const;
  };
  Box box_{};
  size_t capacity_ = 0;
  std::unique_ptr<uint8_t, Free> data_;
};

// out = the 2x2x2 block mean of `in` (uint16 sum of the eight, floor division by 8: flyemflows'
// block-mean, the same arithmetic as ops/downsample.hpp's downsample_mean_2x). in.box must start and
// end on even coordinates; out is reset to in.box halved.
void block_mean_2x(const LevelView& in, LevelBuffer& out);

}  // namespace dflow::exporter
