#include "io/precomputed/chunk.hpp"

#include <bit>
#include <cstring>

#include "codec/compressed_segmentation.hpp"
#include "codec/jpeg.hpp"
#include "core/array.hpp"
#include "core/error.hpp"

namespace dflow::precomputed {

static_assert(std::endian::native == std::endian::little, "raw chunks are little-endian; add byte swapping");

namespace {

constexpr int kJpegMaxSide = 65500;  // libjpeg's JPEG_MAX_DIMENSION
constexpr int kDefaultJpegQuality = 85;  // cloud-volume's default

template <typename T>
void decode_cseg(std::span<const std::byte> data, const Vec3& shape, const Vec3& block, std::span<std::byte> out) {
  const size_t n = static_cast<size_t>(shape.prod());
  if (reinterpret_cast<uintptr_t>(out.data()) % alignof(T) == 0) {
    cseg::decode<T>(data, shape, block, 1, std::span<T>(reinterpret_cast<T*>(out.data()), n));
  } else {
    std::vector<T> tmp(n);
    cseg::decode<T>(data, shape, block, 1, std::span<T>(tmp));
    std::memcpy(out.data(), tmp.data(), n * sizeof(T));
  }
}

template <typename T>
std::vector<std::byte> encode_cseg(std::span<const std::byte> voxels, const Vec3& shape, const Vec3& block) {
  const size_t n = static_cast<size_t>(shape.prod());
  if (reinterpret_cast<uintptr_t>(voxels.data()) % alignof(T) == 0)
    return cseg::encode<T>(std::span<const T>(reinterpret_cast<const T*>(voxels.data()), n), shape, block, 1);
  std::vector<T> tmp(n);
  std::memcpy(tmp.data(), voxels.data(), n * sizeof(T));
  return cseg::encode<T>(std::span<const T>(tmp), shape, block, 1);
}

}  // namespace

void decode_chunk(const Scale& scale, DType dtype, const Box& chunk_box, std::span<const std::byte> data,
                  std::span<std::byte> out) {
  const Vec3 shape = chunk_box.shape();
  const size_t elem = dtype_size(dtype);
  const size_t n = static_cast<size_t>(shape.prod());
  if (out.size() != n * elem) fail("chunk output buffer is {} bytes, need {}", out.size(), n * elem);
  const Box full_box{chunk_box.lo, chunk_box.lo + scale.chunk_size};
  const size_t full_n = static_cast<size_t>(scale.chunk_size.prod());

  switch (scale.encoding) {
    case Encoding::raw:
      if (data.size() == n * elem) {
        std::memcpy(out.data(), data.data(), out.size());
      } else if (full_n != n && data.size() == full_n * elem) {
        copy_region_bytes(data.data(), full_box, out.data(), chunk_box, chunk_box, elem);
      } else {
        fail("raw chunk is {} bytes, expected {} ({} voxels of {}, extent {})", data.size(), n * elem, n,
             dtype_name(dtype), shape);
      }
      return;
    case Encoding::jpeg: {
      if (dtype != DType::uint8) fail("jpeg chunks must be uint8, volume is {}", dtype_name(dtype));
      const jpeg::Header h = jpeg::read_header(data);
      const size_t pixels = static_cast<size_t>(h.width) * static_cast<size_t>(h.height);
      auto* o = reinterpret_cast<uint8_t*>(out.data());
      if (pixels == n) {
        jpeg::decode(data, n, 1, std::span<uint8_t>(o, n));
      } else if (full_n != n && pixels == full_n) {
        std::vector<std::byte> full(full_n);
        jpeg::decode(data, full_n, 1, std::span<uint8_t>(reinterpret_cast<uint8_t*>(full.data()), full_n));
        copy_region_bytes(full.data(), full_box, out.data(), chunk_box, chunk_box, 1);
      } else {
        fail("jpeg image is {}x{} = {} pixels, expected {} (chunk extent {})", h.width, h.height, pixels, n, shape);
      }
      return;
    }
    case Encoding::compressed_segmentation:
      if (dtype == DType::uint32) decode_cseg<uint32_t>(data, shape, scale.cseg_block_size, out);
      else if (dtype == DType::uint64) decode_cseg<uint64_t>(data, shape, scale.cseg_block_size, out);
      else fail("compressed_segmentation needs uint32 or uint64, volume is {}", dtype_name(dtype));
      return;
  }
}

std::vector<std::byte> encode_chunk(const Scale& scale, DType dtype, const Box& chunk_box,
                                    std::span<const std::byte> voxels) {
  const Vec3 shape = chunk_box.shape();
  const size_t n = static_cast<size_t>(shape.prod());
  if (voxels.size() != n * dtype_size(dtype))
    fail("chunk {} needs {} bytes of {}, got {}", chunk_box, n * dtype_size(dtype), dtype_name(dtype), voxels.size());
  switch (scale.encoding) {
    case Encoding::raw:
      return std::vector<std::byte>(voxels.begin(), voxels.end());
    case Encoding::jpeg: {
      if (dtype != DType::uint8) fail("jpeg chunks must be uint8, volume is {}", dtype_name(dtype));
      // Any width*height works for readers as long as rows concatenate to x-fastest order;
      // cloud-volume's (X, Y*Z) unless Y*Z is too tall for libjpeg.
      int64_t w = shape.x, h = shape.y * shape.z;
      if (h > kJpegMaxSide) w = shape.x * shape.y, h = shape.z;
      if (w > kJpegMaxSide || h > kJpegMaxSide)
        fail("chunk extent {} cannot be stored as one JPEG (each side must be <= {})", shape, kJpegMaxSide);
      return jpeg::encode(reinterpret_cast<const uint8_t*>(voxels.data()), static_cast<int>(w), static_cast<int>(h), 1,
                          scale.jpeg_quality.value_or(kDefaultJpegQuality));
    }
    case Encoding::compressed_segmentation:
      if (dtype == DType::uint32) return encode_cseg<uint32_t>(voxels, shape, scale.cseg_block_size);
      if (dtype == DType::uint64) return encode_cseg<uint64_t>(voxels, shape, scale.cseg_block_size);
      fail("compressed_segmentation needs uint32 or uint64, volume is {}", dtype_name(dtype));
  }
  fail("unknown encoding");
}

}  // namespace dflow::precomputed
