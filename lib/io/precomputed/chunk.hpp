#pragma once
// Decoding and encoding one chunk's bytes in a scale's encoding. Buffers are the chunk's voxels
// z-major x-fastest (= the format's [x,y,z] Fortran order for one channel).
#include <cstddef>
#include <span>
#include <vector>

#include "core/dtype.hpp"
#include "core/geometry.hpp"
#include "io/precomputed/metadata.hpp"

namespace dflow::precomputed {

// Decodes `data` for a chunk covering `chunk_box` (truncated at the volume end) into `out`
// (chunk_box.volume() * dtype_size bytes). Throws dflow::Error with the codec's reason; the
// caller adds the file/chunk. A raw or jpeg chunk stored padded to the full chunk size (some
// writers pad edge chunks) is accepted and cropped.
void decode_chunk(const Scale& scale, DType dtype, const Box& chunk_box, std::span<const std::byte> data,
                  std::span<std::byte> out);

// Encodes `voxels` (chunk_box.volume() values of dtype) in the scale's encoding. jpeg uses
// width X, height Y*Z (cloud-volume's layout) and scale.jpeg_quality (default 85).
std::vector<std::byte> encode_chunk(const Scale& scale, DType dtype, const Box& chunk_box,
                                    std::span<const std::byte> voxels);

}  // namespace dflow::precomputed
