#include "mesh/build.hpp"

#include "mesh/smooth.hpp"
#include "mesh/stitch.hpp"

namespace dflow::mesh {

Mesh prepare_mesh(std::vector<Mesh> pieces, const MeshOptions& opt) {
  Mesh m = merge_pieces(std::move(pieces));
  laplacian_smooth(m, opt.smoothing);
  simplify(m, opt.simplify);
  m.scale({opt.voxel_size[0] * opt.rescale[0], opt.voxel_size[1] * opt.rescale[1], opt.voxel_size[2] * opt.rescale[2]});
  return m;
}

std::string build_mesh(std::vector<Mesh> pieces, const MeshOptions& opt) {
  return encode(prepare_mesh(std::move(pieces), opt), opt.format, opt.encode);
}

}  // namespace dflow::mesh
