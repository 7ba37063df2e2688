#include "mesh/simplify.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>

#include <meshoptimizer.h>

namespace dflow::mesh {
namespace {

// Edge collapses can fold a thin part of the surface flat: two triangles on the same three vertices
// facing opposite ways, whose edges are then shared by four triangles. The pair encloses no volume,
// so dropping both keeps the surface closed and oriented and removes that non-manifold edge.
void drop_folded_pairs(std::vector<uint32_t>& tris) {
  const size_t n = tris.size() / 3;
  std::vector<std::pair<std::array<uint32_t, 3>, uint32_t>> keys(n);
  for (size_t t = 0; t < n; ++t) {
    std::array<uint32_t, 3> k{tris[3 * t], tris[3 * t + 1], tris[3 * t + 2]};
    std::sort(k.begin(), k.end());
    keys[t] = {k, uint32_t(t)};
  }
  std::sort(keys.begin(), keys.end());
  // Orientation of a triangle relative to its sorted vertex order: even or odd rotation.
  auto parity = [&](uint32_t t) {
    const uint32_t* f = &tris[3 * size_t(t)];
    const uint32_t lo = std::min({f[0], f[1], f[2]});
    const int r = f[0] == lo ? 0 : f[1] == lo ? 1 : 2;
    return f[(r + 1) % 3] < f[(r + 2) % 3];
  };
  std::vector<char> drop(n, 0);
  bool any = false;
  for (size_t i = 0; i < n;) {
    size_t j = i + 1;
    while (j < n && keys[j].first == keys[i].first) ++j;
    if (j - i > 1) {
      std::vector<uint32_t> pos, neg;
      for (size_t k = i; k < j; ++k) (parity(keys[k].second) ? pos : neg).push_back(keys[k].second);
      for (size_t k = 0; k < std::min(pos.size(), neg.size()); ++k) drop[pos[k]] = drop[neg[k]] = 1, any = true;
    }
    i = j;
  }
  if (!any) return;
  size_t w = 0;
  for (size_t t = 0; t < n; ++t)
    if (!drop[t]) std::copy_n(tris.begin() + 3 * t, 3, tris.begin() + 3 * w++);
  tris.resize(3 * w);
}

// True when no directed edge is used by two triangles, i.e. no edge is shared by four (the input of
// simplify() is closed and oriented, and collapses keep every edge balanced in both directions).
bool no_repeated_edges(const std::vector<uint32_t>& tris) {
  std::vector<uint64_t> e;
  e.reserve(tris.size());
  for (size_t t = 0; t < tris.size(); t += 3)
    for (int k = 0; k < 3; ++k) e.push_back(uint64_t(tris[t + k]) << 32 | tris[t + (k + 1) % 3]);
  std::sort(e.begin(), e.end());
  return std::adjacent_find(e.begin(), e.end()) == e.end();
}

}  // namespace

SimplifyResult simplify(Mesh& m, const SimplifyOptions& opt) {
  const size_t nt = m.num_triangles();
  size_t target = nt;
  if (opt.fraction < 1.0) target = size_t(std::max(0.0, opt.fraction) * double(nt));
  if (opt.max_triangles > 0) target = std::min(target, opt.max_triangles);
  target = std::max<size_t>(target, 4);
  if (nt <= 4 || target >= nt) return {};
  const float scale = meshopt_simplifyScale(m.vertices.data(), m.num_vertices(), 3 * sizeof(float));
  // meshoptimizer takes the error relative to the mesh's extent.
  const float rel = std::isfinite(opt.max_error) && scale > 0 ? float(opt.max_error / scale) : 1e30f;
  // A collapse can also pinch two sheets of the surface together along an edge (four triangles on
  // it). meshoptimizer 0.18 cannot be told to avoid that, so when it happens the simplification is
  // redone with larger targets; if all of them pinch, the mesh stays as it was.
  std::vector<uint32_t> out;
  float err = 0;
  bool manifold = false;
  for (double grow : {1.0, 1.2, 1.5, 2.0, 3.0}) {
    const size_t t = size_t(double(target) * grow);
    if (t >= nt) break;
    out.resize(m.triangles.size());
    const size_t n = meshopt_simplify(out.data(), m.triangles.data(), m.triangles.size(), m.vertices.data(), m.num_vertices(),
                                      3 * sizeof(float), t * 3, rel, opt.lock_border ? meshopt_SimplifyLockBorder : 0, &err);
    out.resize(n);
    drop_folded_pairs(out);
    if ((manifold = no_repeated_edges(out))) break;
  }
  if (!manifold) return {0, false};
  m.triangles = std::move(out);
  m.remove_unused_vertices();
  return {double(err) * double(scale), true};
}

}  // namespace dflow::mesh
