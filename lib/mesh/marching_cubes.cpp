#include "mesh/marching_cubes.hpp"

#include <algorithm>
#include <cstring>
#include <limits>

#include "core/error.hpp"
#include "mesh/mc_table.hpp"

namespace dflow::mesh {
namespace {

constexpr uint32_t kNone = std::numeric_limits<uint32_t>::max();
constexpr uint32_t kExcluded = kNone - 1;

// label -> piece index, open addressing; a brick holds at most a few thousand labels, and the lookup
// runs for every label of every surface cell, so it must not allocate or chase pointers.
class LabelSlots {
 public:
  LabelSlots() { rehash(1024); }
  uint32_t* find_or_insert(uint64_t label, bool& inserted) {
    if ((used_ + 1) * 2 > keys_.size()) rehash(keys_.size() * 2);
    size_t i = hash(label) & (keys_.size() - 1);
    while (vals_[i] != kNone) {
      if (keys_[i] == label) return inserted = false, &vals_[i];
      i = (i + 1) & (keys_.size() - 1);
    }
    keys_[i] = label;
    ++used_;
    inserted = true;
    return &vals_[i];
  }

 private:
  static size_t hash(uint64_t x) {
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdULL;
    x ^= x >> 33;
    return size_t(x);
  }
  void rehash(size_t n) {
    std::vector<uint64_t> k = std::move(keys_);
    std::vector<uint32_t> v = std::move(vals_);
    keys_.assign(n, 0);
    vals_.assign(n, kNone);
    used_ = 0;
    for (size_t i = 0; i < k.size(); ++i)
      if (v[i] != kNone) {
        bool ins;
        *find_or_insert(k[i], ins) = v[i];
      }
  }
  std::vector<uint64_t> keys_;
  std::vector<uint32_t> vals_;  // kNone = empty slot
  size_t used_ = 0;
};

}  // namespace

std::vector<std::pair<uint64_t, Mesh>> marching_cubes(const BrickLabels& in, std::span<const uint64_t> subset) {
  const auto& T = detail::mc_table();
  const Box& b = in.brick;
  if (b.empty()) fail("marching cubes: empty brick {}", b);
  if (!in.volume.contains(b)) fail("marching cubes: brick {} is not inside the volume {}", b, in.volume);
  const Vec3 shape = b.shape() + Vec3::fill(2);
  const int64_t nx = shape.x, ny = shape.y, nz = shape.z;
  if (int64_t(in.labels.size()) != nx * ny * nz)
    fail("marching cubes: brick {} with its halo needs {} labels, got {}", b, nx * ny * nz, in.labels.size());
  const uint64_t* L = in.labels.data();
  const int64_t sy = nx, sz = nx * ny;

  // Owned cells, in local coordinates of the haloed array (local = global - lo + 1).
  const Vec3 start{b.lo.x == in.volume.lo.x ? 0 : 1, b.lo.y == in.volume.lo.y ? 0 : 1, b.lo.z == in.volume.lo.z ? 0 : 1};
  const Vec3 stop = b.shape() + Vec3::fill(1);
  // Global position of local voxel 0's corner, as float offsets (voxel-corner origin).
  const double ox = double(b.lo.x - 1), oy = double(b.lo.y - 1), oz = double(b.lo.z - 1);

  LabelSlots slots;
  std::vector<uint64_t> piece_label;
  std::vector<Mesh> pieces;
  auto piece_of = [&](uint64_t label) -> uint32_t {
    bool inserted;
    uint32_t* v = slots.find_or_insert(label, inserted);
    if (inserted) {
      if (!subset.empty() && !std::binary_search(subset.begin(), subset.end(), label)) {
        *v = kExcluded;
      } else {
        *v = uint32_t(pieces.size());
        pieces.emplace_back();
        piece_label.push_back(label);
      }
    }
    return *v;
  };

  // Vertex cache: for each edge the vertex in the mesh of its lower voxel's label (slot 0) and of its
  // upper voxel's label (slot 1). x- and y-edges of two voxel layers (ring), z-edges of one layer.
  const size_t layer = size_t(nx * ny);
  std::vector<uint32_t> xy_cache(2 * 2 * layer * 2, kNone);  // [ring][axis][y][x][slot]
  std::vector<uint32_t> z_cache(layer * 2, kNone);           // [y][x][slot]
  auto reset_ring = [&](int64_t z) {
    uint32_t* p = xy_cache.data() + size_t(z & 1) * 2 * layer * 2;
    std::fill(p, p + 2 * layer * 2, kNone);
  };
  reset_ring(start.z);

  for (int64_t z = start.z; z < stop.z; ++z) {
    reset_ring(z + 1);
    std::fill(z_cache.begin(), z_cache.end(), kNone);
    for (int64_t y = start.y; y < stop.y; ++y) {
      const uint64_t* r00 = L + z * sz + y * sy;  // rows (y,z), (y+1,z), (y,z+1), (y+1,z+1)
      const uint64_t* r10 = r00 + sy;
      const uint64_t* r01 = r00 + sz;
      const uint64_t* r11 = r01 + sy;
      for (int64_t x = start.x; x < stop.x; ++x) {
        const uint64_t c[8] = {r00[x], r00[x + 1], r10[x], r10[x + 1], r01[x], r01[x + 1], r11[x], r11[x + 1]};
        if (c[0] == c[1] && c[0] == c[2] && c[0] == c[3] && c[0] == c[4] && c[0] == c[5] && c[0] == c[6] && c[0] == c[7])
          continue;
        uint32_t done = 0;  // corners whose label was handled
        for (int k = 0; k < 8; ++k) {
          if (done >> k & 1) continue;
          const uint64_t label = c[k];
          int cs = 0;
          for (int j = k; j < 8; ++j) cs |= int(c[j] == label) << j;
          done |= uint32_t(cs);
          if (label == 0) continue;
          const uint32_t pi = piece_of(label);
          if (pi == kExcluded) continue;
          Mesh& m = pieces[pi];
          const int nt = T.count[cs];
          const uint8_t* te = T.edges[cs].data();
          for (int t = 0; t < 3 * nt; ++t) {
            const int e = te[t];
            const int axis = T.edge_axis[e];
            const auto& o = T.edge_offset[e];
            const int64_t vx = x + o[0], vy = y + o[1], vz = z + o[2];
            const size_t slot = ((cs >> T.edge_lower[e]) & 1) ? 0 : 1;
            uint32_t* cached;
            if (axis == 2)
              cached = &z_cache[(size_t(vy * nx + vx)) * 2 + slot];
            else
              cached = &xy_cache[((size_t(vz & 1) * 2 + size_t(axis)) * layer + size_t(vy * nx + vx)) * 2 + slot];
            if (*cached == kNone) {
              *cached = uint32_t(m.vertices.size() / 3);
              m.vertices.push_back(float(ox + double(vx) + (axis == 0 ? 1.0 : 0.5)));
              m.vertices.push_back(float(oy + double(vy) + (axis == 1 ? 1.0 : 0.5)));
              m.vertices.push_back(float(oz + double(vz) + (axis == 2 ? 1.0 : 0.5)));
            }
            m.triangles.push_back(*cached);
          }
        }
      }
    }
  }

  std::vector<size_t> order(pieces.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::sort(order.begin(), order.end(), [&](size_t a, size_t c) { return piece_label[a] < piece_label[c]; });
  std::vector<std::pair<uint64_t, Mesh>> out;
  out.reserve(pieces.size());
  for (size_t i : order)
    if (!pieces[i].empty()) out.emplace_back(piece_label[i], std::move(pieces[i]));
  return out;
}

}  // namespace dflow::mesh
