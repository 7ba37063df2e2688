#pragma once
// Block statistics: voxels of each supervoxel in each 64^3 block, the table from which label indexes
// are built. File layout exactly as flyemflows' CopySegmentation writes it (block-statistics.h5):
// one 1-D dataset `stats`, packed compound, little-endian, 24 bytes per row:
//   segment_id <u8 (offset 0), z <i4 (8), y <i4 (12), x <i4 (16), count <u4 (20)
// z,y,x = the block's starting corner in full-resolution (scale-0) global voxels; label 0 excluded.
// CSV form: header "segment_id,z,y,x,count".
#include <cstdint>
#include <filesystem>
#include <functional>
#include <span>
#include <vector>

#include "core/array.hpp"

namespace dflow::stats {

#pragma pack(push, 1)
struct BlockStat {
  uint64_t segment_id;
  int32_t z, y, x;
  uint32_t count;
  friend bool operator==(const BlockStat&, const BlockStat&) = default;
};
#pragma pack(pop)
static_assert(sizeof(BlockStat) == 24);

// Rows for every block-shaped cell of `labels` (box aligned to block_shape), sorted by
// (segment_id, z, y, x). Voxels outside `valid` (e.g. padding beyond the volume) are not counted.
std::vector<BlockStat> block_stats(const Array3<uint64_t>& labels, const Box& valid, const Vec3& block_shape = Vec3::fill(64));

// The rows as packed little-endian 24-byte records (the layout above), e.g. in per-brick result blobs.
// store_rows writes rows.size()*24 bytes at `out`; load_rows needs a multiple of 24 bytes (callers
// check, so their message can say whose data is broken).
void store_rows(std::span<const BlockStat> rows, std::byte* out);
std::vector<BlockStat> load_rows(std::span<const std::byte> bytes);

// Canonical order of a table: (segment_id, z, y, x).
void sort_rows(std::vector<BlockStat>& rows);

// block_stats_h5.cpp: writing and reading block-statistics.h5.
void write_block_stats_h5(const std::filesystem::path& path, const std::vector<BlockStat>& rows);
std::vector<BlockStat> read_block_stats_h5(const std::filesystem::path& path);
// For tables larger than memory: the row count, and the rows in chunks of `chunk_rows`, in file order
// (fn gets the rows and the index of the first).
uint64_t block_stats_h5_rows(const std::filesystem::path& path);
void read_block_stats_h5_chunks(const std::filesystem::path& path, uint64_t chunk_rows,
                                const std::function<void(std::span<const BlockStat>, uint64_t)>& fn);
// block_stats_csv.cpp
void write_block_stats_csv(const std::filesystem::path& path, const std::vector<BlockStat>& rows);

}  // namespace dflow::stats
