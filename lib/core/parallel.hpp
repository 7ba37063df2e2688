#pragma once
// Runs fn(begin, end, worker) over [0, n) split into `threads` contiguous parts, one std::thread each;
// the first exception thrown by any part is rethrown after all have finished.
#include <algorithm>
#include <cstddef>
#include <exception>
#include <mutex>
#include <thread>
#include <vector>

namespace dflow {

template <typename Fn>
void parallel_ranges(size_t n, int threads, Fn&& fn) {
  const size_t parts = std::max<size_t>(1, std::min<size_t>(size_t(std::max(threads, 1)), n));
  if (parts == 1) {
    fn(size_t(0), n, 0);
    return;
  }
  std::exception_ptr error;
  std::mutex mu;
  std::vector<std::thread> pool;
  for (size_t k = 0; k < parts; ++k) {
    const size_t b = n * k / parts, e = n * (k + 1) / parts;
    pool.emplace_back([&, b, e, k] {
      try {
        fn(b, e, int(k));
      } catch (...) {
        std::lock_guard lock(mu);
        if (!error) error = std::current_exception();
      }
    });
  }
  for (auto& t : pool) t.join();
  if (error) std::rethrow_exception(error);
}

}  // namespace dflow
