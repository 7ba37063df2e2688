#pragma once
// Collective helpers over MPI_COMM_WORLD-like communicators: gather per-brick result blobs to one
// rank, sum counters, broadcast small values. All are collective: every rank must call them in the
// same order.
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include <mpi.h>

namespace dflow::mpi {

// A variable-size result tagged with the brick it belongs to.
struct Blob {
  uint64_t id = 0;
  std::vector<std::byte> data;
};

// MPI_Gatherv counts and displacements are int, so one round moves at most this many bytes in total.
inline constexpr size_t kDefaultRoundBytes = size_t{1} << 30;

// Gathers every rank's blobs to `root`. On root: all blobs sorted by id (so the result does not
// depend on the rank count or assignment); elsewhere: empty. Totals above `max_round_bytes` (and
// above 2 GiB) are moved in several MPI_Gather + MPI_Gatherv rounds. Throws if two blobs share an id.
std::vector<Blob> gather_blobs(MPI_Comm comm, const std::vector<Blob>& local, int root = 0,
                               size_t max_round_bytes = kDefaultRoundBytes);

// Element-wise sum of `values` over all ranks, in place on every rank (MPI_Allreduce).
void allreduce_sum(MPI_Comm comm, std::span<uint64_t> values);
uint64_t allreduce_sum(MPI_Comm comm, uint64_t value);
uint64_t allreduce_max(MPI_Comm comm, uint64_t value);
// Element-wise sum into `root` only (MPI_Reduce); other ranks' values are left unchanged.
void reduce_sum(MPI_Comm comm, std::span<uint64_t> values, int root = 0);

// Broadcasts a byte buffer / string from root (the size goes first, so receivers need not know it).
void broadcast(MPI_Comm comm, std::vector<std::byte>& data, int root = 0);
void broadcast(MPI_Comm comm, std::string& text, int root = 0);
void broadcast(MPI_Comm comm, std::vector<uint64_t>& values, int root = 0);

}  // namespace dflow::mpi
