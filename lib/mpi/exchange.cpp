#include "mpi/exchange.hpp"

#include <algorithm>
#include <climits>
#include <cstdint>
#include <cstring>

#include "core/error.hpp"
#include "mpi/mpi_env.hpp"

namespace dflow::mpi {

std::vector<std::vector<std::byte>> alltoallv_bytes(MPI_Comm comm, const std::vector<std::vector<std::byte>>& send,
                                                    size_t max_round_bytes) {
  int nranks = 1;
  check(MPI_Comm_size(comm, &nranks), "MPI_Comm_size");
  if (send.size() != size_t(nranks)) fail("alltoallv_bytes: {} send buffers for {} ranks", send.size(), nranks);
  const size_t n = size_t(nranks);

  std::vector<uint64_t> send_sizes(n), recv_sizes(n);
  for (size_t d = 0; d < n; ++d) send_sizes[d] = send[d].size();
  check(MPI_Alltoall(send_sizes.data(), 1, MPI_UINT64_T, recv_sizes.data(), 1, MPI_UINT64_T, comm), "MPI_Alltoall (sizes)");

  std::vector<std::vector<std::byte>> recv(n);
  for (size_t s = 0; s < n; ++s) recv[s].resize(recv_sizes[s]);

  // Per pair and round; keeps each rank's round total within max_round_bytes and INT_MAX.
  const uint64_t per_pair = std::max<uint64_t>(1, std::min<uint64_t>(max_round_bytes, INT_MAX) / n);
  uint64_t largest = 0;
  for (size_t i = 0; i < n; ++i) largest = std::max({largest, send_sizes[i], recv_sizes[i]});
  uint64_t rounds = (largest + per_pair - 1) / per_pair;
  check(MPI_Allreduce(MPI_IN_PLACE, &rounds, 1, MPI_UINT64_T, MPI_MAX, comm), "MPI_Allreduce (rounds)");

  std::vector<int> scounts(n), sdispls(n), rcounts(n), rdispls(n);
  std::vector<std::byte> sbuf, rbuf;
  for (uint64_t r = 0; r < rounds; ++r) {
    const uint64_t off = r * per_pair;
    int stotal = 0, rtotal = 0;
    for (size_t i = 0; i < n; ++i) {
      scounts[i] = int(send_sizes[i] > off ? std::min(per_pair, send_sizes[i] - off) : 0);
      rcounts[i] = int(recv_sizes[i] > off ? std::min(per_pair, recv_sizes[i] - off) : 0);
      sdispls[i] = stotal;
      rdispls[i] = rtotal;
      stotal += scounts[i];
      rtotal += rcounts[i];
    }
    sbuf.resize(size_t(stotal));
    rbuf.resize(size_t(std::max(rtotal, 1)));
    for (size_t d = 0; d < n; ++d)
      if (scounts[d] > 0) std::memcpy(sbuf.data() + sdispls[d], send[d].data() + off, size_t(scounts[d]));
    check(MPI_Alltoallv(sbuf.data(), scounts.data(), sdispls.data(), MPI_BYTE, rbuf.data(), rcounts.data(), rdispls.data(),
                        MPI_BYTE, comm),
          "MPI_Alltoallv");
    for (size_t s = 0; s < n; ++s)
      if (rcounts[s] > 0) std::memcpy(recv[s].data() + off, rbuf.data() + rdispls[s], size_t(rcounts[s]));
  }
  return recv;
}

}  // namespace dflow::mpi
