#pragma once
// A dense 3-D array over a Box, stored z-major with x fastest (index = ((z*ny)+y)*nx + x),
// which is the layout of DVID payloads, N5/zarr C-order chunks and HDF5 datasets alike.
#include <cstring>
#include <span>
#include <vector>

#include "core/dtype.hpp"
#include "core/geometry.hpp"

namespace dflow {

template <typename T>
class Array3 {
 public:
  Array3() = default;
  explicit Array3(const Box& box, T fill = T{}) : box_(box), data_(static_cast<size_t>(box.volume()), fill) {}

  const Box& box() const { return box_; }
  Vec3 shape() const { return box_.shape(); }
  size_t size() const { return data_.size(); }
  T* data() { return data_.data(); }
  const T* data() const { return data_.data(); }
  std::vector<T>& vec() { return data_; }
  const std::vector<T>& vec() const { return data_; }
  std::span<std::byte> bytes() { return std::as_writable_bytes(std::span(data_)); }
  std::span<const std::byte> bytes() const { return std::as_bytes(std::span(data_)); }

  // Local (box-relative) indexing.
  size_t index(int64_t x, int64_t y, int64_t z) const {
    const Vec3 s = shape();
    return static_cast<size_t>((z * s.y + y) * s.x + x);
  }
  T& operator()(int64_t x, int64_t y, int64_t z) { return data_[index(x, y, z)]; }
  const T& operator()(int64_t x, int64_t y, int64_t z) const { return data_[index(x, y, z)]; }
  // Global indexing (coordinates in the same space as box()).
  T& at(const Vec3& p) { return (*this)(p.x - box_.lo.x, p.y - box_.lo.y, p.z - box_.lo.z); }
  const T& at(const Vec3& p) const { return (*this)(p.x - box_.lo.x, p.y - box_.lo.y, p.z - box_.lo.z); }

  // Copy the overlap of `src` into this array (both in global coordinates).
  void paste(const Array3& src) { copy_region(src.data(), src.box(), data(), box_, src.box().intersect(box_)); }
  Array3 crop(const Box& region) const {
    Array3 out(region);
    copy_region(data(), box_, out.data(), region, region.intersect(box_));
    return out;
  }

 private:
  Box box_{};
  std::vector<T> data_;
};

// Copy `region` (global coordinates) from a z-major array over src_box to one over dst_box.
template <typename T>
void copy_region(const T* src, const Box& src_box, T* dst, const Box& dst_box, const Box& region) {
  if (region.empty()) return;
  const Vec3 ss = src_box.shape(), ds = dst_box.shape(), rs = region.shape();
  for (int64_t z = 0; z < rs.z; ++z) {
    for (int64_t y = 0; y < rs.y; ++y) {
      const int64_t sz = region.lo.z + z - src_box.lo.z, sy = region.lo.y + y - src_box.lo.y;
      const int64_t dz = region.lo.z + z - dst_box.lo.z, dy = region.lo.y + y - dst_box.lo.y;
      const T* s = src + (sz * ss.y + sy) * ss.x + (region.lo.x - src_box.lo.x);
      T* d = dst + (dz * ds.y + dy) * ds.x + (region.lo.x - dst_box.lo.x);
      std::memcpy(d, s, static_cast<size_t>(rs.x) * sizeof(T));
    }
  }
}

// Byte-level variant for type-erased readers: elements of `elem` bytes.
void copy_region_bytes(const std::byte* src, const Box& src_box, std::byte* dst, const Box& dst_box,
                       const Box& region, size_t elem);

}  // namespace dflow
