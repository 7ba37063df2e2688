// The block mean is a hot loop (a third of a pass's non-JPEG time at -O2): let GCC vectorize it.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC optimize("O3")
#endif
#include "export/level_buffer.hpp"

#include <cstdlib>
#include <cstring>
#include <new>

#include <sys/mman.h>

#include "core/error.hpp"

namespace dflow::exporter {

namespace {
constexpr size_t kHugePage = size_t{2} << 20;
}

void LevelBuffer::Free::operator()(uint8_t* p) const { std::free(p); }

void LevelBuffer::reset(const Box& box) {
  const size_t n = size_t(box.volume());
  if (n > capacity_) {
    data_.reset();
    const size_t bytes = (n + kHugePage - 1) / kHugePage * kHugePage;
    void* p = std::aligned_alloc(kHugePage, bytes);
    if (!p) throw std::bad_alloc();
    // Advice only: without transparent huge pages this is a no-op.
    if (bytes >= 4 * kHugePage) ::madvise(p, bytes, MADV_HUGEPAGE);
    data_.reset(static_cast<uint8_t*>(p));
    capacity_ = bytes;
  }
  box_ = box;
}

void LevelBuffer::zero_outside(const Box& inner_in) {
  const Box inner = inner_in.intersect(box_);
  const Vec3 s = box_.shape();
  uint8_t* d = data();
  if (inner.empty()) {
    std::memset(d, 0, size());
    return;
  }
  const Vec3 lo = inner.lo - box_.lo, hi = inner.hi - box_.lo;
  const size_t slice = size_t(s.x * s.y);
  std::memset(d, 0, size_t(lo.z) * slice);
  std::memset(d + size_t(hi.z) * slice, 0, size_t(s.z - hi.z) * slice);
  for (int64_t z = lo.z; z < hi.z; ++z) {
    uint8_t* p = d + size_t(z) * slice;
    std::memset(p, 0, size_t(lo.y * s.x));
    std::memset(p + size_t(hi.y * s.x), 0, size_t((s.y - hi.y) * s.x));
    for (int64_t y = lo.y; y < hi.y; ++y) {
      uint8_t* row = p + size_t(y * s.x);
      std::memset(row, 0, size_t(lo.x));
      std::memset(row + hi.x, 0, size_t(s.x - hi.x));
    }
  }
}

void block_mean_2x(const LevelView& in, LevelBuffer& out) {
  const Vec3 s = in.box.shape();
  if (s.x % 2 || s.y % 2 || s.z % 2 || in.box.lo.x % 2 || in.box.lo.y % 2 || in.box.lo.z % 2)
    fail("block mean: box {} is not aligned to 2 on every axis", in.box);
  out.reset({floor_div(in.box.lo, Vec3::fill(2)), floor_div(in.box.hi, Vec3::fill(2))});
  const int64_t nx = s.x, nxy = s.x * s.y, ox = s.x / 2;
  uint8_t* dst = out.data();
  // One output row at a time from four input rows; the x loop has no dependencies, so the compiler
  // vectorizes it. Sum in 16 bits: 8 * 255 fits.
  for (int64_t z = 0; z < s.z / 2; ++z)
    for (int64_t y = 0; y < s.y / 2; ++y) {
      const uint8_t* r00 = in.data + (2 * z) * nxy + (2 * y) * nx;
      const uint8_t* r01 = r00 + nx;
      const uint8_t* r10 = r00 + nxy;
      const uint8_t* r11 = r10 + nx;
      uint8_t* o = dst + (z * (s.y / 2) + y) * ox;
      for (int64_t x = 0; x < ox; ++x) {
        const uint16_t sum = uint16_t(r00[2 * x] + r00[2 * x + 1] + r01[2 * x] + r01[2 * x + 1] + r10[2 * x] +
                                      r10[2 * x + 1] + r11[2 * x] + r11[2 * x + 1]);
        o[x] = uint8_t(sum >> 3);
      }
    }
}

}  // namespace dflow::exporter
