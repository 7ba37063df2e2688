// The block-statistics table written by every rank: parallel HDF5 (MPI-IO driver) and MPI-IO CSV.
#include "stats/block_stats_parallel.hpp"

#include <algorithm>
#include <bit>
#include <cstdio>
#include <memory>
#include <mutex>
#include <string>
#include <system_error>

#include <fmt/format.h>

#include "core/error.hpp"
#include "core/files.hpp"
#include "core/log.hpp"
#include "io/hdf5/hdf5_common.hpp"
#include "mpi/brick_runner.hpp"
#include "mpi/gather.hpp"
#include "mpi/mpi_env.hpp"
#include "stats/h5_layout.hpp"

namespace dflow::stats {

using hdf5::Id;

namespace {

struct Placement {
  int rank = 0;
  uint64_t offset = 0;  // of this rank's first row in the table
  uint64_t total = 0;
  uint64_t rounds = 0;  // batches of the rank with the most rows: every rank takes part in each
};

Placement place(MPI_Comm comm, uint64_t local_rows, uint64_t batch_rows) {
  Placement p;
  mpi::check(MPI_Comm_rank(comm, &p.rank), "MPI_Comm_rank");
  mpi::check(MPI_Exscan(&local_rows, &p.offset, 1, MPI_UINT64_T, MPI_SUM, comm), "MPI_Exscan (block statistics rows)");
  if (p.rank == 0) p.offset = 0;  // MPI_Exscan leaves rank 0's result undefined
  p.total = mpi::allreduce_sum(comm, local_rows);
  p.rounds = mpi::allreduce_max(comm, (local_rows + batch_rows - 1) / batch_rows);
  return p;
}

std::filesystem::path tmp_of(const std::filesystem::path& path) {
  std::filesystem::path tmp = path;
  tmp += ".tmp";
  return tmp;
}

// After every rank closed the file: rank 0 renames it, and no rank returns before the name exists.
void publish(MPI_Comm comm, int rank, const std::filesystem::path& tmp, const std::filesystem::path& path) {
  mpi::check(MPI_Barrier(comm), "MPI_Barrier (block statistics written)");
  if (rank == 0) {
    std::error_code ec;
    std::filesystem::rename(tmp, path, ec);
    if (ec) fail("{}: cannot rename from {}: {}", path.string(), tmp.string(), ec.message());
  }
  mpi::check(MPI_Barrier(comm), "MPI_Barrier (block statistics renamed)");
}

}  // namespace

uint64_t write_block_stats_h5_parallel(MPI_Comm comm, const std::filesystem::path& path, uint64_t local_rows,
                                       const RowSource& rows, uint64_t batch_rows) {
  batch_rows = std::max<uint64_t>(batch_rows, 1);
  const Placement p = place(comm, local_rows, batch_rows);
  const std::filesystem::path tmp = tmp_of(path);
  {
    std::lock_guard lock(hdf5::hdf5_mutex());
    hdf5::silence_errors();
    Id fapl(H5Pcreate(H5P_FILE_ACCESS));
    if (H5Pset_fapl_mpio(fapl.get(), comm, MPI_INFO_NULL) < 0)
      fail("{}: cannot use the MPI-IO driver: {}", tmp.string(), hdf5::error_stack_message());
    Id file(H5Fcreate(tmp.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, fapl.get()));
    if (!file.valid()) fail("{}: cannot create: {}", tmp.string(), hdf5::error_stack_message());
    const hsize_t n = p.total, maxn = H5S_UNLIMITED;
    Id space(H5Screate_simple(1, &n, &maxn));
    Id dcpl = h5::dataset_create_plist();
    // Parallel HDF5 allocates every chunk at creation; nothing is filled, every row is written.
    H5Pset_alloc_time(dcpl.get(), H5D_ALLOC_TIME_EARLY);
    H5Pset_fill_time(dcpl.get(), H5D_FILL_TIME_NEVER);
    Id ftype = h5::file_type();
    // On little-endian hosts our packed struct IS the file type: no conversion, which would also
    // make HDF5 fall back from collective to independent I/O.
    Id mtype = std::endian::native == std::endian::little ? h5::file_type() : h5::memory_type();
    Id dset(H5Dcreate2(file.get(), "stats", ftype.get(), space.get(), H5P_DEFAULT, dcpl.get(), H5P_DEFAULT));
    if (!dset.valid()) fail("{}: cannot create dataset 'stats': {}", tmp.string(), hdf5::error_stack_message());
    Id dxpl(H5Pcreate(H5P_DATASET_XFER));
    H5Pset_dxpl_mpio(dxpl.get(), H5FD_MPIO_COLLECTIVE);

    std::vector<BlockStat> buf(size_t(std::min(batch_rows, std::max<uint64_t>(local_rows, 1))));
    for (uint64_t round = 0; round < p.rounds; ++round) {
      // Every rank joins every collective write; one whose rows are through selects nothing.
      const uint64_t first = round * batch_rows;
      const hsize_t count = first < local_rows ? std::min(batch_rows, local_rows - first) : 0;
      Id fspace(H5Dget_space(dset.get()));
      const hsize_t one = std::max<hsize_t>(count, 1);
      Id mspace(H5Screate_simple(1, &one, nullptr));
      if (count > 0) {
        rows(first, std::span(buf.data(), size_t(count)));
        const hsize_t start = p.offset + first;
        H5Sselect_hyperslab(fspace.get(), H5S_SELECT_SET, &start, nullptr, &count, nullptr);
      } else {
        H5Sselect_none(fspace.get());
        H5Sselect_none(mspace.get());
      }
      if (H5Dwrite(dset.get(), mtype.get(), mspace.get(), fspace.get(), dxpl.get(), buf.data()) < 0)
        fail("{}: cannot write rows {}..{} to 'stats': {}", tmp.string(), p.offset + first, p.offset + first + count,
             hdf5::error_stack_message());
    }
    // No H5Fflush: with MPI-IO it fsyncs, which doubles the time of a large table. The serial writer
    // never fsync'd either; callers whose rows come from durable brick files rebuild the table on a
    // re-run. H5Fclose (collective) writes the metadata and completes every write before publish()
    // renames the file; its failure (e.g. a full disk) must not leave a file that looks complete.
    dxpl.reset();
    dset.reset();
    if (H5Fclose(file.release()) < 0) fail("{}: cannot close: {}", tmp.string(), hdf5::error_stack_message());
  }
  publish(comm, p.rank, tmp, path);
  return p.total;
}

namespace {

constexpr std::string_view kCsvHeader = "segment_id,z,y,x,count\n";
// Rows formatted at a time: the text of a piece (at most ~60 bytes a row) stays a few MB.
constexpr size_t kCsvPieceRows = 65536;

void format_rows(std::span<const BlockStat> rows, std::string& out) {
  out.clear();
  for (const BlockStat& r : rows) fmt::format_to(std::back_inserter(out), "{},{},{},{},{}\n", r.segment_id, r.z, r.y, r.x, r.count);
}

// Closes the MPI file on every path out (collective, so only when all ranks get there: on an
// exception mpi::run aborts instead).
struct MpiFile {
  MPI_File fh = MPI_FILE_NULL;
  ~MpiFile() {
    if (fh != MPI_FILE_NULL) MPI_File_close(&fh);
  }
};

}  // namespace

uint64_t write_block_stats_csv_parallel(MPI_Comm comm, const std::filesystem::path& path, uint64_t local_rows,
                                        const RowSource& rows, uint64_t batch_rows) {
  batch_rows = std::max<uint64_t>(batch_rows, 1);
  const Placement p = place(comm, local_rows, batch_rows);
  const std::filesystem::path tmp = tmp_of(path);
  std::vector<BlockStat> buf(size_t(std::min(batch_rows, std::max<uint64_t>(local_rows, 1))));
  std::string text;
  // Pass 1: the size of this rank's text, so every rank knows where its bytes start.
  uint64_t bytes = 0;
  for (uint64_t first = 0; first < local_rows; first += batch_rows) {
    const std::span batch(buf.data(), size_t(std::min(batch_rows, local_rows - first)));
    rows(first, batch);
    for (size_t k = 0; k < batch.size(); k += kCsvPieceRows) {
      format_rows(batch.subspan(k, std::min(kCsvPieceRows, batch.size() - k)), text);
      bytes += text.size();
    }
  }
  uint64_t offset = 0;
  mpi::check(MPI_Exscan(&bytes, &offset, 1, MPI_UINT64_T, MPI_SUM, comm), "MPI_Exscan (block statistics CSV)");
  if (p.rank == 0) offset = 0;
  offset += kCsvHeader.size();

  MpiFile f;
  const std::string name = tmp.string();
  if (MPI_File_open(comm, name.c_str(), MPI_MODE_CREATE | MPI_MODE_WRONLY, MPI_INFO_NULL, &f.fh) != MPI_SUCCESS)
    fail("{}: cannot create (MPI_File_open)", name);
  mpi::check(MPI_File_set_size(f.fh, 0), "MPI_File_set_size (block statistics CSV)");
  const auto write_at = [&](uint64_t at, std::string_view data) {
    MPI_Status st;
    if (MPI_File_write_at(f.fh, MPI_Offset(at), data.data(), int(data.size()), MPI_CHAR, &st) != MPI_SUCCESS)
      fail("{}: cannot write {} bytes at offset {}", name, data.size(), at);
  };
  if (p.rank == 0) write_at(0, kCsvHeader);
  // Pass 2: the same text, at its place.
  for (uint64_t first = 0; first < local_rows; first += batch_rows) {
    const std::span batch(buf.data(), size_t(std::min(batch_rows, local_rows - first)));
    rows(first, batch);
    for (size_t k = 0; k < batch.size(); k += kCsvPieceRows) {
      format_rows(batch.subspan(k, std::min(kCsvPieceRows, batch.size() - k)), text);
      write_at(offset, text);
      offset += text.size();
    }
  }
  mpi::check(MPI_File_close(&f.fh), "MPI_File_close (block statistics CSV)");
  publish(comm, p.rank, tmp, path);
  return p.total;
}

// ---- rows kept per brick ----

std::filesystem::path brick_rows_path(const std::filesystem::path& exec_dir, const std::string& stage, uint64_t id) {
  return mpi::brick_result_path(exec_dir, stage, id).replace_extension(".rows");
}

void forget_bricks_without_rows(const mpi::BrickPlan& plan, const std::filesystem::path& exec_dir, const std::string& stage) {
  uint64_t n = 0;
  std::filesystem::path first;
  for (const mpi::Brick& b : plan.bricks) {
    const std::filesystem::path blob = mpi::brick_result_path(exec_dir, stage, b.id);
    const std::filesystem::path rows = brick_rows_path(exec_dir, stage, b.id);
    if (!std::filesystem::exists(blob) || std::filesystem::exists(rows)) continue;
    std::error_code ec;
    std::filesystem::remove(blob, ec);
    if (ec) fail("{}: cannot remove (its rows file {} is missing): {}", blob.string(), rows.string(), ec.message());
    if (n++ == 0) first = rows;
  }
  if (n > 0)
    log::warn("{}: {} bricks have a result but no block-statistics rows file (first: {}); redoing them", stage, n,
              first.string());
}

void write_brick_rows(const std::filesystem::path& path, std::span<const BlockStat> rows) {
  std::vector<std::byte> bytes(rows.size() * sizeof(BlockStat));
  store_rows(rows, bytes.data());
  write_file_durable(path, bytes);
}

uint64_t BrickTable::total() const {
  uint64_t t = 0;
  for (uint64_t r : rows) t += r;
  return t;
}

Share share_of(const BrickTable& table, int rank, int nranks) {
  if (table.ids.size() != table.rows.size()) fail("block statistics: {} brick ids but {} row counts", table.ids.size(), table.rows.size());
  const uint64_t total = table.total();
  const auto bound = [&](int r) { return uint64_t((unsigned __int128)total * unsigned(r) / unsigned(nranks)); };
  const uint64_t lo = bound(rank), hi = bound(rank + 1);
  Share s;
  uint64_t start = 0;  // first row of entry i
  bool found = false;
  for (size_t i = 0; i < table.rows.size(); ++i) {
    const bool mine = start >= lo && (rank == nranks - 1 || start < hi);
    if (mine && !found) {
      s.begin = i;
      s.first_row = start;
      found = true;
    }
    if (mine) {
      s.end = i + 1;
      s.rows += table.rows[i];
    }
    start += table.rows[i];
  }
  if (!found) s.begin = s.end = table.rows.size(), s.first_row = total;
  return s;
}

namespace {

struct FileCloser {
  void operator()(std::FILE* f) const { std::fclose(f); }
};

// Streams the brick files of a share in order; restarts from the beginning when asked to go back
// (the CSV writer reads everything twice).
class BrickRowsStream {
 public:
  BrickRowsStream(const BrickTable& t, const Share& s) : t_(t), s_(s) {}

