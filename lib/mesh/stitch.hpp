#pragma once
// Welding the pieces of one object that marching_cubes() produced in several bricks.
#include <vector>

#include "mesh/mesh.hpp"

namespace dflow::mesh {

// Concatenates `pieces` and merges vertices with bit-identical positions (the shared vertices on the
// planes between bricks). Vertices keep the order of their first occurrence (pieces in the given
// order), triangles the order of the pieces. A single piece is returned as it is (marching_cubes
// pieces are welded already). For pieces of one label from bricks
// tiling a volume, the result has exactly the same triangles (as a set of position triples with their
// orientation) as marching_cubes() over the whole volume, whatever the brick size and piece order.
Mesh merge_pieces(std::vector<Mesh> pieces);

// Canonical form for comparing meshes: vertices sorted by (x,y,z), each triangle rotated to start at
// its smallest vertex index (orientation kept), triangles sorted. Two meshes with the same set of
// oriented triangles over the same positions have equal canonical forms.
Mesh canonical(const Mesh& m);

}  // namespace dflow::mesh
