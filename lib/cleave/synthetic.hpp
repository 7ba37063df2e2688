#pragma once
// Synthetic bodies for the load test and the benchmark: n supervoxels (ids first, first+3, ...; the
// body id is the first), a random tree with local links plus as many extra edges (about 2n edges),
// costs in [0, 1) with 4 decimals so that ties happen, and a DVID label index listing every
// supervoxel (512 per 64^3 block), which is all GET /supervoxels/{body} reads.
#include <cstdint>
#include <vector>

#include "cleave/merge_table.hpp"
#include "labelops.pb.h"

namespace dflow::cleave {

struct SyntheticBody {
  uint64_t body = 0;
  std::vector<uint64_t> svs;   // ascending
  std::vector<MergeRow> edges;
};

SyntheticBody synthetic_body(size_t n, uint64_t first_sv, uint64_t seed);
dvidpb::LabelIndex synthetic_label_index(const SyntheticBody& b);

}  // namespace dflow::cleave
