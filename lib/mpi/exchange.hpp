#pragma once
// All-to-all exchange of byte buffers: every rank hands one buffer per destination rank and gets one
// buffer per source rank back (MPI_Alltoall of the sizes, then MPI_Alltoallv). Used where results
// must move to the rank that owns them (e.g. the pieces of a supervoxel mesh cut by bricks).
//
// MPI counts and displacements are int, so the data move in rounds: in each round every (source,
// destination) pair moves at most max_round_bytes / nranks bytes, and the rounds continue until the
// largest buffer is through. Collective.
#include <cstddef>
#include <vector>

#include <mpi.h>

#include "mpi/gather.hpp"

namespace dflow::mpi {

// send[d] goes to rank d (send.size() must equal the communicator size). Returns received[s] = the
// buffer rank s sent here.
std::vector<std::vector<std::byte>> alltoallv_bytes(MPI_Comm comm, const std::vector<std::vector<std::byte>>& send,
                                                    size_t max_round_bytes = kDefaultRoundBytes);

}  // namespace dflow::mpi
