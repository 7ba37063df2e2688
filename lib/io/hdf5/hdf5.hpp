#pragma once
// HDF5 datasets (3-D, stored z,y,x as h5py writes numpy arrays). Under MPI the file is opened with
// the MPI-IO driver (H5Pset_fapl_mpio) on MPI_COMM_SELF so each rank reads its own boxes independently.
#include <filesystem>
#include <memory>
#include <string>

#include "io/volume.hpp"

namespace dflow {

// `dataset` may name a nested dataset ("seg/labels", leading '/' optional). Datasets must be 3-D with
// an integer or float type (uint8..uint64, int8..int64, float32, float64; either byte order on disk).
// Errors (missing file or dataset, not 3-D, unsupported type, missing compression filter) are one
// line naming the file and dataset. HDF5 itself is not thread-safe here: reads are serialised by a
// process-wide mutex. Under MPI, destroy readers before MPI_Finalize.
std::unique_ptr<VolumeReader> open_hdf5(const std::filesystem::path& path, const std::string& dataset);

// The HDF5 file driver an open_hdf5 reader uses: "mpio" under MPI, "sec2" otherwise (for tests and logs).
std::string hdf5_driver(const VolumeReader& reader);

}  // namespace dflow
