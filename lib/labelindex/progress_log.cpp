#include "labelindex/progress_log.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include <fcntl.h>
#include <unistd.h>

#include <fmt/format.h>

#include "core/error.hpp"

namespace dflow::labelindex {
namespace fs = std::filesystem;
namespace {

// Sorts and unites overlapping ranges (a resumed run's batch can span bodies an earlier run posted).
void merge_ranges(std::vector<std::pair<uint64_t, uint64_t>>& r) {
  std::sort(r.begin(), r.end());
  size_t out = 0;
  for (size_t i = 0; i < r.size(); ++i) {
    if (out > 0 && r[i].first <= r[out - 1].second) {
      r[out - 1].second = std::max(r[out - 1].second, r[i].second);
    } else {
      r[out++] = r[i];
    }
  }
  r.resize(out);
}

}  // namespace

ProgressLog::ProgressLog(fs::path path, bool read_only) : path_(std::move(path)), read_only_(read_only) {
  std::ifstream in(path_);
  if (!in) return;
  std::string line;
  uint64_t line_no = 0;
  while (std::getline(in, line)) {
    ++line_no;
    if (line.empty() || line[0] == '#') continue;
    std::istringstream ls(line);
    std::string word;
    ls >> word;
    if (word == "fingerprint") {
      std::string kind, hex, desc;
      ls >> kind >> hex;
      std::getline(ls, desc);
      Kind& k = kinds_[kind];
      if (k.fingerprint != hex) k.ranges.clear(), k.batches = 0;  // a new set of inputs: older ranges no longer apply
      k.fingerprint = hex;
      k.description = desc.empty() ? desc : desc.substr(1);
      continue;
    }
    uint64_t first = 0, last = 0, rows = 0;
    if (!(ls >> first >> last >> rows) || first > last) {
      // A line cut short by a crash can only be the last one; anything else is damage.
      if (in.peek() == EOF) break;
      fail("{}:{}: unreadable progress line '{}'; delete the file to start over", path_.string(), line_no, line);
    }
    kinds_[word].ranges.emplace_back(first, last);
    ++kinds_[word].batches;
  }
  for (auto& [_, k] : kinds_) merge_ranges(k.ranges);
}

ProgressLog::~ProgressLog() {
  if (file_) std::fclose(file_);
}

ProgressLog::State ProgressLog::check(const std::string& kind, const std::string& fingerprint) const {
  std::lock_guard lock(mu_);
  auto it = kinds_.find(kind);
  if (it == kinds_.end() || it->second.fingerprint.empty()) return State::fresh;
  if (it->second.fingerprint != fingerprint) return it->second.ranges.empty() ? State::fresh : State::different_inputs;
  return it->second.ranges.empty() ? State::fresh : State::resumed;
}

std::string ProgressLog::recorded_description(const std::string& kind) const {
  std::lock_guard lock(mu_);
  auto it = kinds_.find(kind);
  return it == kinds_.end() ? std::string() : it->second.description;
}

void ProgressLog::start(const std::string& kind, const std::string& fingerprint, const std::string& description) {
  {
    std::lock_guard lock(mu_);
    Kind& k = kinds_[kind];
    if (k.fingerprint == fingerprint) return;
    k.fingerprint = fingerprint;
    k.description = description;
    k.ranges.clear();
    k.batches = 0;
  }
  append_line(fmt::format("fingerprint {} {} {}", kind, fingerprint, description));
}

bool ProgressLog::posted(const std::string& kind, uint64_t body) const {
  std::lock_guard lock(mu_);
  auto it = kinds_.find(kind);
  if (it == kinds_.end()) return false;
  const auto& r = it->second.ranges;  // disjoint, sorted
  auto pos = std::upper_bound(r.begin(), r.end(), std::make_pair(body, UINT64_MAX));
  return pos != r.begin() && std::prev(pos)->second >= body;
}

uint64_t ProgressLog::batches(const std::string& kind) const {
  std::lock_guard lock(mu_);
  auto it = kinds_.find(kind);
  return it == kinds_.end() ? 0 : it->second.batches;
}

void ProgressLog::record(const std::string& kind, uint64_t first_body, uint64_t last_body, uint64_t rows) {
  {
    std::lock_guard lock(mu_);
    auto& r = kinds_[kind].ranges;
    r.emplace_back(first_body, last_body);
    merge_ranges(r);
    ++kinds_[kind].batches;
  }
  append_line(fmt::format("{} {} {} {}", kind, first_body, last_body, rows));
}

void ProgressLog::append_line(const std::string& line) {
  if (read_only_) return;
  std::lock_guard lock(mu_);
  if (!file_) {
    if (path_.has_parent_path()) fs::create_directories(path_.parent_path());
    file_ = std::fopen(path_.c_str(), "a");
    if (!file_) fail("{}: cannot open progress file: {}", path_.string(), std::strerror(errno));
  }
  // One write per line, flushed and synced: after a crash the file lists every batch DVID accepted
  // (except, at worst, the one whose POST returned just before the crash).
  const std::string text = line + "\n";
  if (std::fwrite(text.data(), 1, text.size(), file_) != text.size() || std::fflush(file_) != 0 || ::fsync(::fileno(file_)) != 0)
    fail("{}: cannot record progress: {}", path_.string(), std::strerror(errno));
}

std::pair<std::string, std::string> fingerprint_files(const std::vector<fs::path>& files) {
  std::string desc;
  for (const fs::path& f : files) {
    std::error_code ec;
    const fs::path abs = fs::absolute(f, ec);
    const uint64_t size = fs::file_size(f, ec);
    const auto mtime = fs::last_write_time(f, ec).time_since_epoch().count();
    desc += fmt::format("{}{} size={} mtime={}", desc.empty() ? "" : "; ", abs.string(), size, mtime);
  }
  uint64_t h = 1469598103934665603ull;
  for (unsigned char c : desc) h = (h ^ c) * 1099511628211ull;
  return {fmt::format("{:016x}", h), desc};
}

}  // namespace dflow::labelindex
