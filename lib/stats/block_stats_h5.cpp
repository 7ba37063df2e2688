// block-statistics.h5 in flyemflows' layout: one 1-D chunked, extendible dataset `stats` of a packed
// little-endian compound (segment_id <u8, z <i4, y <i4, x <i4, count <u4), 24 bytes per row, no
// attributes. This writer is one process (serial file driver): tests, tools and small tables;
// the stages write with every rank at once (block_stats_parallel.hpp).
#include <algorithm>
#include <functional>
#include <mutex>
#include <system_error>

#include "core/error.hpp"
#include "io/hdf5/hdf5_common.hpp"
#include "stats/block_stats.hpp"
#include "stats/h5_layout.hpp"

namespace dflow::stats {

using hdf5::Id;
using h5::file_type;
using h5::memory_type;

void write_block_stats_h5(const std::filesystem::path& path, const std::vector<BlockStat>& rows) {
  // Write under a temporary name and rename: a crash never leaves a truncated table that the
  // label-index stage would read as complete.
  std::filesystem::path tmp = path;
  tmp += ".tmp";
  {
    std::lock_guard lock(hdf5::hdf5_mutex());
    hdf5::silence_errors();
    Id file(H5Fcreate(tmp.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT));
    if (!file.valid()) fail("{}: cannot create: {}", tmp.string(), hdf5::error_stack_message());
    const hsize_t n = rows.size(), maxn = H5S_UNLIMITED;
    Id space(H5Screate_simple(1, &n, &maxn));
    Id dcpl = h5::dataset_create_plist();
    Id ftype = file_type(), mtype = memory_type();
    Id dset(H5Dcreate2(file.get(), "stats", ftype.get(), space.get(), H5P_DEFAULT, dcpl.get(), H5P_DEFAULT));
    if (!dset.valid()) fail("{}: cannot create dataset 'stats': {}", tmp.string(), hdf5::error_stack_message());
    if (n > 0 && H5Dwrite(dset.get(), mtype.get(), H5S_ALL, H5S_ALL, H5P_DEFAULT, rows.data()) < 0)
      fail("{}: cannot write {} rows to 'stats': {}", tmp.string(), n, hdf5::error_stack_message());
    dset.reset();
    if (H5Fflush(file.get(), H5F_SCOPE_GLOBAL) < 0) fail("{}: cannot flush: {}", tmp.string(), hdf5::error_stack_message());
  }
  std::error_code ec;
  std::filesystem::rename(tmp, path, ec);
  if (ec) fail("{}: cannot rename from {}: {}", path.string(), tmp.string(), ec.message());
}

namespace {

// An open, validated `stats` dataset. Callers hold hdf5_mutex() for its whole life.
struct StatsDataset {
  Id file, dset;
  std::string where;
  hsize_t rows = 0;

  explicit StatsDataset(const std::filesystem::path& path) : where(path.string() + ":/stats") {
    hdf5::silence_errors();
    if (!std::filesystem::exists(path)) fail("{}: block statistics file does not exist", path.string());
    file = Id(H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT));
    if (!file.valid()) fail("{}: cannot open as HDF5: {}", path.string(), hdf5::error_stack_message());
    dset = Id(H5Dopen2(file.get(), "stats", H5P_DEFAULT));
    if (!dset.valid()) fail("{}: no dataset 'stats': {}", path.string(), hdf5::error_stack_message());
    Id ftype(H5Dget_type(dset.get()));
    if (H5Tget_class(ftype.get()) != H5T_COMPOUND) fail("{}: not a compound dataset", where);
    for (const char* name : {"segment_id", "z", "y", "x", "count"})
      if (H5Tget_member_index(ftype.get(), name) < 0) fail("{}: compound type has no member '{}'", where, name);
    Id space(H5Dget_space(dset.get()));
    if (H5Sget_simple_extent_ndims(space.get()) != 1) fail("{}: dataset must be 1-D", where);
    H5Sget_simple_extent_dims(space.get(), &rows, nullptr);
  }

  // Rows [first, first+out.size()); HDF5 converts from the file's compound by member name.
  void read(hsize_t first, std::span<BlockStat> out) const {
    if (out.empty()) return;
    hsize_t count = out.size();
    Id fspace(H5Dget_space(dset.get()));
    H5Sselect_hyperslab(fspace.get(), H5S_SELECT_SET, &first, nullptr, &count, nullptr);
    Id mspace(H5Screate_simple(1, &count, nullptr));
    Id mtype = memory_type();
    if (H5Dread(dset.get(), mtype.get(), mspace.get(), fspace.get(), H5P_DEFAULT, out.data()) < 0)
      fail("{}: cannot read rows {}..{}: {}", where, first, first + count, hdf5::error_stack_message());
  }
};

}  // namespace

std::vector<BlockStat> read_block_stats_h5(const std::filesystem::path& path) {
  std::lock_guard lock(hdf5::hdf5_mutex());
  const StatsDataset ds(path);
  std::vector<BlockStat> rows(ds.rows);
  ds.read(0, rows);
  return rows;
}

uint64_t block_stats_h5_rows(const std::filesystem::path& path) {
  std::lock_guard lock(hdf5::hdf5_mutex());
  return StatsDataset(path).rows;
}

void read_block_stats_h5_chunks(const std::filesystem::path& path, uint64_t chunk_rows,
                                const std::function<void(std::span<const BlockStat>, uint64_t)>& fn) {
  chunk_rows = std::max<uint64_t>(chunk_rows, 1);
  std::vector<BlockStat> buf;
  std::unique_lock lock(hdf5::hdf5_mutex());
  const StatsDataset ds(path);
  for (uint64_t first = 0; first < ds.rows; first += chunk_rows) {
    buf.resize(std::min<uint64_t>(chunk_rows, ds.rows - first));
    ds.read(first, buf);
    // fn may take its time (sorting runs to disk); HDF5 calls elsewhere must not wait for it.
    lock.unlock();
    fn(buf, first);
    lock.lock();
  }
}

}  // namespace dflow::stats
