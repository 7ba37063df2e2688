#pragma once
// Zarr v2 (.zarray/.zattrs), in the three store layouts flyemflows names:
//   DirectoryStore ("15.7.20" keys unless .zarray says dimension_separator "/"),
//   NestedDirectoryStore ("15/7/20"), N5Store (an N5 container read through zarr's naming).
#include <filesystem>
#include <memory>
#include <string>

#include "io/volume.hpp"

namespace dflow::kv {
class KvStore;
}

namespace dflow {

enum class ZarrStore { directory, nested, n5 };
ZarrStore parse_zarr_store(const std::string& name);  // "DirectoryStore" | "NestedDirectoryStore" | "N5Store"

// global_offset (x,y,z): global coordinate of array element (0,0,0), as flyemflows' `global-offset`.
std::unique_ptr<VolumeReader> open_zarr(const std::filesystem::path& path, const std::string& dataset,
                                        ZarrStore store, Vec3 global_offset = {});
// The same in any key-value store (a directory, s3://, gs://).
std::unique_ptr<VolumeReader> open_zarr(std::shared_ptr<kv::KvStore> container, const std::string& dataset,
                                        ZarrStore store, Vec3 global_offset = {});

}  // namespace dflow