  void read(uint64_t first, std::span<BlockStat> out) {
    if (first != pos_) seek(first);
    auto* dst = reinterpret_cast<std::byte*>(out.data());
    size_t need = out.size();
    while (need > 0) {
      if (!file_) open_next();
      const size_t n = size_t(std::min<uint64_t>(need, left_in_file_));
      if (n > 0 && std::fread(dst, sizeof(BlockStat), n, file_.get()) != n)
        fail("{}: read failed after {} of its rows", path_.string(), t_.rows[k_] - left_in_file_);
      if constexpr (std::endian::native != std::endian::little) {
        const auto rows = load_rows(std::span(dst, n * sizeof(BlockStat)));
        std::copy(rows.begin(), rows.end(), reinterpret_cast<BlockStat*>(dst));
      }
      dst += n * sizeof(BlockStat);
      need -= n;
      left_in_file_ -= n;
      pos_ += n;
      if (left_in_file_ == 0) {
        file_.reset();
        ++k_;
      }
    }
  }

 private:
  void seek(uint64_t first) {
    file_.reset();
    k_ = s_.begin;
    pos_ = 0;
    while (k_ < s_.end && pos_ + t_.rows[k_] <= first) pos_ += t_.rows[k_++];
    if (k_ < s_.end && pos_ < first) {
      open_next();
      const uint64_t skip = first - pos_;
      if (std::fseek(file_.get(), long(skip * sizeof(BlockStat)), SEEK_SET) != 0) fail("{}: cannot seek", path_.string());
      left_in_file_ -= skip;
      pos_ = first;
    }
  }

