#pragma once
// The per-brick work of a rank's main thread, spread over a few threads: reading the input, counting
// block statistics, and the 2x label downsampling (DVID's rule, ops/downsample.hpp). Results are
// identical to the single-threaded functions for any thread count.
#include <atomic>
#include <exception>
#include <mutex>
#include <thread>
#include <vector>

#include "core/array.hpp"
#include "io/volume.hpp"
#include "stats/block_stats.hpp"

namespace dflow::ingest {

// fn(i) for i in [0, n) on up to `threads` threads pulling indices in order; rethrows the first exception.
template <typename Fn>
void parallel_for(size_t n, int threads, Fn&& fn) {
  const size_t t = std::min<size_t>(size_t(std::max(threads, 1)), n);
  if (t <= 1) {
    for (size_t i = 0; i < n; ++i) fn(i);
    return;
  }
  std::atomic<size_t> next{0};
  std::exception_ptr error;
  std::mutex mu;
  auto work = [&] {
    for (size_t i; (i = next.fetch_add(1)) < n;) {
      try {
        fn(i);
      } catch (...) {
        std::lock_guard lock(mu);
        if (!error) error = std::current_exception();
        next = n;
      }
    }
  };
  std::vector<std::thread> pool;
  for (size_t k = 1; k < t; ++k) pool.emplace_back(work);
  work();
  for (auto& th : pool) th.join();
  if (error) std::rethrow_exception(error);
}

// downsample_labels_2x, by z-planes of the output on `threads` threads.
Array3<uint64_t> downsample_labels_2x_parallel(const Array3<uint64_t>& in, int threads);

// stats::block_stats, by z-layers of blocks on `threads` threads (sorted like block_stats).
std::vector<stats::BlockStat> block_stats_parallel(const Array3<uint64_t>& labels, const Box& valid, const Vec3& block_shape,
                                                   int threads);

// Reads `box` (inside the reader's bounds) of any unsigned dtype into `out` (whose box contains it),
// in z-slabs of the reader's chunk depth on `threads` threads.
void read_into(const VolumeReader& reader, const Box& box, Array3<uint64_t>& out, int threads);

}  // namespace dflow::ingest
