#pragma once
// Helpers for tests that run on several ranks.
#include <filesystem>
#include <string>

#include <mpi.h>

#include "mpi/gather.hpp"
#include "test_support.hpp"

namespace dflow::test {

inline int mpi_rank() {
  int r = 0;
  MPI_Comm_rank(MPI_COMM_WORLD, &r);
  return r;
}
inline int mpi_size() {
  int n = 1;
  MPI_Comm_size(MPI_COMM_WORLD, &n);
  return n;
}

// One fresh scratch directory shared by all ranks (rank 0 creates it and broadcasts the path).
inline std::filesystem::path shared_scratch_dir(const std::string& name) {
  std::string path;
  if (mpi_rank() == 0) path = scratch_dir(name + "-np" + std::to_string(mpi_size())).string();
  dflow::mpi::broadcast(MPI_COMM_WORLD, path, 0);
  MPI_Barrier(MPI_COMM_WORLD);
  return path;
}

}  // namespace dflow::test