  // Opens entry k_, skipping bricks without rows; checks the file holds exactly the rows expected.
  void open_next() {
    while (k_ < s_.end && t_.rows[k_] == 0) ++k_;
    if (k_ >= s_.end) fail("block statistics: asked for rows beyond this rank's {} (internal error)", s_.rows);
    path_ = t_.path_of(t_.ids[k_]);
    std::error_code ec;
    const uintmax_t size = std::filesystem::file_size(path_, ec);
    if (ec)
      fail("{}: the block statistics of brick {} are missing ({}); re-run the stage in this execution directory to "
           "redo the brick",
           path_.string(), t_.ids[k_], ec.message());
    if (size != t_.rows[k_] * sizeof(BlockStat))
      fail("{}: {} bytes, but brick {} reported {} rows ({} bytes); delete the file and re-run the stage to redo the brick",
           path_.string(), size, t_.ids[k_], t_.rows[k_], t_.rows[k_] * sizeof(BlockStat));
    file_.reset(std::fopen(path_.c_str(), "rb"));
    if (!file_) fail("{}: cannot open: {}", path_.string(), std::generic_category().message(errno));
    left_in_file_ = t_.rows[k_];
  }

  const BrickTable& t_;
  const Share s_;
  size_t k_ = s_.begin;
  uint64_t pos_ = 0, left_in_file_ = 0;
  std::filesystem::path path_;
  std::unique_ptr<std::FILE, FileCloser> file_;
};

}  // namespace

RowSource brick_rows_source(const BrickTable& table, const Share& share) {
  auto stream = std::make_shared<BrickRowsStream>(table, share);
  return [stream](uint64_t first, std::span<BlockStat> out) { stream->read(first, out); };
}

uint64_t write_brick_table(MPI_Comm comm, const BrickTable& table, const std::filesystem::path& h5,
                           const std::filesystem::path& csv, uint64_t batch_rows) {
  int rank = 0, nranks = 1;
  mpi::check(MPI_Comm_rank(comm, &rank), "MPI_Comm_rank");
  mpi::check(MPI_Comm_size(comm, &nranks), "MPI_Comm_size");
  const Share share = share_of(table, rank, nranks);
  uint64_t total = 0;
  if (!h5.empty()) total = write_block_stats_h5_parallel(comm, h5, share.rows, brick_rows_source(table, share), batch_rows);
  if (!csv.empty()) total = write_block_stats_csv_parallel(comm, csv, share.rows, brick_rows_source(table, share), batch_rows);
  return total;
}

}  // namespace dflow::stats
