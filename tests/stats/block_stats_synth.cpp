// block-stats-synth: a synthetic block-statistics table of N rows, generated from the global row
// index alone (so any rank count gives the same table), written by every rank with the parallel
// writer (lib/stats/block_stats_parallel.hpp), or by the old path (gather every row to rank 0, sort,
// one H5Dwrite) for the benchmark. Prints each rank's peak memory (getrusage ru_maxrss) and fails if
// one exceeds --max-rss-mib. tests/stats/check_parallel_table.py checks the files with h5py/numpy.
//
// Row i (an independent numpy implementation lives in check_parallel_table.py):
//   h = splitmix64(i); segment_id = h; z = (i >> 20) * 64; y = ((i >> 10) & 1023) * 64;
//   x = (i & 1023) * 64 - 32768; count = (h >> 45) + 1
#include <sys/resource.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "core/cli_values.hpp"
#include "core/error.hpp"
#include "mpi/gather.hpp"
#include "mpi/mpi_env.hpp"
#include "stats/block_stats.hpp"
#include "stats/block_stats_parallel.hpp"

namespace {

using namespace dflow;
using stats::BlockStat;

constexpr const char* kUsage = R"(usage: block-stats-synth --rows N [--h5 FILE] [--csv FILE] [--writer parallel|gather]
                         [--batch-rows B] [--max-rss-mib M]
Writes a synthetic block-statistics table of N rows (a pure function of the row index) with every rank
(parallel: MPI-IO, each rank its contiguous share, batches of B rows) or through rank 0 (gather: every
row gathered to rank 0, sorted, one H5Dwrite; the pipeline's path before the parallel writer).
Prints "rank R: rows N peak-rss-mib M" per rank; exits 1 if a rank's peak exceeds --max-rss-mib.
)";

uint64_t splitmix64(uint64_t x) {
  uint64_t z = x + 0x9E3779B97F4A7C15ull;
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

BlockStat row(uint64_t i) {
  const uint64_t h = splitmix64(i);
  return {h, int32_t((i >> 20) * 64), int32_t(((i >> 10) & 1023) * 64), int32_t(i & 1023) * 64 - 32768,
          uint32_t(h >> 45) + 1};
}

double peak_rss_mib() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  return double(ru.ru_maxrss) / 1024.0;  // Linux: KiB
}

int run(mpi::Env& env, int argc, char** argv) {
  uint64_t rows = 0, batch = stats::kWriteBatchRows;
  double max_rss = 0;
  std::string h5, csv, writer = "parallel";
  OptionCursor cur(argc, argv);
  while (cur.next()) {
    if (cur.name() == "--help") {
      if (env.root()) std::fputs(kUsage, stdout);
      return 0;
    }
    if (cur.name() == "--rows") rows = parse_uint_option("--rows", cur.value());
    else if (cur.name() == "--h5") h5 = cur.value();
    else if (cur.name() == "--csv") csv = cur.value();
    else if (cur.name() == "--writer") writer = cur.value();
    else if (cur.name() == "--batch-rows") batch = parse_uint_option("--batch-rows", cur.value());
    else if (cur.name() == "--max-rss-mib") max_rss = double(parse_uint_option("--max-rss-mib", cur.value()));
    else fail("block-stats-synth: unknown option {} (see --help)", cur.name());
  }
  if (writer != "parallel" && writer != "gather") fail("block-stats-synth: --writer {}: parallel or gather", writer);
  const uint64_t lo = uint64_t((unsigned __int128)rows * unsigned(env.rank()) / unsigned(env.size()));
  const uint64_t hi = uint64_t((unsigned __int128)rows * unsigned(env.rank() + 1) / unsigned(env.size()));
  const auto t0 = std::chrono::steady_clock::now();
  if (writer == "parallel") {
    const stats::RowSource source = [&](uint64_t first, std::span<BlockStat> out) {
      for (size_t k = 0; k < out.size(); ++k) out[k] = row(lo + first + k);
    };
    if (!h5.empty()) stats::write_block_stats_h5_parallel(env.comm(), h5, hi - lo, source, batch);
    if (!csv.empty()) stats::write_block_stats_csv_parallel(env.comm(), csv, hi - lo, source, batch);
  } else {
    // The old path: each rank's rows in a result blob, gathered to rank 0, concatenated, sorted, written.
    std::vector<mpi::Blob> local(1);
    local[0].id = uint64_t(env.rank());
    local[0].data.resize((hi - lo) * sizeof(BlockStat));
    for (uint64_t i = lo; i < hi; ++i) {
      const BlockStat r = row(i);
      stats::store_rows(std::span(&r, 1), local[0].data.data() + (i - lo) * sizeof(BlockStat));
    }
    std::vector<mpi::Blob> all = mpi::gather_blobs(env.comm(), local, 0);
    std::vector<std::byte>().swap(local[0].data);
    if (env.root()) {
      std::vector<BlockStat> table;
      for (mpi::Blob& b : all) {
        const auto part = stats::load_rows(b.data);
        table.insert(table.end(), part.begin(), part.end());
        std::vector<std::byte>().swap(b.data);
      }
      stats::sort_rows(table);
      if (!h5.empty()) stats::write_block_stats_h5(h5, table);
      if (!csv.empty()) stats::write_block_stats_csv(csv, table);
    }
  }
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();

  // Every rank's peak, printed by rank 0 in rank order.
  const double mine = peak_rss_mib();
  std::vector<double> peaks(size_t(env.size()));
  mpi::check(MPI_Gather(&mine, 1, MPI_DOUBLE, peaks.data(), 1, MPI_DOUBLE, 0, env.comm()), "MPI_Gather");
  int over = 0;
  if (env.root()) {
    for (int r = 0; r < env.size(); ++r) {
      const uint64_t n = uint64_t((unsigned __int128)rows * unsigned(r + 1) / unsigned(env.size())) -
                         uint64_t((unsigned __int128)rows * unsigned(r) / unsigned(env.size()));
      std::printf("rank %d: rows %llu peak-rss-mib %.1f\n", r, (unsigned long long)n, peaks[size_t(r)]);
      if (max_rss > 0 && peaks[size_t(r)] > max_rss) {
        std::printf("FAILED: rank %d peak memory %.1f MiB exceeds the bound of %.0f MiB\n", r, peaks[size_t(r)], max_rss);
        over = 1;
      }
    }
    std::printf("writer %s ranks %d rows %llu seconds %.2f\n", writer.c_str(), env.size(), (unsigned long long)rows, seconds);
    std::fflush(stdout);
  }
  mpi::check(MPI_Bcast(&over, 1, MPI_INT, 0, env.comm()), "MPI_Bcast");
  return over;
}

}  // namespace

int main(int argc, char** argv) {
  return dflow::mpi::run(argc, argv, [&](dflow::mpi::Env& env) { return run(env, argc, argv); });
}
