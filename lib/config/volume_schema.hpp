#pragma once
// A volume source as flyemflows writes it: exactly one storage service key
// (n5 | zarr | hdf5 | slice-files | precomputed) plus `geometry`. lib/io/open_volume.hpp opens it.
#include "config/schema.hpp"

namespace dflow::config {

// The storage services a volume config may name, in schema order.
const std::vector<std::string>& volume_services();
Schema geometry_schema();
Schema volume_schema();

}  // namespace dflow::config
