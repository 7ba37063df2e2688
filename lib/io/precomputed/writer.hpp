#pragma once
// Minimal precomputed writer: the info file and unsharded chunks (raw, jpeg or
// compressed_segmentation). Chunks are written uncompressed under their plain names, so a plain
// HTTP server, neuroglancer, cloud-volume and tensorstore all read them (CloudFiles' ".gz" names
// are deliberately not produced: a static server would not find them).
#include <filesystem>
#include <span>
#include <string>

#include "core/geometry.hpp"
#include "io/precomputed/metadata.hpp"

namespace dflow::precomputed {

// Writes "<path>/info" atomically, creating the directory. `path` as for open_precomputed.
void write_info(const std::string& path, const Info& info);

// Writes chunk `g` of `scale` from its voxels (scale.chunk_box(g), z-major x-fastest, truncated at
// the volume end). Atomic per file; chunks may be written concurrently from several threads/ranks.
void write_chunk(const std::string& path, const Info& info, int scale, const Vec3& g, std::span<const std::byte> voxels);

// Writes all chunks inside `box` from `voxels` (box z-major). `box` must start on the chunk grid
// and end on it or at the volume's end, so that every chunk it touches is complete.
void write_region(const std::string& path, const Info& info, int scale, const Box& box,
                  std::span<const std::byte> voxels);

}  // namespace dflow::precomputed
