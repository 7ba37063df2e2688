#pragma once
// One N5 chunk file: big-endian header
//   uint16 mode (0 default, 1 varlength, 2 object) | uint16 ndim | ndim x uint32 size (x first)
//   | [mode 1: uint32 element count]
// followed by the compressed big-endian elements, x fastest. Edge chunks may be truncated to the
// volume (n5-java) or stored whole (tensorstore, zarr's N5Store); both decode here.
#include <cstddef>
#include <span>
#include <vector>

#include "io/n5/n5_metadata.hpp"

namespace dflow::n5 {

// Parses the header and decompresses the payload into `out` (resized; elements stay big-endian).
// Returns the chunk's stored size (x,y,z), never larger than the dataset's blockSize.
// Throws Error with the reason only; the caller adds the chunk's path.
Vec3 decode_chunk(std::span<const std::byte> file, const Metadata& m, std::vector<std::byte>& out);

// Header + compressed payload for `size` elements given big-endian, x fastest.
std::vector<std::byte> encode_chunk(std::span<const std::byte> big_endian, const Vec3& size, const Metadata& m);

}  // namespace dflow::n5
