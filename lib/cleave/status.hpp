#pragma once
// What the status page shows: request counts, latency percentiles and the recent log, collected by
// every worker thread.
#include <chrono>
#include <cstdint>
#include <deque>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "core/log.hpp"

namespace dflow::cleave {

// Logs through core/log (stderr and the log file) and keeps the last lines for the status page.
class RecentLog {
 public:
  explicit RecentLog(size_t capacity = 200) : capacity_(capacity) {}
  void write(log::Level level, const std::string& message);
  std::vector<std::string> lines() const;

 private:
  size_t capacity_;
  mutable std::mutex mu_;
  std::deque<std::string> lines_;
};

struct LatencySummary {
  uint64_t count = 0;
  double p50 = 0, p90 = 0, p99 = 0, max = 0;  // milliseconds, over the last window
};

class RequestStats {
 public:
  explicit RequestStats(size_t window = 10000) : window_(window), start_(std::chrono::steady_clock::now()) {}
  void record(const std::string& endpoint, int status, double seconds);
  double uptime_seconds() const;
  std::map<std::string, std::map<int, uint64_t>> counts() const;  // endpoint -> status -> requests
  LatencySummary latency(const std::string& endpoint) const;

 private:
  size_t window_;
  std::chrono::steady_clock::time_point start_;
  mutable std::mutex mu_;
  std::map<std::string, std::map<int, uint64_t>> counts_;
  std::map<std::string, std::deque<double>> recent_;  // seconds, last `window_` per endpoint
};

// p in [0, 100]: the nearest-rank percentile of `values` (sorted in place).
double percentile(std::vector<double>& values, double p);

}  // namespace dflow::cleave
