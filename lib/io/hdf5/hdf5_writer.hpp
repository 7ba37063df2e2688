#pragma once
// Minimal HDF5 writer: one chunked, gzip-compressed 3-D dataset (z,y,x on disk, as h5py would write it),
// filled box by box. Used to make test and example inputs; a single process writes (default driver,
// no MPI-IO), and the file is complete when the writer is destroyed.
#include <filesystem>
#include <memory>
#include <span>
#include <string>

#include "core/dtype.hpp"
#include "core/geometry.hpp"

namespace dflow {

class Hdf5Writer {
 public:
  // Creates `dataset` (intermediate groups too) in `path`, creating the file if it does not exist.
  // shape and chunk are x,y,z; gzip_level 0 stores chunks uncompressed. Fails if the dataset exists.
  Hdf5Writer(const std::filesystem::path& path, const std::string& dataset, DType dtype, Vec3 shape, Vec3 chunk,
             int gzip_level = 4);
  ~Hdf5Writer();
  Hdf5Writer(const Hdf5Writer&) = delete;
  Hdf5Writer& operator=(const Hdf5Writer&) = delete;

  // Writes `data` (z-major, x fastest, box.volume() elements of dtype) to `box` (inside [0, shape)).
  void write(const Box& box, std::span<const std::byte> data);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace dflow
