#pragma once
// A DVID labelmap as a volume source (io/volume.hpp): the supervoxels of one scale, read with
// GET /specificblocks?scale=S&compression=blocks&supervoxels=true (the stored gzip'd blocks, decoded
// here), so the meshing stages can start from what is in DVID as from any file format. Blocks DVID
// does not store read as 0. Bounds: the instance's extents (Extended.MinPoint/MaxPoint, scale 0)
// divided by 2^S, rounded outwards.
#include <memory>
#include <string>

#include "io/volume.hpp"

namespace dflow::meshes {

struct DvidLabelmapSource {
  std::string server, uuid, instance;
  int scale = 0;
};

// Checks the instance (a labelmap with 64^3 blocks, `scale` <= MaxDownresLevel) and reads its
// extents; throws one line naming the URL otherwise.
std::unique_ptr<VolumeReader> open_dvid_labelmap(const DvidLabelmapSource& src);

}  // namespace dflow::meshes
