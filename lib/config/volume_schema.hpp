#pragma once
// A volume source as flyemflows writes it: exactly one storage service key
// (n5 | zarr | hdf5 | slice-files | precomputed) plus `geometry`. lib/io/open_volume.hpp opens it.
#include "config/schema.hpp"

namespace dflow::config {

// The storage services a volume config may name, in schema order.
const std::vector<std::string>& volume_services();
Schema geometry_schema();
Schema volume_schema();
// `bucket:` next to a path that may be s3:// or gs://: endpoint, region, path-style, profile,
// parallel requests and part sizes (kv::Options; io/open_volume.hpp's bucket_options reads it).
Schema bucket_schema();

}  // namespace dflow::config
