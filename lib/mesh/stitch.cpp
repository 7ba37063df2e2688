#include "mesh/stitch.hpp"

#include <algorithm>
#include <bit>
#include <cstring>
#include <numeric>

namespace dflow::mesh {
namespace {

struct Key {
  uint32_t x, y, z;
  friend bool operator==(const Key&, const Key&) = default;
};

Key key_of(const float* v) { return {std::bit_cast<uint32_t>(v[0]), std::bit_cast<uint32_t>(v[1]), std::bit_cast<uint32_t>(v[2])}; }

size_t hash_of(const Key& k) {
  uint64_t h = (uint64_t(k.x) * 0x9E3779B97F4A7C15ULL) ^ (uint64_t(k.y) * 0xC2B2AE3D27D4EB4FULL) ^ (uint64_t(k.z) * 0x165667B19E3779F9ULL);
  return size_t(h ^ (h >> 29));
}

}  // namespace

Mesh merge_pieces(std::vector<Mesh> pieces) {
  std::erase_if(pieces, [](const Mesh& m) { return m.empty(); });
  if (pieces.empty()) return {};
  if (pieces.size() == 1) return std::move(pieces[0]);
  Mesh all = concatenate(pieces);
  pieces.clear();
  const size_t nv = all.num_vertices();
  // Open-addressing table position -> new index; positions are exact (multiples of 0.5 from marching
  // cubes), so bit equality is the right test.
  size_t cap = 16;
  while (cap < 2 * nv) cap *= 2;
  std::vector<uint32_t> table(cap, UINT32_MAX);
  std::vector<uint32_t> remap(nv);
  uint32_t next = 0;
  for (size_t v = 0; v < nv; ++v) {
    const Key k = key_of(&all.vertices[3 * v]);
    size_t i = hash_of(k) & (cap - 1);
    while (table[i] != UINT32_MAX && !(key_of(&all.vertices[3 * table[i]]) == k)) i = (i + 1) & (cap - 1);
    if (table[i] == UINT32_MAX) {
      // New position: it keeps its place (written over the compacted prefix).
      std::copy_n(all.vertices.begin() + 3 * v, 3, all.vertices.begin() + 3 * next);
      table[i] = next;
      remap[v] = next++;
    } else {
      remap[v] = table[i];
    }
  }
  all.vertices.resize(size_t(next) * 3);
  for (uint32_t& i : all.triangles) i = remap[i];
  return all;
}

Mesh canonical(const Mesh& m) {
  const size_t nv = m.num_vertices();
  std::vector<uint32_t> order(nv);
  std::iota(order.begin(), order.end(), 0u);
  auto pos = [&](uint32_t i) { return std::array<float, 3>{m.vertices[3 * i], m.vertices[3 * i + 1], m.vertices[3 * i + 2]}; };
  std::sort(order.begin(), order.end(), [&](uint32_t a, uint32_t b) { return pos(a) < pos(b); });
  Mesh out;
  out.vertices.reserve(m.vertices.size());
  std::vector<uint32_t> remap(nv);
  for (size_t r = 0; r < nv; ++r) {
    remap[order[r]] = uint32_t(r);
    auto p = pos(order[r]);
    out.vertices.insert(out.vertices.end(), p.begin(), p.end());
  }
  std::vector<std::array<uint32_t, 3>> tris(m.num_triangles());
  for (size_t t = 0; t < tris.size(); ++t) {
    std::array<uint32_t, 3> f{remap[m.triangles[3 * t]], remap[m.triangles[3 * t + 1]], remap[m.triangles[3 * t + 2]]};
    while (f[0] > f[1] || f[0] > f[2]) f = {f[1], f[2], f[0]};
    tris[t] = f;
  }
  std::sort(tris.begin(), tris.end());
  out.triangles.reserve(m.triangles.size());
  for (const auto& f : tris) out.triangles.insert(out.triangles.end(), f.begin(), f.end());
  return out;
}

}  // namespace dflow::mesh
