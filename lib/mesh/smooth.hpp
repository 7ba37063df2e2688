#pragma once
// Laplacian smoothing as vol2mesh's Mesh.laplacian_smooth: in each iteration every vertex moves to the
// mean of itself and its neighbours (vertices sharing an edge), all vertices updated at once.
// Topology is unchanged, so a closed, consistently oriented mesh stays so.
#include "mesh/mesh.hpp"

namespace dflow::mesh {

void laplacian_smooth(Mesh& m, int iterations);

}  // namespace dflow::mesh
