#include "mesh/smooth.hpp"

#include <algorithm>

namespace dflow::mesh {

void laplacian_smooth(Mesh& m, int iterations) {
  if (iterations <= 0 || m.empty()) return;
  const size_t nv = m.num_vertices();
  // Neighbour lists (CSR) from the triangle edges, each neighbour once.
  std::vector<uint64_t> edges;
  edges.reserve(m.triangles.size() * 2);
  for (size_t t = 0; t < m.triangles.size(); t += 3)
    for (int k = 0; k < 3; ++k) {
      uint64_t a = m.triangles[t + k], b = m.triangles[t + (k + 1) % 3];
      edges.push_back(a << 32 | b);
      edges.push_back(b << 32 | a);
    }
  std::sort(edges.begin(), edges.end());
  edges.erase(std::unique(edges.begin(), edges.end()), edges.end());
  std::vector<uint32_t> start(nv + 1, 0), nbr(edges.size());
  for (uint64_t e : edges) ++start[(e >> 32) + 1];
  for (size_t v = 0; v < nv; ++v) start[v + 1] += start[v];
  for (size_t i = 0; i < edges.size(); ++i) nbr[i] = uint32_t(edges[i]);  // sorted by source already

  std::vector<float> next(m.vertices.size());
  for (int it = 0; it < iterations; ++it) {
    for (size_t v = 0; v < nv; ++v) {
      double s[3] = {m.vertices[3 * v], m.vertices[3 * v + 1], m.vertices[3 * v + 2]};
      for (uint32_t i = start[v]; i < start[v + 1]; ++i)
        for (int a = 0; a < 3; ++a) s[a] += m.vertices[3 * size_t(nbr[i]) + a];
      const double n = 1.0 + double(start[v + 1] - start[v]);
      for (int a = 0; a < 3; ++a) next[3 * v + a] = float(s[a] / n);
    }
    m.vertices.swap(next);
  }
}

}  // namespace dflow::mesh
