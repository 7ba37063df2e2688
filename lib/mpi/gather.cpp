#include "mpi/gather.hpp"

#include <algorithm>
#include <climits>
#include <cstring>

#include "core/error.hpp"
#include "core/files.hpp"
#include "mpi/mpi_env.hpp"

namespace dflow::mpi {

namespace {

int comm_size(MPI_Comm comm) {
  int n = 0;
  check(MPI_Comm_size(comm, &n), "MPI_Comm_size");
  return n;
}
int comm_rank(MPI_Comm comm) {
  int r = 0;
  check(MPI_Comm_rank(comm, &r), "MPI_Comm_rank");
  return r;
}

// Wire format of one rank's blobs: repeated [u64 id][u64 size][size bytes], little-endian.
std::vector<std::byte> pack(const std::vector<Blob>& blobs) {
  size_t total = 0;
  for (const Blob& b : blobs) total += 16 + b.data.size();
  std::vector<std::byte> out(total);
  std::byte* p = out.data();
  for (const Blob& b : blobs) {
    store_le64(p, b.id);
    store_le64(p + 8, b.data.size());
    if (!b.data.empty()) std::memcpy(p + 16, b.data.data(), b.data.size());
    p += 16 + b.data.size();
  }
  return out;
}

void unpack(const std::vector<std::byte>& buf, int from, std::vector<Blob>& out) {
  size_t pos = 0;
  while (pos < buf.size()) {
    if (buf.size() - pos < 16) fail("gather: truncated blob header from rank {}", from);
    Blob b;
    b.id = load_le64(buf.data() + pos);
    const uint64_t size = load_le64(buf.data() + pos + 8);
    pos += 16;
    if (buf.size() - pos < size) fail("gather: truncated blob {} from rank {}", b.id, from);
    b.data.assign(buf.begin() + static_cast<ptrdiff_t>(pos), buf.begin() + static_cast<ptrdiff_t>(pos + size));
    pos += size;
    out.push_back(std::move(b));
  }
}

}  // namespace

std::vector<Blob> gather_blobs(MPI_Comm comm, const std::vector<Blob>& local, int root, size_t max_round_bytes) {
  const int n = comm_size(comm);
  const int rank = comm_rank(comm);
  const std::vector<std::byte> send = pack(local);

  // Per-rank share of one round, so the round's total (and every displacement) fits in an int.
  const size_t round_total = std::min<size_t>(std::max<size_t>(max_round_bytes, 1), INT_MAX);
  const size_t cap = std::max<size_t>(round_total / static_cast<size_t>(n), 1);
  const uint64_t longest = allreduce_max(comm, send.size());
  const uint64_t rounds = (longest + cap - 1) / cap;

  std::vector<std::vector<std::byte>> recv(rank == root ? static_cast<size_t>(n) : 0);
  std::vector<int> counts(rank == root ? static_cast<size_t>(n) : 0), displs(counts.size());
  std::vector<std::byte> staging;
  size_t sent = 0;
  for (uint64_t round = 0; round < rounds; ++round) {
    const int count = static_cast<int>(std::min(cap, send.size() - sent));
    check(MPI_Gather(&count, 1, MPI_INT, counts.data(), 1, MPI_INT, root, comm), "MPI_Gather (blob sizes)");
    if (rank == root) {
      size_t total = 0;
      for (int r = 0; r < n; ++r) {
        displs[size_t(r)] = static_cast<int>(total);
        total += static_cast<size_t>(counts[size_t(r)]);
      }
      staging.resize(total);
    }
    check(MPI_Gatherv(send.data() + sent, count, MPI_BYTE, staging.data(), counts.data(), displs.data(), MPI_BYTE,
                      root, comm),
          "MPI_Gatherv (blobs)");
    sent += static_cast<size_t>(count);
    if (rank == root)
      for (int r = 0; r < n; ++r) {
        const auto* p = staging.data() + displs[size_t(r)];
        recv[size_t(r)].insert(recv[size_t(r)].end(), p, p + counts[size_t(r)]);
      }
  }

  std::vector<Blob> out;
  if (rank != root) return out;
  for (int r = 0; r < n; ++r) {
    unpack(recv[size_t(r)], r, out);
    std::vector<std::byte>().swap(recv[size_t(r)]);  // free as we go: root holds the results once
  }
  std::sort(out.begin(), out.end(), [](const Blob& a, const Blob& b) { return a.id < b.id; });
  for (size_t i = 1; i < out.size(); ++i)
    if (out[i].id == out[i - 1].id) fail("gather: brick {} was reported twice", out[i].id);
  return out;
}

void allreduce_sum(MPI_Comm comm, std::span<uint64_t> values) {
  check(MPI_Allreduce(MPI_IN_PLACE, values.data(), static_cast<int>(values.size()), MPI_UINT64_T, MPI_SUM, comm),
        "MPI_Allreduce (sum)");
}

uint64_t allreduce_sum(MPI_Comm comm, uint64_t value) {
  allreduce_sum(comm, std::span<uint64_t>(&value, 1));
  return value;
}

uint64_t allreduce_max(MPI_Comm comm, uint64_t value) {
  check(MPI_Allreduce(MPI_IN_PLACE, &value, 1, MPI_UINT64_T, MPI_MAX, comm), "MPI_Allreduce (max)");
  return value;
}

void reduce_sum(MPI_Comm comm, std::span<uint64_t> values, int root) {
  const int count = static_cast<int>(values.size());
  if (comm_rank(comm) == root)
    check(MPI_Reduce(MPI_IN_PLACE, values.data(), count, MPI_UINT64_T, MPI_SUM, root, comm), "MPI_Reduce (sum)");
  else
    check(MPI_Reduce(values.data(), nullptr, count, MPI_UINT64_T, MPI_SUM, root, comm), "MPI_Reduce (sum)");
}

void broadcast(MPI_Comm comm, std::vector<std::byte>& data, int root) {
  uint64_t size = data.size();
  check(MPI_Bcast(&size, 1, MPI_UINT64_T, root, comm), "MPI_Bcast (size)");
  data.resize(size);
  size_t done = 0;
  while (done < size) {  // counts are int: large buffers go in pieces
    const int piece = static_cast<int>(std::min<uint64_t>(size - done, INT_MAX));
    check(MPI_Bcast(data.data() + done, piece, MPI_BYTE, root, comm), "MPI_Bcast (data)");
    done += static_cast<size_t>(piece);
  }
}

void broadcast(MPI_Comm comm, std::string& text, int root) {
  std::vector<std::byte> b(reinterpret_cast<const std::byte*>(text.data()),
                           reinterpret_cast<const std::byte*>(text.data()) + text.size());
  broadcast(comm, b, root);
  text.assign(reinterpret_cast<const char*>(b.data()), b.size());
}

void broadcast(MPI_Comm comm, std::vector<uint64_t>& values, int root) {
  std::vector<std::byte> b(values.size() * 8);
  for (size_t i = 0; i < values.size(); ++i) store_le64(b.data() + 8 * i, values[i]);
  broadcast(comm, b, root);
  values.resize(b.size() / 8);
  for (size_t i = 0; i < values.size(); ++i) values[i] = load_le64(b.data() + 8 * i);
}

}  // namespace dflow::mpi
