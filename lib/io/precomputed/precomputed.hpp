#pragma once
// Neuroglancer precomputed volumes (info JSON + chunks), encodings raw, jpeg and
// compressed_segmentation, unsharded or neuroglancer_uint64_sharded_v1. Local directories
// ("/path" or "file:///path", optionally prefixed "precomputed://").
#include <memory>
#include <string>

#include "io/volume.hpp"

namespace dflow {

// scale: index into info["scales"]; the reader's coordinates are that scale's voxels.
std::unique_ptr<VolumeReader> open_precomputed(const std::string& path, int scale = 0);

}  // namespace dflow
