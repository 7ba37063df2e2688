#include "stats/h5_layout.hpp"

#include <cstddef>

#include "stats/block_stats.hpp"

namespace dflow::stats::h5 {

using hdf5::Id;

Id file_type() {
  Id t(H5Tcreate(H5T_COMPOUND, sizeof(BlockStat)));
  H5Tinsert(t.get(), "segment_id", 0, H5T_STD_U64LE);
  H5Tinsert(t.get(), "z", 8, H5T_STD_I32LE);
  H5Tinsert(t.get(), "y", 12, H5T_STD_I32LE);
  H5Tinsert(t.get(), "x", 16, H5T_STD_I32LE);
  H5Tinsert(t.get(), "count", 20, H5T_STD_U32LE);
  return t;
}

Id memory_type() {
  Id t(H5Tcreate(H5T_COMPOUND, sizeof(BlockStat)));
  H5Tinsert(t.get(), "segment_id", offsetof(BlockStat, segment_id), H5T_NATIVE_UINT64);
  H5Tinsert(t.get(), "z", offsetof(BlockStat, z), H5T_NATIVE_INT32);
  H5Tinsert(t.get(), "y", offsetof(BlockStat, y), H5T_NATIVE_INT32);
  H5Tinsert(t.get(), "x", offsetof(BlockStat, x), H5T_NATIVE_INT32);
  H5Tinsert(t.get(), "count", offsetof(BlockStat, count), H5T_NATIVE_UINT32);
  return t;
}

Id dataset_create_plist() {
  Id dcpl(H5Pcreate(H5P_DATASET_CREATE));
  const hsize_t chunk = kChunkRows;
  H5Pset_chunk(dcpl.get(), 1, &chunk);
  H5Pset_obj_track_times(dcpl.get(), false);
  return dcpl;
}

}  // namespace dflow::stats::h5
