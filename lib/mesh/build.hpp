#pragma once
// The whole per-object chain of the mesh stages: merge the brick pieces -> Laplacian smoothing ->
// decimation -> voxels to output units -> serialisation.
#include <array>
#include <string>
#include <vector>

#include "mesh/encode.hpp"
#include "mesh/mesh.hpp"
#include "mesh/simplify.hpp"

namespace dflow::mesh {

struct MeshOptions {
  int smoothing = 0;             // Laplacian iterations (flyemflows mesh-parameters.smoothing)
  SimplifyOptions simplify;      // fraction = flyemflows mesh-parameters.decimation; max_error in VOXELS
                                 // of the meshed grid (applied before scaling)
  // Output units per voxel of scale 0 (e.g. the voxel size in nm; 1 = voxels, what neu3 reads).
  std::array<double, 3> voxel_size{1, 1, 1};
  // Scale-0 voxels per meshed voxel, e.g. 2 when meshing scale 1 (flyemflows rescale-before-write).
  std::array<double, 3> rescale{1, 1, 1};
  Format format = Format::drc;
  EncodeOptions encode;
};

// merge_pieces -> laplacian_smooth -> simplify -> scale by voxel_size * rescale. The mesh that would
// be encoded (for body meshes built from supervoxel meshes, or for checks).
Mesh prepare_mesh(std::vector<Mesh> pieces, const MeshOptions& opt);

// encode(prepare_mesh(pieces, opt), opt.format, opt.encode). 0 bytes when the object has no surface.
std::string build_mesh(std::vector<Mesh> pieces, const MeshOptions& opt);

}  // namespace dflow::mesh
