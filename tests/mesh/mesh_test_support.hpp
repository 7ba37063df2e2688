#pragma once
// Helpers of the mesh tests: meshing a whole labelled volume brick by brick (as the stages do), and
// the geometric checks of issue 8 computed directly from the triangles and the voxels (not from
// anything lib/mesh computes).
#include <algorithm>
#include <cmath>
#include <map>
#include <unordered_map>
#include <vector>

#include "core/array.hpp"
#include "mesh/marching_cubes.hpp"
#include "mesh/mesh.hpp"
#include "mesh/stitch.hpp"

namespace dflow::mesh::test {

// Pieces per label from bricks of `brick_shape` tiling vol.box(), each cut with a one-voxel halo
// (zeros outside the volume), then merged per label.
inline std::map<uint64_t, Mesh> mesh_volume(const Array3<uint64_t>& vol, Vec3 brick_shape,
                                            std::map<uint64_t, int>* bricks_per_label = nullptr) {
  std::map<uint64_t, std::vector<Mesh>> pieces;
  const Box vb = vol.box();
  for (int64_t z = vb.lo.z; z < vb.hi.z; z += brick_shape.z)
    for (int64_t y = vb.lo.y; y < vb.hi.y; y += brick_shape.y)
      for (int64_t x = vb.lo.x; x < vb.hi.x; x += brick_shape.x) {
        const Box brick = Box{{x, y, z}, {x + brick_shape.x, y + brick_shape.y, z + brick_shape.z}}.intersect(vb);
        const Array3<uint64_t> halo = vol.crop({brick.lo - Vec3::fill(1), brick.hi + Vec3::fill(1)});
        for (auto& [label, m] : marching_cubes({halo.vec(), brick, vb})) pieces[label].push_back(std::move(m));
      }
  std::map<uint64_t, Mesh> out;
  for (auto& [label, ps] : pieces) {
    if (bricks_per_label) (*bricks_per_label)[label] = int(ps.size());
    out[label] = merge_pieces(std::move(ps));
  }
  return out;
}

struct EdgeReport {
  size_t unmatched = 0;     // directed edges without their reverse (open or inconsistently oriented)
  size_t repeated = 0;      // directed edges used by more than one triangle (non-manifold or flipped)
  size_t degenerate = 0;    // triangles with a repeated vertex
  bool closed_and_oriented() const { return unmatched == 0 && repeated == 0 && degenerate == 0; }
};

// Closed (every edge in exactly two triangles) and consistently oriented (they use it in opposite
// directions) <=> every directed edge occurs once and its reverse occurs once.
inline EdgeReport check_edges(const Mesh& m) {
  EdgeReport r;
  std::unordered_map<uint64_t, int> count;
  count.reserve(m.triangles.size() * 2);
  for (size_t t = 0; t < m.triangles.size(); t += 3) {
    const uint32_t* f = &m.triangles[t];
    if (f[0] == f[1] || f[1] == f[2] || f[0] == f[2]) ++r.degenerate;
    for (int k = 0; k < 3; ++k) ++count[uint64_t(f[k]) << 32 | f[(k + 1) % 3]];
  }
  for (const auto& [e, n] : count) {
    if (n > 1) ++r.repeated;
    const uint64_t rev = (e << 32) | (e >> 32);
    if (!count.contains(rev)) ++r.unmatched;
  }
  return r;
}

// Enclosed volume by the divergence theorem (positive when the triangles face outwards).
inline double signed_volume(const Mesh& m) {
  double v = 0;
  const auto& p = m.vertices;
  for (size_t t = 0; t < m.triangles.size(); t += 3) {
    const size_t a = 3 * size_t(m.triangles[t]), b = 3 * size_t(m.triangles[t + 1]), c = 3 * size_t(m.triangles[t + 2]);
    v += double(p[a]) * (double(p[b + 1]) * p[c + 2] - double(p[b + 2]) * p[c + 1]) -
         double(p[a + 1]) * (double(p[b]) * p[c + 2] - double(p[b + 2]) * p[c]) +
         double(p[a + 2]) * (double(p[b]) * p[c + 1] - double(p[b + 1]) * p[c]);
  }
  return v / 6;
}

struct VoxelStats {
  int64_t count = 0;          // voxels of the label
  int64_t exposed_faces = 0;  // faces between a voxel of the label and one that is not
  bool touches_border = false;
};

// Statistics of every label of the volume in one pass (outside the volume counts as label 0).
inline std::map<uint64_t, VoxelStats> all_voxel_stats(const Array3<uint64_t>& vol) {
  std::map<uint64_t, VoxelStats> out;
  const Box b = vol.box();
  auto lab = [&](Vec3 p) { return b.contains(p) ? vol.at(p) : uint64_t(0); };
  uint64_t last = ~uint64_t(0);
  VoxelStats* s = nullptr;
  for (int64_t z = b.lo.z; z < b.hi.z; ++z)
    for (int64_t y = b.lo.y; y < b.hi.y; ++y)
      for (int64_t x = b.lo.x; x < b.hi.x; ++x) {
        const uint64_t label = vol.at({x, y, z});
        if (label != last) s = &out[label], last = label;
        ++s->count;
        if (x == b.lo.x || y == b.lo.y || z == b.lo.z || x == b.hi.x - 1 || y == b.hi.y - 1 || z == b.hi.z - 1) s->touches_border = true;
        for (int a = 0; a < 3; ++a)
          for (int d : {-1, 1}) {
            Vec3 q{x, y, z};
            q[a] += d;
            s->exposed_faces += lab(q) != label;
          }
      }
  return out;
}

inline VoxelStats voxel_stats(const Array3<uint64_t>& vol, uint64_t label) { return all_voxel_stats(vol)[label]; }

// Largest distance (in voxels; the mesh is divided by `scale` first) from a vertex to the label's
// boundary, i.e. the union of the unit squares between its voxels and the others. Vertices farther
// than `window` voxels from any boundary square are reported as window + 1.
inline double max_boundary_distance(const Mesh& m, const Array3<uint64_t>& vol, uint64_t label,
                                    std::array<double, 3> scale = {1, 1, 1}, int window = 2) {
  const Box b = vol.box();
  auto lab = [&](Vec3 p) { return b.contains(p) ? vol.at(p) : uint64_t(0); };
  double worst = 0;
  for (size_t i = 0; i < m.vertices.size(); i += 3) {
    const double p[3] = {m.vertices[i] / scale[0], m.vertices[i + 1] / scale[1], m.vertices[i + 2] / scale[2]};
    const Vec3 c{int64_t(std::floor(p[0])), int64_t(std::floor(p[1])), int64_t(std::floor(p[2]))};
    double best = window + 1;
    for (int64_t dz = -window; dz <= window && best > 0; ++dz)
      for (int64_t dy = -window; dy <= window; ++dy)
        for (int64_t dx = -window; dx <= window; ++dx) {
          const Vec3 v = c + Vec3{dx, dy, dz};
          if (lab(v) != label) continue;
          for (int a = 0; a < 3; ++a)
            for (int d : {-1, 1}) {
              Vec3 q = v;
              q[a] += d;
              if (lab(q) == label) continue;
              // The square on the plane x_a = v_a + (d > 0), spanning the voxel on the other axes.
              double d2 = 0;
              for (int k = 0; k < 3; ++k) {
                double lo = double(v[k]), hi = double(v[k]) + 1;
                if (k == a) lo = hi = double(v[k]) + (d > 0 ? 1 : 0);
                const double o = p[k] < lo ? lo - p[k] : p[k] > hi ? p[k] - hi : 0;
                d2 += o * o;
              }
              best = std::min(best, std::sqrt(d2));
            }
        }
    worst = std::max(worst, best);
  }
  return worst;
}

}  // namespace dflow::mesh::test
