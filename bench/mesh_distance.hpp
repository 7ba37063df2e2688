#pragma once
// Distance from points to a triangle mesh's surface (bench_meshes' surface error). A uniform grid of
// triangle references; a query searches growing shells of cells until no closer triangle can exist.
#include <algorithm>
#include <array>
#include <cmath>
#include <limits>
#include <vector>

#include "mesh/mesh.hpp"

namespace dflow::bench {

class SurfaceDistance {
 public:
  explicit SurfaceDistance(const mesh::Mesh& m) : m_(m) {
    auto b = mesh::bounds(m);
    for (int a = 0; a < 3; ++a) lo_[a] = b[a];
    double extent = std::max({b[3] - b[0], b[4] - b[1], b[5] - b[2], 1.0f});
    cell_ = std::max(1.0, extent / 48);
    for (int a = 0; a < 3; ++a) n_[a] = std::max(1, int((b[3 + a] - b[a]) / cell_) + 1);
    cells_.assign(size_t(n_[0]) * n_[1] * n_[2], {});
    for (uint32_t t = 0; t < m.num_triangles(); ++t) {
      int c0[3], c1[3];
      for (int a = 0; a < 3; ++a) {
        double mn = 1e300, mx = -1e300;
        for (int k = 0; k < 3; ++k) mn = std::min(mn, double(v(m.triangles[3 * t + k])[a])), mx = std::max(mx, double(v(m.triangles[3 * t + k])[a]));
        c0[a] = clampc(a, mn), c1[a] = clampc(a, mx);
      }
      for (int z = c0[2]; z <= c1[2]; ++z)
        for (int y = c0[1]; y <= c1[1]; ++y)
          for (int x = c0[0]; x <= c1[0]; ++x) cells_[idx(x, y, z)].push_back(t);
    }
  }

  double operator()(const float* p) const {
    if (m_.empty()) return std::numeric_limits<double>::infinity();
    int c[3];
    for (int a = 0; a < 3; ++a) c[a] = clampc(a, p[a]);
    // Distance from p to the outside of its cell's neighbourhood of radius r is at least
    // r * cell - (distance of p outside the grid), so the search can stop once best <= that.
    double outside = 0;
    for (int a = 0; a < 3; ++a) {
      const double lo = lo_[a], hi = lo_[a] + n_[a] * cell_;
      outside = std::max({outside, lo - p[a], p[a] - hi});
    }
    double best = std::numeric_limits<double>::infinity();
    const int rmax = std::max({n_[0], n_[1], n_[2]});
    for (int r = 0; r <= rmax; ++r) {
      for (int z = c[2] - r; z <= c[2] + r; ++z)
        for (int y = c[1] - r; y <= c[1] + r; ++y)
          for (int x = c[0] - r; x <= c[0] + r; ++x) {
            if (std::max({std::abs(x - c[0]), std::abs(y - c[1]), std::abs(z - c[2])}) != r) continue;
            if (x < 0 || y < 0 || z < 0 || x >= n_[0] || y >= n_[1] || z >= n_[2]) continue;
            for (uint32_t t : cells_[idx(x, y, z)]) best = std::min(best, point_triangle(p, t));
          }
      if (best <= double(r) * cell_ - outside) break;
    }
    return best;
  }

 private:
  const float* v(uint32_t i) const { return &m_.vertices[3 * size_t(i)]; }
  int clampc(int a, double x) const { return std::clamp(int(std::floor((x - lo_[a]) / cell_)), 0, n_[a] - 1); }
  size_t idx(int x, int y, int z) const { return (size_t(z) * n_[1] + y) * n_[0] + x; }

  // Closest point on a triangle (Ericson, Real-Time Collision Detection 5.1.5), distance returned.
  double point_triangle(const float* pp, uint32_t t) const {
    using V = std::array<double, 3>;
    auto ld = [&](uint32_t i) { const float* q = v(i); return V{q[0], q[1], q[2]}; };
    const V a = ld(m_.triangles[3 * t]), b = ld(m_.triangles[3 * t + 1]), c = ld(m_.triangles[3 * t + 2]);
    const V p{pp[0], pp[1], pp[2]};
    auto sub = [](V x, V y) { return V{x[0] - y[0], x[1] - y[1], x[2] - y[2]}; };
    auto dot = [](V x, V y) { return x[0] * y[0] + x[1] * y[1] + x[2] * y[2]; };
    auto at = [&](V o, V d1, double s, V d2, double u) {
      return V{o[0] + s * d1[0] + u * d2[0], o[1] + s * d1[1] + u * d2[1], o[2] + s * d1[2] + u * d2[2]};
    };
    const V ab = sub(b, a), ac = sub(c, a), ap = sub(p, a);
    V q;
    const double d1 = dot(ab, ap), d2 = dot(ac, ap);
    const V bp = sub(p, b);
    const double d3 = dot(ab, bp), d4 = dot(ac, bp);
    const V cp = sub(p, c);
    const double d5 = dot(ab, cp), d6 = dot(ac, cp);
    const double vc = d1 * d4 - d3 * d2, vb = d5 * d2 - d1 * d6, va = d3 * d6 - d5 * d4;
    if (d1 <= 0 && d2 <= 0) q = a;
    else if (d3 >= 0 && d4 <= d3) q = b;
    else if (vc <= 0 && d1 >= 0 && d3 <= 0) q = at(a, ab, d1 / (d1 - d3), ac, 0);
    else if (d6 >= 0 && d5 <= d6) q = c;
    else if (vb <= 0 && d2 >= 0 && d6 <= 0) q = at(a, ab, 0, ac, d2 / (d2 - d6));
    else if (va <= 0 && (d4 - d3) >= 0 && (d5 - d6) >= 0) {
      const double w = (d4 - d3) / ((d4 - d3) + (d5 - d6));
      q = at(b, sub(c, b), w, ab, 0);
    } else {
      const double den = 1.0 / (va + vb + vc);
      q = at(a, ab, vb * den, ac, vc * den);
    }
    const V d = sub(p, q);
    return std::sqrt(dot(d, d));
  }

  const mesh::Mesh& m_;
  double lo_[3];
  double cell_;
  int n_[3];
  std::vector<std::vector<uint32_t>> cells_;
};

}  // namespace dflow::bench
