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
  // Largest error, in the mesh's units, as meshoptimizer estimates it (quadric: distance to the planes
  // of the original triangles around a collapse); the simplifier stops earlier rather than exceed it.
  // The true surface distance can be larger (thin parts folded and removed; bench_meshes measures
  // it). Infinity = only the triangle target counts (flyemflows' simplify_openmesh has no limit).
  double max_error = std::numeric_limits<double>::infinity();
  bool lock_border = false;     // keep vertices on open borders (meshopt_SimplifyLockBorder)
};

struct SimplifyResult {
  double error = 0;     // the simplifier's own estimate of the largest deviation, mesh units
  bool simplified = true;  // false when every attempt pinched and the mesh was left unchanged
};

// Simplifies in place. Meshes of at most 4 triangles, and options asking for nothing, are left
// as they are. Vertices are a subset of the input's (meshoptimizer collapses onto existing vertices).
// For a closed, consistently oriented input (marching_cubes + merge_pieces), the output is closed in
// the sense that every edge is used equally often in both directions (no holes, orientation kept,
// the enclosed volume is defined): triangle pairs folded flat onto each other are removed. An edge
// shared by four triangles (two sheets pinched together) is avoided by retrying with 1.2, 1.5, 2 and
// 3 times the target; if every attempt pinches, the mesh is left unsimplified (simplified = false).
// So a closed, consistently oriented input stays closed and consistently oriented (every edge in
// exactly two triangles, used in opposite directions); tests/mesh checks that on the example's
// supervoxels at most 1 in 20 stays unsimplified (none did at 20% and 5% of the triangles).
SimplifyResult simplify(Mesh& m, const SimplifyOptions& opt);

}  // namespace dflow::mesh
