#pragma once
// The reference's supervoxel edge table ("merge table", neuclease/cleave/merge_table.py):
//
//   MERGE_TABLE_DTYPE, little-endian, packed, 44 bytes per row:
//     id_a <u8 @0, id_b <u8 @8, xa ya za <u4 @16,20,24, xb yb zb <u4 @28,32,36, score <f4 @40
//   score is a COST: lower = more likely the same object.
//
// Accepted inputs (read_merge_table):
//   .npy  a 1-D structured array whose dtype is exactly MERGE_TABLE_DTYPE (as np.save of the
//         reference's records writes it)
//   .csv  header exactly id_a,id_b,xa,ya,za,xb,yb,zb,score, optionally with a tenth column body
//         (ignored, as the reference does); one edge per line
// Bad rows (not a number, a negative or too large coordinate, a NaN score, supervoxel 0, a wrong
// column count) are errors naming the file and line ("edges.csv:12: ...") or the .npy row.
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <span>
#include <string>

namespace dflow::cleave {

#pragma pack(push, 1)
struct MergeRow {
  uint64_t id_a = 0, id_b = 0;
  uint32_t xa = 0, ya = 0, za = 0;
  uint32_t xb = 0, yb = 0, zb = 0;
  float score = 0;
};
#pragma pack(pop)
static_assert(sizeof(MergeRow) == 44, "MERGE_TABLE_DTYPE is 44 bytes packed");

// numpy's descr of MERGE_TABLE_DTYPE, as np.save writes it.
const char* merge_table_descr();

// Calls on_rows(rows, first) for consecutive chunks of at most chunk_rows rows, in file order;
// `first` is the 0-based index of rows[0] in the table. Rows are returned as stored (not normalised).
void read_merge_table(const std::filesystem::path& path, size_t chunk_rows,
                      const std::function<void(std::span<const MergeRow>, uint64_t first)>& on_rows);

// The reference's normalisation of one row: id_a <= id_b, swapping the coordinate triples with them.
// (Fields are copied, never bound to references: in a packed row they may be misaligned.)
inline MergeRow normalized(const MergeRow& r) {
  if (r.id_a <= r.id_b) return r;
  const uint64_t a = r.id_a, b = r.id_b;
  const uint32_t xa = r.xa, ya = r.ya, za = r.za, xb = r.xb, yb = r.yb, zb = r.zb;
  const float score = r.score;
  return MergeRow{b, a, xb, yb, zb, xa, ya, za, score};
}

// Writes a .npy of MERGE_TABLE_DTYPE row chunk by row chunk; the row count in the header is filled in
// by finish() (the header is written with room for any count). Written to `path`.tmp and renamed.
class MergeTableNpyWriter {
 public:
  explicit MergeTableNpyWriter(std::filesystem::path path);
  ~MergeTableNpyWriter();
  MergeTableNpyWriter(const MergeTableNpyWriter&) = delete;
  MergeTableNpyWriter& operator=(const MergeTableNpyWriter&) = delete;
  void write(std::span<const MergeRow> rows);
  void finish();
  uint64_t rows() const { return rows_; }

 private:
  std::filesystem::path path_, tmp_;
  std::FILE* f_ = nullptr;
  uint64_t rows_ = 0;
};

// The .npy header (preamble + padded dict) for `rows` rows of MERGE_TABLE_DTYPE; always 128 bytes.
std::string merge_table_npy_header(uint64_t rows);

}  // namespace dflow::cleave
