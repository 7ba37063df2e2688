#include "cleave/status.hpp"

#include <algorithm>
#include <cmath>

namespace dflow::cleave {

void RecentLog::write(log::Level level, const std::string& message) {
  log::write(level, message);
  std::lock_guard lock(mu_);
  lines_.push_back(log::timestamp() + " " + (level == log::Level::error ? "ERROR " : level == log::Level::warn ? "WARN  " : "INFO  ") +
                   (message.size() > 600 ? message.substr(0, 600) + "..." : message));
  if (lines_.size() > capacity_) lines_.pop_front();
}

std::vector<std::string> RecentLog::lines() const {
  std::lock_guard lock(mu_);
  return {lines_.begin(), lines_.end()};
}

void RequestStats::record(const std::string& endpoint, int status, double seconds) {
  std::lock_guard lock(mu_);
  ++counts_[endpoint][status];
  auto& r = recent_[endpoint];
  r.push_back(seconds);
  if (r.size() > window_) r.pop_front();
}

double RequestStats::uptime_seconds() const {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
}

std::map<std::string, std::map<int, uint64_t>> RequestStats::counts() const {
  std::lock_guard lock(mu_);
  return counts_;
}

double percentile(std::vector<double>& v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  const size_t rank = size_t(std::ceil(p / 100.0 * double(v.size())));
  return v[std::clamp<size_t>(rank, 1, v.size()) - 1];
}

LatencySummary RequestStats::latency(const std::string& endpoint) const {
  std::vector<double> v;
  LatencySummary s;
  {
    std::lock_guard lock(mu_);
    const auto it = recent_.find(endpoint);
    if (it == recent_.end()) return s;
    v.assign(it->second.begin(), it->second.end());
  }
  s.count = v.size();
  s.p50 = percentile(v, 50) * 1e3;
  s.p90 = percentile(v, 90) * 1e3;
  s.p99 = percentile(v, 99) * 1e3;
  s.max = v.empty() ? 0 : v.back() * 1e3;
  return s;
}

}  // namespace dflow::cleave
