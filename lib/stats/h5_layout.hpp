#pragma once
// Internal to lib/stats: the HDF5 types and dataset properties of block-statistics.h5, shared by the
// serial writer and reader (block_stats_h5.cpp) and the parallel writer (block_stats_parallel.cpp),
// so both write exactly the reference layout. Call with hdf5::hdf5_mutex() held.
#include <hdf5.h>

#include "io/hdf5/hdf5_common.hpp"

namespace dflow::stats::h5 {

// The file type: explicit little-endian members at the reference offsets.
hdf5::Id file_type();
// The memory type: our packed struct. HDF5 converts by member NAME, so files whose compound has extra
// members or another member order (e.g. written by other tools) read correctly too.
hdf5::Id memory_type();
// Creation properties of dataset `stats`: chunks of kChunkRows rows (extendible, as h5py's
// maxshape=(None,) needs), no modification times (the same rows give a byte-identical file).
hdf5::Id dataset_create_plist();

// Chunk length (rows) of the dataset; h5py's chunks=True picks something of this order for 24-byte rows.
inline constexpr hsize_t kChunkRows = 16384;

}  // namespace dflow::stats::h5
