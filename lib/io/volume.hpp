#pragma once
// The one interface every volume source implements (N5, Zarr, HDF5, TIFF/PNG slices, precomputed).
// Coordinates are global voxel coordinates at the reader's scale, x,y,z; boxes half-open; the output
// buffer is z-major with x fastest.
#include <memory>
#include <span>
#include <string>

#include "core/array.hpp"
#include "core/dtype.hpp"
#include "core/error.hpp"
#include "core/geometry.hpp"

namespace dflow {

class VolumeReader {
 public:
  virtual ~VolumeReader() = default;

  virtual DType dtype() const = 0;
  // The stored extent: every voxel inside can be read; anything outside is an error.
  virtual Box bounds() const = 0;
  // The storage chunk shape: reads aligned to it touch each chunk once.
  virtual Vec3 chunk_shape() const = 0;
  // "n5:/data/vol.n5/s0", used in every error and log line about this source.
  virtual std::string describe() const = 0;

  // Read `box` (inside bounds()) into `out` (box.volume() * dtype_size(dtype()) bytes).
  // Missing chunks read as the fill value (0 unless the format says otherwise).
  // Thread-safe: concurrent reads from one reader are allowed.
  virtual void read(const Box& box, std::span<std::byte> out) const = 0;

  template <typename T>
  Array3<T> read_as(const Box& box) const {
    if (dtype_of<T>() != dtype())
      fail("{}: data type is {}, but this stage needs {}", describe(), dtype_name(dtype()), dtype_name(dtype_of<T>()));
    check_box(box);
    Array3<T> a(box);
    read(box, a.bytes());
    return a;
  }

 protected:
  void check_box(const Box& box) const {
    if (box.empty()) fail("{}: requested box {} is empty", describe(), box);
    if (!bounds().contains(box)) fail("{}: requested box {} is outside the volume {}", describe(), box, bounds());
  }
};

}  // namespace dflow
