#pragma once
// The marching-cubes case table, derived at start-up from the rule stated in marching_cubes.hpp
// (binary mask, vertices at edge midpoints, ambiguous faces separate the inside corners) rather than
// typed in, so the rule and the table cannot disagree.
//
// Cube corner k sits at offset (k & 1, (k >> 1) & 1, (k >> 2) & 1) (x,y,z); bit k of a case index is
// set when corner k is inside. Edge e = 4 * axis + (u + 2 v), where u, v are the offsets along the other
// two axes in increasing axis order; its lower end is corner edge_lower[e].
#include <array>
#include <cstdint>

namespace dflow::mesh::detail {

struct McTable {
  static constexpr int kMaxTriangles = 12;
  std::array<uint8_t, 256> count{};                                   // triangles per case
  std::array<std::array<uint8_t, 3 * kMaxTriangles>, 256> edges{};    // their vertices, as edge ids
  std::array<uint8_t, 12> edge_axis{};
  std::array<uint8_t, 12> edge_lower{};   // corner index of the edge's lower end
  std::array<std::array<int, 3>, 12> edge_offset{};  // that corner's x,y,z offset
};

const McTable& mc_table();

}  // namespace dflow::mesh::detail
