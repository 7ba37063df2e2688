#pragma once
// HDF5 datasets (3-D, stored z,y,x as h5py writes numpy arrays). Under MPI the file is opened with
// the MPI-IO driver (H5Pset_fapl_mpio) on MPI_COMM_SELF so each rank reads its own boxes independently.
#include <filesystem>
#include <memory>
#include <string>

#include "io/volume.hpp"

namespace dflow {

std::unique_ptr<VolumeReader> open_hdf5(const std::filesystem::path& path, const std::string& dataset);

}  // namespace dflow
