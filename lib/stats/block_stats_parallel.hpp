#pragma once
// The block-statistics table written by every rank at once (a volume of 10^9 rows is 24 GB: no
// single process holds it). Each rank streams its part in batches of at most `batch_rows` rows, so
// a rank's memory is O(batch), independent of the table's size.
//
//   block-statistics.h5: the reference layout of block_stats.hpp (dataset `stats`, packed 24-byte
//     compound, chunks of 16384 rows, extendible), created collectively with HDF5's MPI-IO driver;
//     rank r's rows follow rank r-1's (offsets from MPI_Exscan) and go in with collective hyperslab
//     writes. Readers (h5py, flyemflows, ingest-label-indexes) see an ordinary file.
//   the CSV form: the same rows as text, every rank writing its byte range with MPI-IO.
// Both are written as <path>.tmp and renamed by rank 0 once every rank has closed the file, so a
// crash never leaves a truncated table under the final name.
//
// Row order: the concatenation of the ranks' parts. Callers that give each rank a contiguous run
// of bricks in brick order (write_brick_table) get a file whose order is the same at any rank count.
#include <cstdint>
#include <filesystem>
#include <functional>
#include <span>
#include <string>
#include <vector>

#include <mpi.h>

#include "mpi/bricks.hpp"
#include "stats/block_stats.hpp"

namespace dflow::stats {

// Fills `out` with the rows [first, first + out.size()) of this rank's part. The writers ask for
// consecutive ranges in increasing order.
using RowSource = std::function<void(uint64_t first, std::span<BlockStat> out)>;

// 24 MiB of rows per rank and batch.
inline constexpr uint64_t kWriteBatchRows = uint64_t{1} << 20;

// Collective. Returns the number of rows in the table (on every rank).
uint64_t write_block_stats_h5_parallel(MPI_Comm comm, const std::filesystem::path& path, uint64_t local_rows,
                                       const RowSource& rows, uint64_t batch_rows = kWriteBatchRows);
// Collective. Formats every row twice: once to size this rank's byte range, once to write it.
uint64_t write_block_stats_csv_parallel(MPI_Comm comm, const std::filesystem::path& path, uint64_t local_rows,
                                        const RowSource& rows, uint64_t batch_rows = kWriteBatchRows);

// ---- rows kept per brick, in files ----
// The rows file of a brick of a run_bricks stage (mpi/brick_runner.hpp), beside its result blob:
// <exec-dir>/bricks/<stage>/<id>.rows. The brick function writes it before returning (so before the
// brick is journaled); the blob carries only the row count.
std::filesystem::path brick_rows_path(const std::filesystem::path& exec_dir, const std::string& stage, uint64_t id);

// Rank 0, before run_bricks: a brick whose result blob exists but whose rows file does not (lost in
// a crash, deleted by hand, or from a version that kept the rows in the blob) has lost its rows;
// removing the blob makes run_bricks redo it, as it redoes any journaled brick whose result is
// missing. Logs one warning with the count and the first such file.
void forget_bricks_without_rows(const mpi::BrickPlan& plan, const std::filesystem::path& exec_dir, const std::string& stage);

// A brick's rows as raw 24-byte little-endian records (store_rows), written durably (data and
// rename fsync'd) so a journal line may vouch for them.
void write_brick_rows(const std::filesystem::path& path, std::span<const BlockStat> rows);

// A table made of per-brick files: brick ids[i] holds rows[i] rows in path_of(ids[i]); the table is
// their concatenation in this order.
struct BrickTable {
  std::vector<uint64_t> ids;
  std::vector<uint64_t> rows;
  std::function<std::filesystem::path(uint64_t id)> path_of;
  uint64_t total() const;
};

// This rank's share of the table: the contiguous run of entries [begin, end) whose first rows fall
// in [rank*T/nranks, (rank+1)*T/nranks) of the T rows (at most one brick of imbalance).
struct Share {
  size_t begin = 0, end = 0;
  uint64_t first_row = 0, rows = 0;
};
Share share_of(const BrickTable& table, int rank, int nranks);

// Reads the brick files of a share as one stream of rows (a RowSource), checking that each file
// holds exactly the rows the table says (else one error naming the file).
RowSource brick_rows_source(const BrickTable& table, const Share& share);

// Collective: the table into block-statistics.h5 at `h5` and/or its CSV at `csv` (an empty path
// skips that file); every rank reads and writes its share. Returns the rows written.
uint64_t write_brick_table(MPI_Comm comm, const BrickTable& table, const std::filesystem::path& h5,
                           const std::filesystem::path& csv, uint64_t batch_rows = kWriteBatchRows);

}  // namespace dflow::stats
