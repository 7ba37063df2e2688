#pragma once
// The volume-source factory: a validated volume config (config/volume_schema.hpp: exactly one of
// n5 | zarr | hdf5 | slice-files | precomputed, plus geometry) -> the matching VolumeReader.
#include <filesystem>
#include <memory>
#include <string>

#include <yaml-cpp/yaml.h>

#include "io/volume.hpp"
#include "kvstore/kvstore.hpp"

namespace dflow {

// Opens the source at `scale`. Relative paths resolve against `base_dir` (the directory holding
// workflow.yaml, i.e. the execution directory). `scale` must be listed in geometry.available-scales.
// Multiscale naming as flyemflows: for n5/zarr a dataset ending in 0 names scale 0 and scale s
// replaces that 0 with s ("s0" -> "s2"); precomputed reads info scale index `scale + precomputed.scale`;
// hdf5 and slice-files have scale 0 only.
std::unique_ptr<VolumeReader> open_volume(const YAML::Node& validated_volume_config, const std::filesystem::path& base_dir,
                                          int scale = 0);

// kv::Options from a validated `bucket:` block (config/volume_schema.hpp bucket_schema).
kv::Options bucket_options(const YAML::Node& bucket);

// The dataset name of scale `scale` for a scale-0 name ("s0" -> "s3"); throws if `scale` > 0 and the
// name does not end in 0.
std::string scaled_dataset_name(const std::string& dataset, int scale);

// geometry.bounding-box with every -1 coordinate taken from the stored volume, in `reader`'s
// coordinates (the config box is scale-0; at scale s it is divided by 2^s, rounding outwards).
// Throws one line naming the box and the source if it is empty or not inside the stored volume.
Box resolve_bounding_box(const YAML::Node& validated_volume_config, const VolumeReader& reader, int scale = 0);

}  // namespace dflow
