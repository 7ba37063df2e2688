#pragma once
// Decimation with meshoptimizer's quadric edge-collapse simplifier (meshopt_simplify, Debian
// libmeshoptimizer-dev 0.18), followed by dropping the vertices no longer used.
#include <cstddef>
#include <limits>

#include "mesh/mesh.hpp"

namespace dflow::mesh {

struct SimplifyOptions {
  double fraction = 1.0;        // keep about this fraction of the triangles (1 = no decimation)
  size_t max_triangles = 0;     // and at most this many (0 = no limit); the smaller target wins
  // Largest distance a vertex may move, in the mesh's units; the simplifier stops earlier rather than
  // exceed it. Infinity = only the triangle target counts (flyemflows' simplify_openmesh has no limit).
  double max_error = std::numeric_limits<double>::infinity();
  bool lock_border = false;     // keep vertices on open borders (meshopt_SimplifyLockBorder)
};

struct SimplifyResult {
  double error = 0;  // the simplifier's own estimate of the largest deviation, mesh units
};

// Simplifies in place. Meshes with fewer than 4 triangles, and options asking for nothing, are left
// as they are. See tests/mesh for what is guaranteed about closedness afterwards.
SimplifyResult simplify(Mesh& m, const SimplifyOptions& opt);

}  // namespace dflow::mesh
