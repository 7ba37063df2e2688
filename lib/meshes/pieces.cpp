#include "meshes/pieces.hpp"

#include <bit>
#include <cstring>

#include "core/error.hpp"
#include "core/files.hpp"

namespace dflow::meshes {

namespace {

constexpr size_t kHeader = 8 * 3 + 4 * 2;

uint64_t mix(uint64_t x) {  // splitmix64's finaliser
  x += 0x9e3779b97f4a7c15ull;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
  return x ^ (x >> 31);
}

}  // namespace

void append_piece(std::vector<std::byte>& out, const Piece& p) {
  const size_t nv = p.mesh.num_vertices(), nt = p.mesh.num_triangles();
  const size_t at = out.size();
  out.resize(at + kHeader + nv * 12 + nt * 12);
  std::byte* w = out.data() + at;
  store_le64(w, p.sv);
  store_le64(w + 8, p.brick);
  store_le64(w + 16, p.voxels);
  store_le32(w + 24, uint32_t(nv));
  store_le32(w + 28, uint32_t(nt));
  // float32/uint32 arrays as they are in memory: the project runs on little-endian hosts only.
  static_assert(std::endian::native == std::endian::little);
  if (nv) std::memcpy(w + kHeader, p.mesh.vertices.data(), nv * 12);
  if (nt) std::memcpy(w + kHeader + nv * 12, p.mesh.triangles.data(), nt * 12);
}

std::vector<Piece> parse_pieces(std::span<const std::byte> data, const std::string& what) {
  std::vector<Piece> out;
  size_t pos = 0;
  while (pos < data.size()) {
    if (data.size() - pos < kHeader) fail("{}: truncated mesh piece header at byte {}", what, pos);
    const std::byte* r = data.data() + pos;
    Piece p;
    p.sv = load_le64(r);
    p.brick = load_le64(r + 8);
    p.voxels = load_le64(r + 16);
    const size_t nv = load_le32(r + 24), nt = load_le32(r + 28);
    const size_t need = kHeader + nv * 12 + nt * 12;
    if (data.size() - pos < need)
      fail("{}: mesh piece of supervoxel {} at byte {} needs {} bytes, {} remain", what, p.sv, pos, need, data.size() - pos);
    p.mesh.vertices.resize(nv * 3);
    p.mesh.triangles.resize(nt * 3);
    if (nv) std::memcpy(p.mesh.vertices.data(), r + kHeader, nv * 12);
    if (nt) std::memcpy(p.mesh.triangles.data(), r + kHeader + nv * 12, nt * 12);
    for (uint32_t i : p.mesh.triangles)
      if (i >= nv) fail("{}: mesh piece of supervoxel {} at byte {}: vertex index {} >= {}", what, p.sv, pos, i, nv);
    out.push_back(std::move(p));
    pos += need;
  }
  return out;
}

int owner_rank(uint64_t sv, int nranks) { return int(mix(sv) % uint64_t(nranks)); }

uint64_t exchange_round(uint64_t sv, uint64_t rounds) { return rounds <= 1 ? 0 : (mix(sv) >> 32) % rounds; }

}  // namespace dflow::meshes
