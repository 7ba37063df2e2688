#pragma once
// Moving voxels between a decoded chunk and a caller's buffer, shared by the N5 and Zarr readers
// and the N5 writer. Both buffers hold elements of `elem` bytes over a box in global coordinates;
// the destination is always x-fastest (our layout).
#include <cstddef>
#include <span>

#include "core/geometry.hpp"

namespace dflow {

struct ChunkLayout {
  bool swap_bytes = false;  // source elements are big-endian (N5, zarr ">u8")
  bool z_fastest = false;   // source is Fortran order over (z,y,x), i.e. z fastest (zarr order "F")
};

// Copies `region` (inside both boxes) from src to dst, byte-swapping / transposing on the way,
// so a chunk is converted only where the request overlaps it.
void copy_chunk_region(const std::byte* src, const Box& src_box, ChunkLayout layout, std::byte* dst,
                       const Box& dst_box, const Box& region, size_t elem);

// Sets every element of `region` (inside dst_box) to `value` (elem bytes).
void fill_region(std::byte* dst, const Box& dst_box, const Box& region, std::span<const std::byte> value);

}  // namespace dflow
