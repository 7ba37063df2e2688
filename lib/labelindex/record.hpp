#pragma once
// One row of the label-index table after mapping: 28 bytes, packed, so a billion rows take 28 GB in
// memory or on disk. Sorted by (body, block, sv, count): a body's rows are contiguous, a block's rows
// are contiguous within it, and a repeated (block, sv) pair ends with its largest count, which is the
// one that wins (flyemflows' dict update over rows sorted the same way).
#include <cstdint>

namespace dflow::labelindex {

#pragma pack(push, 1)
struct IndexRecord {
  uint64_t body;   // body id (the supervoxel itself without a mapping)
  uint64_t block;  // DVID label-index block key (dvid/labelindex.hpp encode_block_index)
  uint64_t sv;     // supervoxel id
  uint32_t count;  // voxels of sv in the block
};
#pragma pack(pop)
static_assert(sizeof(IndexRecord) == 28);

inline bool operator<(const IndexRecord& a, const IndexRecord& b) {
  if (a.body != b.body) return a.body < b.body;
  if (a.block != b.block) return a.block < b.block;
  if (a.sv != b.sv) return a.sv < b.sv;
  return a.count < b.count;
}
inline bool operator==(const IndexRecord& a, const IndexRecord& b) {
  return a.body == b.body && a.block == b.block && a.sv == b.sv && a.count == b.count;
}

}  // namespace dflow::labelindex
