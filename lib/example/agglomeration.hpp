#pragma once
// Adjacency of supervoxels and the example's agglomeration into bodies.
//
// Contacts: two voxels that are face neighbours (6-connectivity) with different non-zero labels.
// For each touching pair we keep the number of contacts and one representative contact, chosen as
// the one with the smallest hash of its position, so it does not depend on the order (or the slabs,
// or the threads) in which the volume is scanned.
//
// Bodies: union-find over the touching pairs, visited in a seeded random order; a pair is merged with
// probability 55% unless the body would exceed 10 supervoxels. A body's id is the SMALLEST id of its
// supervoxels (so, as in DVID after ingestion, every body id is also one of its supervoxel ids, and
// supervoxels that are not the body id need tombstone label indexes). Every supervoxel present in
// the volume appears in the mapping exactly once, singletons mapped to themselves.
//
// Edge scores follow the cleave server's merge table: a COST, lower = more likely the same object.
// Within a body 0.05..0.35, across bodies 0.55..0.95, with 4% of each deliberately misleading.
#include <cstdint>
#include <unordered_map>
#include <vector>

#include "core/array.hpp"
#include "core/geometry.hpp"

namespace dflow::example {

struct Contact {
  uint64_t count = 0;
  uint64_t best_hash = UINT64_MAX;
  Vec3 pa, pb;  // representative voxels on the a side and the b side (a < b)
};

struct PairKey {
  uint64_t a, b;
  friend bool operator==(const PairKey&, const PairKey&) = default;
};
struct PairHash {
  size_t operator()(const PairKey& k) const;
};
using ContactMap = std::unordered_map<PairKey, Contact, PairHash>;

// Accumulates contacts and voxel counts over a scanned volume.
struct AdjacencyScan {
  ContactMap contacts;
  std::unordered_map<uint64_t, uint64_t> voxels;  // label -> voxel count (label 0 included)
  void merge(AdjacencyScan&& other);
};

// Scans the voxels of `own` (whose labels are in `seg`, which must contain `own`) and their +x,+y,+z
// neighbours that are inside `seg.box()` and `volume`. Scanning disjoint `own` boxes that tile the
// volume, each with a `seg` reaching one voxel further in +x,+y,+z, counts every contact once.
AdjacencyScan scan_adjacency(const Array3<uint64_t>& seg, const Box& own, const Box& volume, uint64_t seed, int threads);

struct Edge {
  uint64_t a = 0, b = 0;  // a < b
  Vec3 pa, pb;
  uint64_t contacts = 0;
  uint32_t cost_e4 = 0;   // cost * 10000
};

struct Agglomeration {
  std::vector<std::pair<uint64_t, uint64_t>> mapping;  // (supervoxel, body), sorted by supervoxel
  std::vector<Edge> edges;                              // sorted by (a, b)
  size_t bodies = 0;
  uint64_t body_of(uint64_t sv) const;                  // binary search; 0 -> 0
};

Agglomeration agglomerate(const AdjacencyScan& scan, uint64_t seed);

}  // namespace dflow::example
