#pragma once
// A body's supervoxel graph for one request: its current supervoxels (from DVID) and the table's
// edges among them, selected by membership (spec section 2.8): the edges of the table body with the
// requested id, plus those of the table bodies of any supervoxel not covered by it (a body merged
// since the table was built), keeping only edges whose both ends are in the body now (a body
// cleaved since). Supervoxels the table does not know (new since) have no edges.
#include <cstdint>
#include <span>
#include <vector>

#include "cleave/algorithms.hpp"
#include "cleave/table.hpp"

namespace dflow::cleave {

// Open addressing map supervoxel id -> node index, for the per-request membership test.
class NodeIndex {
 public:
  static constexpr uint32_t npos = UINT32_MAX;
  NodeIndex() = default;
  explicit NodeIndex(std::span<const uint64_t> ids);
  uint32_t find(uint64_t id) const {
    size_t h = hash(id) & mask_;
    while (true) {
      const Slot& s = slots_[h];
      if (s.index == npos) return npos;
      if (s.id == id) return s.index;
      h = (h + 1) & mask_;
    }
  }

 private:
  struct Slot {
    uint64_t id = 0;
    uint32_t index = npos;
  };
  static size_t hash(uint64_t x) {
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdULL;
    x ^= x >> 33;
    return size_t(x);
  }
  std::vector<Slot> slots_ = std::vector<Slot>(1);
  size_t mask_ = 0;
};

struct BodyGraph {
  std::vector<uint64_t> svs;            // node i = svs[i], ascending
  NodeIndex index;                      // supervoxel id -> node
  std::vector<Edge> edges;              // clean (u < v, unique), costs from the table
  std::vector<const MergeRow*> rows;    // the table row of each edge (its coordinates)
  bool sorted_by_node = true;           // edges in ascending (u, v) order
  size_t table_bodies = 0;              // table bodies the edges came from
};

// `svs` ascending and unique.
BodyGraph gather_body_graph(const CleaveTable& table, uint64_t body, std::vector<uint64_t> svs);

// Removes the edges that cross the boundary of a group: group[i] = group of node i (0 = none).
void isolate_groups(BodyGraph& g, std::span<const uint32_t> group);

}  // namespace dflow::cleave
