#pragma once
// Neuroglancer's compressed_segmentation encoding (uint32 / uint64 labels), as specified in
// neuroglancer/src/sliceview/compressed_segmentation/README.md:
//   uint32 per-channel offsets, then per channel 8-byte block headers (24-bit lookup-table offset |
//   encoded bits << 24, 32-bit values offset; offsets in uint32 words from the channel start),
//   LSB-first packed indices over the full block, lookup tables of the block's distinct values.
// Arrays here are [x,y,z,c] Fortran order = our z-major x-fastest layout, channels outermost.
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "core/geometry.hpp"

namespace dflow::cseg {

// Decodes `data` (whole chunk, channel prefix included) of `num_channels` channels of `size`
// voxels each into `out` (size.prod() * num_channels values). Throws dflow::Error("compressed
// segmentation: ...") if the data is truncated or inconsistent; never reads out of bounds.
template <typename T>
void decode(std::span<const std::byte> data, const Vec3& size, const Vec3& block_size, size_t num_channels,
            std::span<T> out);

// Encodes like neuroglancer's and tensorstore's encoders (byte-identical output): blocks in
// x-fastest order, each block's values then (if new) its table sorted ascending; identical tables
// are written once per channel; padded positions of partial blocks use index 0.
template <typename T>
std::vector<std::byte> encode(std::span<const T> in, const Vec3& size, const Vec3& block_size, size_t num_channels = 1);

extern template void decode<uint32_t>(std::span<const std::byte>, const Vec3&, const Vec3&, size_t, std::span<uint32_t>);
extern template void decode<uint64_t>(std::span<const std::byte>, const Vec3&, const Vec3&, size_t, std::span<uint64_t>);
extern template std::vector<std::byte> encode<uint32_t>(std::span<const uint32_t>, const Vec3&, const Vec3&, size_t);
extern template std::vector<std::byte> encode<uint64_t>(std::span<const uint64_t>, const Vec3&, const Vec3&, size_t);

}  // namespace dflow::cseg
