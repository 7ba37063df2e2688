#include "mesh/mesh.hpp"

#include <algorithm>
#include <limits>

namespace dflow::mesh {

void Mesh::append(const Mesh& other) {
  const uint32_t base = uint32_t(num_vertices());
  vertices.insert(vertices.end(), other.vertices.begin(), other.vertices.end());
  triangles.reserve(triangles.size() + other.triangles.size());
  for (uint32_t i : other.triangles) triangles.push_back(i + base);
}

void Mesh::scale(const std::array<double, 3>& f) {
  if (f[0] == 1 && f[1] == 1 && f[2] == 1) return;
  for (size_t i = 0; i < vertices.size(); i += 3)
    for (int a = 0; a < 3; ++a) vertices[i + a] = float(double(vertices[i + a]) * f[a]);
}

void Mesh::translate(const std::array<double, 3>& d) {
  for (size_t i = 0; i < vertices.size(); i += 3)
    for (int a = 0; a < 3; ++a) vertices[i + a] = float(double(vertices[i + a]) + d[a]);
}

void Mesh::remove_unused_vertices() {
  const size_t nv = num_vertices();
  std::vector<uint32_t> remap(nv, std::numeric_limits<uint32_t>::max());
  for (uint32_t i : triangles) remap[i] = 0;
  uint32_t next = 0;
  for (size_t v = 0; v < nv; ++v)
    if (remap[v] == 0) {
      remap[v] = next;
      if (next != v) std::copy_n(vertices.begin() + 3 * v, 3, vertices.begin() + 3 * next);
      ++next;
    }
  vertices.resize(size_t(next) * 3);
  for (uint32_t& i : triangles) i = remap[i];
}

Mesh concatenate(const std::vector<Mesh>& meshes) {
  Mesh out;
  size_t nv = 0, nt = 0;
  for (const Mesh& m : meshes) nv += m.vertices.size(), nt += m.triangles.size();
  out.vertices.reserve(nv);
  out.triangles.reserve(nt);
  for (const Mesh& m : meshes) out.append(m);
  return out;
}

std::array<float, 6> bounds(const Mesh& m) {
  if (m.vertices.empty()) return {0, 0, 0, 0, 0, 0};
  std::array<float, 6> b{m.vertices[0], m.vertices[1], m.vertices[2], m.vertices[0], m.vertices[1], m.vertices[2]};
  for (size_t i = 0; i < m.vertices.size(); i += 3)
    for (int a = 0; a < 3; ++a) {
      b[a] = std::min(b[a], m.vertices[i + a]);
      b[3 + a] = std::max(b[3 + a], m.vertices[i + a]);
    }
  return b;
}

}  // namespace dflow::mesh
