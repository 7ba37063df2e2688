#pragma once
// A triangle mesh as the mesh stages pass it around: flat arrays, so pieces can be concatenated,
// sent between ranks and handed to meshoptimizer/Draco without conversion.
//
// Conventions (every function in lib/mesh/ keeps them):
// - vertices: x,y,z interleaved float32. Straight out of marching_cubes() they are in GLOBAL voxel
//   coordinates of the meshed grid with the voxel-corner origin (voxel i spans [i, i+1), its centre is
//   i + 0.5), as vol2mesh after its +0.5 shift; every such coordinate is a multiple of 0.5, so it is
//   exact in float32 up to 2^22 voxels.
// - triangles: 3 vertex indices per face, counter-clockwise seen from OUTSIDE the object, i.e. the
//   right-hand normal (b-a)x(c-a) points away from the labelled voxels.
#include <array>
#include <cstddef>
#include <cstdint>
#include <vector>

namespace dflow::mesh {

struct Mesh {
  std::vector<float> vertices;      // x,y,z interleaved
  std::vector<uint32_t> triangles;  // 3 per face

  size_t num_vertices() const { return vertices.size() / 3; }
  size_t num_triangles() const { return triangles.size() / 3; }
  bool empty() const { return triangles.empty(); }

  // Appends `other`, renumbering its triangles (no welding; see stitch.hpp for that).
  void append(const Mesh& other);
  // v -> v * factor (per axis), e.g. voxels -> nm.
  void scale(const std::array<double, 3>& factor);
  // v -> v + offset (per axis).
  void translate(const std::array<double, 3>& offset);
  // Drops vertices no triangle uses and renumbers triangles (order of the kept vertices unchanged).
  void remove_unused_vertices();

  friend bool operator==(const Mesh&, const Mesh&) = default;
};

// All meshes appended in order (the flyemflows "simple-concatenate").
Mesh concatenate(const std::vector<Mesh>& meshes);

// Axis-aligned bounds of the vertices: {min x,y,z, max x,y,z}; all zero for a mesh without vertices.
std::array<float, 6> bounds(const Mesh& m);

}  // namespace dflow::mesh
