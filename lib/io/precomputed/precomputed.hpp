#pragma once
// Neuroglancer precomputed volumes (info JSON + chunks), encodings raw, jpeg and
// compressed_segmentation, unsharded or neuroglancer_uint64_sharded_v1. Local directories
// ("/path" or "file:///path") or buckets (s3://, gs://), optionally prefixed "precomputed://".
#include <memory>
#include <string>

#include "io/volume.hpp"
#include "kvstore/kvstore.hpp"

namespace dflow {

// scale: index into info["scales"]; the reader's coordinates are that scale's voxels.
std::unique_ptr<VolumeReader> open_precomputed(const std::string& path, int scale = 0, const kv::Options& bucket = {});
// The volume whose info is the store's "info".
std::unique_ptr<VolumeReader> open_precomputed(std::shared_ptr<kv::KvStore> store, int scale = 0);

}  // namespace dflow
