// The per-label summary of survey.json, summed where each label is owned instead of on rank 0.
#include <algorithm>
#include <cstring>
#include <unordered_map>

#include "core/files.hpp"
#include "mpi/exchange.hpp"
#include "mpi/gather.hpp"
#include "mpi/mpi_env.hpp"
#include "survey/survey.hpp"

namespace dflow::stages {

namespace {

// The rank that sums a label: a mixed hash, so consecutive ids spread evenly.
int owner_of(uint64_t id, int nranks) {
  uint64_t z = id + 0x9E3779B97F4A7C15ull;
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return int((z ^ (z >> 31)) % uint64_t(nranks));
}

void put_pair(std::vector<std::byte>& out, uint64_t id, uint64_t voxels) {
  const size_t at = out.size();
  out.resize(at + 16);
  store_le64(out.data() + at, id);
  store_le64(out.data() + at + 8, voxels);
}

// Largest first, ties by the smaller id.
bool larger(const std::pair<uint64_t, uint64_t>& a, const std::pair<uint64_t, uint64_t>& b) {
  return a.second != b.second ? a.second > b.second : a.first < b.first;
}

constexpr size_t kLargest = 10;

}  // namespace

LabelSummary summarize_labels(MPI_Comm comm, const stats::BrickTable& table, uint64_t batch_rows) {
  int rank = 0, nranks = 1;
  mpi::check(MPI_Comm_rank(comm, &rank), "MPI_Comm_rank");
  mpi::check(MPI_Comm_size(comm, &nranks), "MPI_Comm_size");
  batch_rows = std::max<uint64_t>(batch_rows, 1);
  const stats::Share share = stats::share_of(table, rank, nranks);
  const stats::RowSource source = stats::brick_rows_source(table, share);
  const uint64_t rounds = mpi::allreduce_max(comm, (share.rows + batch_rows - 1) / batch_rows);

  std::unordered_map<uint64_t, uint64_t> owned;  // id -> voxels, for the labels this rank owns
  std::vector<stats::BlockStat> buf(size_t(std::min(batch_rows, std::max<uint64_t>(share.rows, 1))));
  std::vector<std::vector<std::byte>> send(static_cast<size_t>(nranks));
  for (uint64_t round = 0; round < rounds; ++round) {
    const uint64_t first = round * batch_rows;
    const size_t n = first < share.rows ? size_t(std::min(batch_rows, share.rows - first)) : 0;
    if (n > 0) source(first, std::span(buf.data(), n));
    for (auto& s : send) s.clear();
    // A brick's rows are sorted by id: its rows of one label go out as one pair.
    for (size_t i = 0; i < n;) {
      const uint64_t id = buf[i].segment_id;
      uint64_t voxels = 0;
      for (; i < n && buf[i].segment_id == id; ++i) voxels += buf[i].count;
      put_pair(send[size_t(owner_of(id, nranks))], id, voxels);
    }
    std::vector<std::vector<std::byte>> received;
    if (nranks > 1) {
      received = mpi::alltoallv_bytes(comm, send);
    } else {
      received.swap(send);
      send.resize(1);
    }
    for (const auto& r : received)
      for (size_t at = 0; at + 16 <= r.size(); at += 16) owned[load_le64(r.data() + at)] += load_le64(r.data() + at + 8);
  }

  // This rank's part of the summary, then reduced over the ranks.
  std::vector<uint64_t> sums(3 + 64, 0);  // count, labeled voxels, ids >= 2^32, size histogram
  uint64_t min_id = UINT64_MAX, max_id = 0;
  std::vector<std::pair<uint64_t, uint64_t>> top;
  for (const auto& [id, voxels] : owned) {
    ++sums[0];
    sums[1] += voxels;
    sums[2] += id >= (uint64_t{1} << 32);
    if (voxels > 0) ++sums[3 + size_t(63 - __builtin_clzll(voxels))];
    min_id = std::min(min_id, id);
    max_id = std::max(max_id, id);
    top.emplace_back(id, voxels);
    if (top.size() >= 4 * kLargest) {  // keep the candidates few
      std::partial_sort(top.begin(), top.begin() + kLargest, top.end(), larger);
      top.resize(kLargest);
    }
  }
  std::sort(top.begin(), top.end(), larger);
  if (top.size() > kLargest) top.resize(kLargest);
  mpi::allreduce_sum(comm, sums);
  mpi::check(MPI_Allreduce(MPI_IN_PLACE, &min_id, 1, MPI_UINT64_T, MPI_MIN, comm), "MPI_Allreduce (min id)");
  mpi::check(MPI_Allreduce(MPI_IN_PLACE, &max_id, 1, MPI_UINT64_T, MPI_MAX, comm), "MPI_Allreduce (max id)");
  std::vector<std::byte> mine;
  for (const auto& [id, voxels] : top) put_pair(mine, id, voxels);
  const std::vector<mpi::Blob> tops = mpi::gather_blobs(comm, {{uint64_t(rank), std::move(mine)}}, 0);

  LabelSummary s;
  s.count = sums[0];
  s.labeled_voxels = sums[1];
  s.above_2_32 = sums[2];
  s.min_id = s.count ? min_id : 0;
  s.max_id = s.count ? max_id : 0;
  size_t bins = 64;
  while (bins > 0 && sums[3 + bins - 1] == 0) --bins;
  s.size_log2_histogram.assign(sums.begin() + 3, sums.begin() + 3 + ptrdiff_t(bins));
  for (const mpi::Blob& b : tops)
    for (size_t at = 0; at + 16 <= b.data.size(); at += 16)
      s.largest.emplace_back(load_le64(b.data.data() + at), load_le64(b.data.data() + at + 8));
  std::sort(s.largest.begin(), s.largest.end(), larger);
  if (s.largest.size() > kLargest) s.largest.resize(kLargest);
  return s;
}

}  // namespace dflow::stages
