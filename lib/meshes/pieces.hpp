#pragma once
// The unit the sv-meshes stage moves around: one supervoxel's piece of surface from one brick
// (marching_cubes() output), tagged with the brick it came from. Pieces are written to a file per
// brick (so a resumed run finds them) and sent to the rank that owns the supervoxel.
//
// Wire format, little-endian, a concatenation of records:
//   uint64 sv, uint64 brick, uint64 voxels (of sv inside the brick's own box),
//   uint32 num_vertices, uint32 num_triangles, float32[3 * num_vertices], uint32[3 * num_triangles]
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "mesh/mesh.hpp"

namespace dflow::meshes {

struct Piece {
  uint64_t sv = 0;
  uint64_t brick = 0;
  uint64_t voxels = 0;
  mesh::Mesh mesh;
};

void append_piece(std::vector<std::byte>& out, const Piece& p);
// Validates every length; `what` names the source (file, rank) in errors.
std::vector<Piece> parse_pieces(std::span<const std::byte> data, const std::string& what);

// The rank that merges, encodes and uploads a supervoxel: a hash of the id, so owners do not depend on
// where the supervoxel lies and consecutive ids spread over the ranks.
int owner_rank(uint64_t sv, int nranks);
// Which exchange round a supervoxel's pieces travel in, when a rank's pieces do not fit its memory
// budget in one round (independent of the owner: the same hash, other bits).
uint64_t exchange_round(uint64_t sv, uint64_t rounds);

}  // namespace dflow::meshes
