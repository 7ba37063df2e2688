#include "mesh/mc_table.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "core/error.hpp"

namespace dflow::mesh::detail {
namespace {

using P3 = std::array<double, 3>;

P3 corner_pos(int k) { return {double(k & 1), double((k >> 1) & 1), double((k >> 2) & 1)}; }

int corner_of(int axis, int along, int u, int v) {
  // u, v: offsets along the two other axes in increasing order.
  int o[3];
  int a1 = axis == 0 ? 1 : 0, a2 = axis == 2 ? 1 : 2;
  o[axis] = along;
  o[a1] = u;
  o[a2] = v;
  return o[0] | (o[1] << 1) | (o[2] << 2);
}

P3 sub(P3 a, P3 b) { return {a[0] - b[0], a[1] - b[1], a[2] - b[2]}; }
P3 cross(P3 a, P3 b) { return {a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]}; }
double dot(P3 a, P3 b) { return a[0] * b[0] + a[1] * b[1] + a[2] * b[2]; }
double dist(P3 a, P3 b) { P3 d = sub(a, b); return std::sqrt(dot(d, d)); }

McTable build() {
  McTable t;
  std::array<P3, 12> mid;
  std::array<std::array<int, 2>, 12> ends;
  for (int e = 0; e < 12; ++e) {
    int axis = e / 4, u = e & 1, v = (e >> 1) & 1;
    ends[e] = {corner_of(axis, 0, u, v), corner_of(axis, 1, u, v)};
    t.edge_axis[e] = uint8_t(axis);
    t.edge_lower[e] = uint8_t(ends[e][0]);
    P3 a = corner_pos(ends[e][0]), b = corner_pos(ends[e][1]);
    t.edge_offset[e] = {int(a[0]), int(a[1]), int(a[2])};
    mid[e] = {(a[0] + b[0]) / 2, (a[1] + b[1]) / 2, (a[2] + b[2]) / 2};
  }
  auto edge_between = [&](int c0, int c1) {
    for (int e = 0; e < 12; ++e)
      if ((ends[e][0] == c0 && ends[e][1] == c1) || (ends[e][0] == c1 && ends[e][1] == c0)) return e;
    fail("mc table: corners {} and {} share no edge", c0, c1);
  };
  // Faces: corners in cyclic order around the face, and the outward normal.
  struct Face { std::array<int, 4> c; P3 n; };
  std::vector<Face> faces;
  for (int axis = 0; axis < 3; ++axis)
    for (int side = 0; side < 2; ++side) {
      Face f;
      f.c = {corner_of(axis, side, 0, 0), corner_of(axis, side, 1, 0), corner_of(axis, side, 1, 1), corner_of(axis, side, 0, 1)};
      f.n = {0, 0, 0};
      f.n[axis] = side ? 1 : -1;
      faces.push_back(f);
    }
  // Which faces an edge midpoint lies on (for the triangulation's preference below).
  auto faces_of_edge = [&](int e) {
    std::vector<int> out;
    for (int fi = 0; fi < 6; ++fi) {
      const auto& c = faces[fi].c;
      if (std::count(c.begin(), c.end(), ends[e][0]) && std::count(c.begin(), c.end(), ends[e][1])) out.push_back(fi);
    }
    return out;
  };
  auto share_face = [&](int e0, int e1) {
    for (int f0 : faces_of_edge(e0))
      for (int f1 : faces_of_edge(e1))
        if (f0 == f1) return true;
    return false;
  };

  for (int cs = 0; cs < 256; ++cs) {
    auto inside = [&](int k) { return (cs >> k) & 1; };
    std::array<int, 12> next;
    next.fill(-1);
    for (const Face& f : faces) {
      std::array<int, 4> ein;
      for (int i = 0; i < 4; ++i) ein[i] = inside(f.c[i]);
      std::vector<std::array<int, 2>> segs;  // pairs of edges (unoriented yet) + inside reference
      std::vector<P3> inside_ref;
      int crossings = 0;
      for (int i = 0; i < 4; ++i) crossings += ein[i] != ein[(i + 1) % 4];
      if (crossings == 0) continue;
      if (crossings == 4) {
        // Ambiguous face: every inside corner is cut off on its own.
        for (int i = 0; i < 4; ++i)
          if (ein[i]) {
            segs.push_back({edge_between(f.c[(i + 3) % 4], f.c[i]), edge_between(f.c[i], f.c[(i + 1) % 4])});
            inside_ref.push_back(corner_pos(f.c[i]));
          }
      } else {
        std::array<int, 2> s;
        int n = 0;
        P3 ref{0, 0, 0};
        int nin = 0;
        for (int i = 0; i < 4; ++i) {
          if (ein[i] != ein[(i + 1) % 4]) s[n++] = edge_between(f.c[i], f.c[(i + 1) % 4]);
          if (ein[i]) {
            P3 p = corner_pos(f.c[i]);
            for (int j = 0; j < 3; ++j) ref[j] += p[j];
            ++nin;
          }
        }
        for (int j = 0; j < 3; ++j) ref[j] /= nin;
        segs.push_back(s);
        inside_ref.push_back(ref);
      }
      for (size_t i = 0; i < segs.size(); ++i) {
        // Orient p -> q so that, seen from outside the cube, the outside side is on the right of the
        // segment: then the loops are counter-clockwise seen from outside the object.
        int p = segs[i][0], q = segs[i][1];
        P3 m = {(mid[p][0] + mid[q][0]) / 2, (mid[p][1] + mid[q][1]) / 2, (mid[p][2] + mid[q][2]) / 2};
        P3 out_dir = sub(m, inside_ref[i]);
        if (dot(cross(sub(mid[q], mid[p]), out_dir), f.n) < 0) std::swap(p, q);
        if (next[p] != -1) fail("mc table: case {} edge {} has two successors", cs, p);
        next[p] = q;
      }
    }
    // Loops, then a triangulation of each that avoids diagonals between two vertices on a common cube
    // face (such a diagonal could also be chosen by the neighbouring cell: an edge in 4 triangles), and
    // otherwise has the smallest total diagonal length.
    std::array<bool, 12> seen{};
    int ntri = 0;
    for (int e0 = 0; e0 < 12; ++e0) {
      if (next[e0] == -1 || seen[e0]) continue;
      std::vector<int> loop;
      for (int e = e0; !seen[e]; e = next[e]) {
        if (next[e] == -1) fail("mc table: case {} loop is open at edge {}", cs, e);
        seen[e] = true;
        loop.push_back(e);
      }
      const int n = int(loop.size());
      const double kBad = 1e6;
      auto diag_cost = [&](int i, int j) {
        if ((j - i) == 1 || (i == 0 && j == n - 1)) return 0.0;
        return (share_face(loop[i], loop[j]) ? kBad : 0.0) + dist(mid[loop[i]], mid[loop[j]]);
      };
      std::vector<std::vector<double>> cost(n, std::vector<double>(n, 0));
      std::vector<std::vector<int>> split(n, std::vector<int>(n, -1));
      for (int len = 2; len < n; ++len)
        for (int i = 0; i + len < n; ++i) {
          int j = i + len;
          cost[i][j] = std::numeric_limits<double>::infinity();
          for (int k = i + 1; k < j; ++k) {
            double c = cost[i][k] + cost[k][j] + diag_cost(i, k) + diag_cost(k, j);
            if (c < cost[i][j]) cost[i][j] = c, split[i][j] = k;
          }
        }
      if (n > 3 && cost[0][n - 1] >= kBad) fail("mc table: case {} has no face-safe triangulation", cs);
      std::vector<std::array<int, 2>> stack{{0, n - 1}};
      while (!stack.empty()) {
        auto [i, j] = stack.back();
        stack.pop_back();
        if (j - i < 2) continue;
        int k = split[i][j];
        if (ntri >= McTable::kMaxTriangles) fail("mc table: case {} has too many triangles", cs);
        t.edges[cs][3 * ntri] = uint8_t(loop[i]);
        t.edges[cs][3 * ntri + 1] = uint8_t(loop[k]);
        t.edges[cs][3 * ntri + 2] = uint8_t(loop[j]);
        ++ntri;
        stack.push_back({i, k});
        stack.push_back({k, j});
      }
    }
    t.count[cs] = uint8_t(ntri);
  }
  return t;
}

}  // namespace

const McTable& mc_table() {
  static const McTable table = build();
  return table;
}

}  // namespace dflow::mesh::detail
