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
#include "kvstore/kvstore.hpp"

namespace dflow::precomputed {

std::string chunk_name(const Box& chunk_box);

// The chunk's encoded bytes (gunzipped if stored gzip'd), or nullopt if there is none, from a store
// holding the scale's objects; `where_out` receives the object's name (for errors).
std::optional<std::vector<std::byte>> read_unsharded_chunk(const kv::KvStore& scale_store, const Scale& scale, DType dtype,
                                                           const Box& chunk_box, std::string* where_out = nullptr);

}  // namespace dflow::precomputed
