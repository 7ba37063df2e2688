#pragma once
// DVID's compressed label block (datatype/common/labels/compressed.go, comment above `type Block`).
// All integers little-endian; a block of nx*ny*nz voxels (multiples of 8) is cut into 8^3 sub-blocks.
//
//   uint32 gx, gy, gz        sub-blocks along x, y, z (= n/8)
//   uint32 N                 labels in the block-level table
//   uint64 label[N]          block-level label table
//   -- only if N > 1 --
//   uint16 ns[gx*gy*gz]      labels used by each sub-block (sub-blocks in z, y, x order, x fastest)
//   uint32 idx[sum(ns)]      for each sub-block, its ns[i] entries as indices into label[]
//   packed values            per sub-block with ns[i] > 1: 512 values of bits(ns[i]) = ceil(log2 ns[i])
//                            bits each, MSB first, voxels in z, y, x order (x fastest); each sub-block's
//                            values end on a byte boundary (512*b bits always do).
//
// A block with one label is the 24-byte solid form. Our encoder orders label[] by first appearance
// in sub-block order (DVID's own order follows Go map iteration and is not reproducible; DVID reads any
// order) and each sub-block's idx list by first appearance in its z,y,x scan, exactly as DVID does.
#include <cstdint>
#include <span>
#include <vector>

#include "core/geometry.hpp"

namespace dflow::dvidlabels {

// Encodes a z-major (x fastest) block of shape (multiples of 8 per axis, at most 1024).
std::vector<std::byte> encode_block(const uint64_t* labels, const Vec3& shape);
inline std::vector<std::byte> encode_block(std::span<const uint64_t> labels, const Vec3& shape) { return encode_block(labels.data(), shape); }

// Shape from a block's header, validated.
Vec3 block_shape(std::span<const std::byte> block);

// Decodes into `out` (block_shape(block).prod() labels). Every length, index and packed value is
// checked: a truncated or corrupt block throws dflow::Error, never reads out of bounds.
void decode_block(std::span<const std::byte> block, uint64_t* out);
std::vector<uint64_t> decode_block(std::span<const std::byte> block);

// The block-level label table (label[]), without decoding voxels.
std::vector<uint64_t> block_labels(std::span<const std::byte> block);

// The 24-byte form DVID writes for a block filled with one label.
std::vector<std::byte> solid_block(uint64_t label, const Vec3& shape);

}  // namespace dflow::dvidlabels
