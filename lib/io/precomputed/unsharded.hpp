#pragma once
// Unsharded chunk files: "<key>/<x0>-<x1>_<y0>-<y1>_<z0>-<z1>" (true voxel ranges including
// voxel_offset; edge chunks truncated). CloudFiles on file:// stores gzip'd chunks as "<name>.gz",
// so that name is accepted too, and gzip'd content under the plain name is detected by its magic.
#include <cstddef>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "core/dtype.hpp"
#include "io/precomputed/metadata.hpp"

namespace dflow::precomputed {

std::string chunk_name(const Box& chunk_box);

// The chunk's encoded bytes (gunzipped if stored gzip'd), or nullopt if no file exists.
// `path_out` receives the file actually read (for error messages).
std::optional<std::vector<std::byte>> read_unsharded_chunk(const std::filesystem::path& scale_dir, const Scale& scale,
                                                           DType dtype, const Box& chunk_box,
                                                           std::filesystem::path* path_out = nullptr);

}  // namespace dflow::precomputed
