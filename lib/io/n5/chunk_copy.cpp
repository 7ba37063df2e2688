#include "io/n5/chunk_copy.hpp"

#include <algorithm>
#include <cstdint>
#include <cstring>

#include "core/array.hpp"
#include "core/error.hpp"

namespace dflow {
namespace {

// Byte-swapping rows dominates reading uint64 N5 chunks; with GCC on x86-64 these loops get an
// AVX2 clone (vpshufb), picked at load time, and the portable version elsewhere.
#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__)
#define DFLOW_SWAP_KERNEL __attribute__((target_clones("avx2", "default"), optimize("tree-vectorize", "vect-cost-model=dynamic")))
#else
#define DFLOW_SWAP_KERNEL
#endif

#define DFLOW_SWAP_ROW(NAME, U, BSWAP)                                 \
  DFLOW_SWAP_KERNEL void NAME(const std::byte* s, std::byte* d, int64_t n) { \
    for (int64_t i = 0; i < n; ++i) {                                  \
      U v;                                                             \
      std::memcpy(&v, s + i * sizeof(U), sizeof(U));                   \
      v = BSWAP(v);                                                    \
      std::memcpy(d + i * sizeof(U), &v, sizeof(U));                   \
    }                                                                  \
  }
DFLOW_SWAP_ROW(swap_row16, uint16_t, __builtin_bswap16)
DFLOW_SWAP_ROW(swap_row32, uint32_t, __builtin_bswap32)
DFLOW_SWAP_ROW(swap_row64, uint64_t, __builtin_bswap64)
#undef DFLOW_SWAP_ROW

// One x-row of `n` elements, swapped.
template <typename U>
void swap_row(const std::byte* s, std::byte* d, int64_t n) {
  if constexpr (sizeof(U) == 2) swap_row16(s, d, n);
  else if constexpr (sizeof(U) == 4) swap_row32(s, d, n);
  else swap_row64(s, d, n);
}

template <typename U>
void copy_swapped(const std::byte* src, const Box& sb, std::byte* dst, const Box& db, const Box& r) {
  const Vec3 ss = sb.shape(), ds = db.shape(), rs = r.shape();
  for (int64_t z = 0; z < rs.z; ++z)
    for (int64_t y = 0; y < rs.y; ++y) {
      const int64_t si = ((r.lo.z + z - sb.lo.z) * ss.y + (r.lo.y + y - sb.lo.y)) * ss.x + (r.lo.x - sb.lo.x);
      const int64_t di = ((r.lo.z + z - db.lo.z) * ds.y + (r.lo.y + y - db.lo.y)) * ds.x + (r.lo.x - db.lo.x);
      swap_row<U>(src + si * sizeof(U), dst + di * sizeof(U), rs.x);
    }
}

// Source index = (x * sy + y) * sz + z (Fortran order over z,y,x). Walks the source contiguously.
template <size_t N, bool Swap>
void copy_transposed(const std::byte* src, const Box& sb, std::byte* dst, const Box& db, const Box& r) {
  const Vec3 ss = sb.shape(), ds = db.shape(), rs = r.shape();
  for (int64_t x = 0; x < rs.x; ++x)
    for (int64_t y = 0; y < rs.y; ++y) {
      const int64_t si = ((r.lo.x + x - sb.lo.x) * ss.y + (r.lo.y + y - sb.lo.y)) * ss.z + (r.lo.z - sb.lo.z);
      const int64_t di0 = (r.lo.y + y - db.lo.y) * ds.x + (r.lo.x + x - db.lo.x);
      const int64_t dstride = ds.x * ds.y;
      for (int64_t z = 0; z < rs.z; ++z) {
        std::byte tmp[N];
        std::memcpy(tmp, src + (si + z) * N, N);
        if constexpr (Swap) std::reverse(tmp, tmp + N);
        std::memcpy(dst + (di0 + (r.lo.z + z - db.lo.z) * dstride) * N, tmp, N);
      }
    }
}

template <size_t N>
void transposed(const std::byte* src, const Box& sb, bool swap, std::byte* dst, const Box& db, const Box& r) {
  if (swap) copy_transposed<N, true>(src, sb, dst, db, r);
  else copy_transposed<N, false>(src, sb, dst, db, r);
}

}  // namespace

void copy_chunk_region(const std::byte* src, const Box& src_box, ChunkLayout layout, std::byte* dst,
                       const Box& dst_box, const Box& region, size_t elem) {
  if (region.empty()) return;
  const bool swap = layout.swap_bytes && elem > 1;
  if (layout.z_fastest) {
    switch (elem) {
      case 1: return transposed<1>(src, src_box, false, dst, dst_box, region);
      case 2: return transposed<2>(src, src_box, swap, dst, dst_box, region);
      case 4: return transposed<4>(src, src_box, swap, dst, dst_box, region);
      case 8: return transposed<8>(src, src_box, swap, dst, dst_box, region);
      default: fail("copy_chunk_region: unsupported element size {}", elem);
    }
  }
  if (!swap) return copy_region_bytes(src, src_box, dst, dst_box, region, elem);
  switch (elem) {
    case 2: return copy_swapped<uint16_t>(src, src_box, dst, dst_box, region);
    case 4: return copy_swapped<uint32_t>(src, src_box, dst, dst_box, region);
    case 8: return copy_swapped<uint64_t>(src, src_box, dst, dst_box, region);
    default: fail("copy_chunk_region: unsupported element size {}", elem);
  }
}

void fill_region(std::byte* dst, const Box& dst_box, const Box& region, std::span<const std::byte> value) {
  if (region.empty()) return;
  const size_t elem = value.size();
  const Vec3 ds = dst_box.shape(), rs = region.shape();
  const bool zero = std::all_of(value.begin(), value.end(), [](std::byte b) { return b == std::byte{0}; });
  for (int64_t z = 0; z < rs.z; ++z)
    for (int64_t y = 0; y < rs.y; ++y) {
      const int64_t di = ((region.lo.z + z - dst_box.lo.z) * ds.y + (region.lo.y + y - dst_box.lo.y)) * ds.x +
                         (region.lo.x - dst_box.lo.x);
      std::byte* d = dst + di * static_cast<int64_t>(elem);
      if (zero) {
        std::memset(d, 0, static_cast<size_t>(rs.x) * elem);
      } else {
        for (int64_t x = 0; x < rs.x; ++x) std::memcpy(d + x * static_cast<int64_t>(elem), value.data(), elem);
      }
    }
}

}  // namespace dflow
