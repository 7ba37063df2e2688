#pragma once
// The cleave table: the internal edges of every body, grouped by body, in one file the cleave server
// memory-maps (opening it reads only the header, so it takes milliseconds whatever its size).
// Written by construct-cleave-table (build.hpp). All integers little-endian.
//
//   header, 64 bytes:
//      0  char[8]  magic "DFCLEAVE"
//      8  u32      version (1)
//     12  u32      edge row size (44: the reference's MERGE_TABLE_DTYPE, merge_table.hpp)
//     16  u64      number of bodies in the body index
//     24  u64      number of edge rows
//     32  u64      number of supervoxels in the supervoxel index
//     40  u64      offset of the edge rows (64)
//     48  u64      offset of the body index (8-aligned)
//     56  u64      offset of the supervoxel index (8-aligned)
//   edge rows: MERGE_TABLE_DTYPE, body after body (ascending body id), within a body ascending
//              (id_a, id_b); id_a < id_b, no self-loops, one row per pair (the last of duplicates)
//   body index: {u64 body, u64 first edge row, u64 edge rows} per body, ascending body
//   supervoxel index: {u64 supervoxel, u64 body} for every supervoxel of an edge, ascending
//
// A body here is the body at table-build time. The server finds the edges of a body as it is NOW
// (after merges and cleaves in DVID) from its current supervoxels: it takes the edges of the body's
// old body(ies), found through the supervoxel index, whose both ends are still in it.
#include <cstdint>
#include <filesystem>
#include <optional>
#include <span>
#include <string>

#include "cleave/merge_table.hpp"

namespace dflow::cleave {

inline constexpr char kTableMagic[8] = {'D', 'F', 'C', 'L', 'E', 'A', 'V', 'E'};
inline constexpr uint32_t kTableVersion = 1;
inline constexpr size_t kTableHeaderBytes = 64;

struct TableHeader {
  uint64_t bodies = 0, edges = 0, svs = 0;
  uint64_t edges_offset = kTableHeaderBytes, bodies_offset = 0, svs_offset = 0;
};

struct BodyEntry {
  uint64_t body, first, count;
};
struct SvEntry {
  uint64_t sv, body;
};
static_assert(sizeof(BodyEntry) == 24 && sizeof(SvEntry) == 16);
inline bool operator<(const SvEntry& x, const SvEntry& y) { return x.sv != y.sv ? x.sv < y.sv : x.body < y.body; }

std::string encode_table_header(const TableHeader& h);

// Read-only view of a table file (mmap). Safe to share between threads.
class CleaveTable {
 public:
  // Validates the header and the file size; errors name the path.
  explicit CleaveTable(const std::filesystem::path& path);
  ~CleaveTable();
  CleaveTable(const CleaveTable&) = delete;
  CleaveTable& operator=(const CleaveTable&) = delete;

  const std::filesystem::path& path() const { return path_; }
  const TableHeader& header() const { return h_; }
  std::span<const BodyEntry> bodies() const { return {bodies_, h_.bodies}; }
  std::span<const SvEntry> supervoxels() const { return {svs_, h_.svs}; }
  std::span<const MergeRow> all_edges() const { return {edges_, h_.edges}; }
  // The rows of a table body (empty if it has no internal edges).
  std::span<const MergeRow> edges_of(uint64_t body) const;
  // The table body of a supervoxel, if it has an edge.
  std::optional<uint64_t> body_of(uint64_t sv) const;

 private:
  std::filesystem::path path_;
  void* map_ = nullptr;
  size_t size_ = 0;
  TableHeader h_;
  const MergeRow* edges_ = nullptr;
  const BodyEntry* bodies_ = nullptr;
  const SvEntry* svs_ = nullptr;
};

}  // namespace dflow::cleave
