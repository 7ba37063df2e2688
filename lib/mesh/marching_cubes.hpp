#pragma once
// Marching cubes over a labelled brick: one pass meshes every label of the brick.
//
// Sampling: the samples are the voxel centres; a cell is the cube between the 8 voxel centres
// c .. c+(1,1,1) and is named by its lowest corner voxel c. A label L's surface crosses every cell
// edge whose two voxels differ in "is L", at the edge's midpoint (binary mask, level 0.5), so with the
// voxel-corner origin of mesh.hpp a vertex has one integer and two half-integer coordinates. Faces of a
// cell whose 4 corners are "L, not L, L, not L" around the face are resolved by separating the L
// corners (L is 6-connected; diagonal neighbours do not join), the same way on both sides of the face,
// so the surfaces of neighbouring cells always meet: the mesh of a label that does not reach the edge
// of the meshed region is closed (every edge in exactly two triangles) and consistently oriented.
// Label 0 is background and never meshed.
//
// Cell ownership (what makes bricks stitch): a brick [lo, hi) emits exactly the cells c with
// lo <= c < hi on every axis, plus, on an axis where lo equals volume.lo, the cells c = lo - 1 (the
// layer across the volume's low face, so that surfaces close there against the zero padding). The
// bricks of any tiling of `volume` therefore emit every cell of [volume.lo - 1, volume.hi) exactly once,
// the same triangles as one brick covering the whole volume, with identical vertex positions on the
// planes between bricks; stitch.hpp's merge_pieces() welds them.
#include <cstdint>
#include <span>
#include <utility>
#include <vector>

#include "core/geometry.hpp"
#include "mesh/mesh.hpp"

namespace dflow::mesh {

struct BrickLabels {
  // Labels of the box [brick.lo - 1, brick.hi + 1) (a one-voxel halo on every side), z-major with x
  // fastest, i.e. index ((z * ny) + y) * nx + x with (nx,ny,nz) = brick.shape() + 2. Outside the
  // volume the caller puts 0, so objects touching the volume's faces get closed surfaces.
  std::span<const uint64_t> labels;
  Box brick;   // [lo, hi), global voxel coordinates of the meshed grid
  Box volume;  // the whole volume, global; only its low corner matters (see ownership above)
};

// Pieces of every label of `in` (or, when `subset` is not empty, of the labels in `subset`, which must
// be sorted ascending), sorted by label; labels without any triangle in the owned cells are absent.
// Vertices are global (mesh.hpp) and welded within the piece; the triangle order is deterministic.
// Throws dflow::Error if the span's size does not match the brick or the brick is not inside the volume.
std::vector<std::pair<uint64_t, Mesh>> marching_cubes(const BrickLabels& in, std::span<const uint64_t> subset = {});

}  // namespace dflow::mesh
