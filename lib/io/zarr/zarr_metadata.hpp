#pragma once
// Zarr v2 array metadata (.zarray) for 3-D volumes. Zarr's axes are numpy C order (z,y,x); every
// Vec3 here is already reversed to our x,y,z.
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "codec/compressor.hpp"
#include "core/dtype.hpp"
#include "core/geometry.hpp"
#include "io/zarr/zarr.hpp"

namespace dflow::zarr {

struct Metadata {
  Vec3 shape;  // x,y,z
  Vec3 chunk;  // x,y,z
  DType dtype = DType::uint8;
  bool big_endian = false;      // dtype ">u8": chunks are byte-swapped while copying out
  bool fortran_order = false;   // order "F": chunk bytes are column-major over (z,y,x)
  std::vector<std::byte> fill;  // one element, native byte order (fill_value; null -> 0)
  Compressor compressor;
  char separator = '.';         // chunk key separator
};

// `store` supplies the key separator when .zarray has no dimension_separator (as zarr 2.18 does:
// the metadata wins, otherwise DirectoryStore "." and NestedDirectoryStore "/").
// `where` names the .zarray in errors.
Metadata parse_zarray(const nlohmann::json& j, ZarrStore store, const std::string& where);

}  // namespace dflow::zarr
