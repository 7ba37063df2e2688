#include "mpi/run_log.hpp"

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <regex>
#include <sstream>

#include <fcntl.h>
#include <unistd.h>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "core/error.hpp"
#include "core/files.hpp"
#include "core/log.hpp"

namespace dflow::mpi {

namespace fs = std::filesystem;

namespace {

fs::path phases_path(const fs::path& exec_dir) { return exec_dir / "progress" / "phases.tsv"; }

// Timing records are a convenience: failing to write one warns once and never stops the stage.
void append_line(const fs::path& path, const std::string& line) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd < 0 || ::write(fd, line.data(), line.size()) != ssize_t(line.size()))
    log::warn("{}: cannot write a timing record: {}", path.string(), std::strerror(errno));
  if (fd >= 0) ::close(fd);
}

std::vector<std::string> split_tabs(const std::string& line) {
  std::vector<std::string> out;
  std::stringstream in(line);
  for (std::string f; std::getline(in, f, '\t');) out.push_back(f);
  return out;
}

}  // namespace

double unix_now() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

RunLog::RunLog(const fs::path& exec_dir, std::string phase, int rank)
    : dir_(exec_dir / "progress"), phase_(std::move(phase)), rank_(rank) {
  std::error_code ec;
  fs::create_directories(dir_, ec);
  const fs::path own = dir_ / fmt::format("{}.rank{}.tsv", phase_, rank_);
  fd_ = ::open(own.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd_ < 0) log::warn("{}: cannot open the timing records: {}", own.string(), std::strerror(errno));
}

RunLog::~RunLog() {
  if (fd_ >= 0) ::close(fd_);
}

void RunLog::start(int ranks, uint64_t plan_bricks, uint64_t todo_bricks, uint64_t todo_voxels,
                   const std::vector<uint64_t>& assigned) {
  append_line(phases_path(dir_.parent_path()),
              fmt::format("start\t{}\t{:.3f}\t{}\t{}\t{}\t{}\t{}\n", phase_, unix_now(), ranks, plan_bricks, todo_bricks,
                          todo_voxels, assigned.empty() ? std::string("dynamic") : fmt::format("{}", fmt::join(assigned, ","))));
}

void RunLog::brick(uint64_t id, uint64_t voxels, double seconds) {
  if (fd_ < 0) return;
  const std::string line = fmt::format("{:.3f}\t{}\t{}\t{:.3f}\n", unix_now(), id, voxels, seconds);
  if (::write(fd_, line.data(), line.size()) != ssize_t(line.size())) {
    log::warn("{}: cannot write a timing record: {}", (dir_ / phase_).string(), std::strerror(errno));
    ::close(fd_);
    fd_ = -1;
  }
}

void RunLog::end(const std::string& status, uint64_t processed) {
  append_line(phases_path(dir_.parent_path()), fmt::format("end\t{}\t{:.3f}\t{}\t{}\n", phase_, unix_now(), status, processed));
}

std::vector<PhaseRecord> read_phases(const fs::path& exec_dir) {
  std::vector<PhaseRecord> out;
  const auto bytes = read_file_if_exists(phases_path(exec_dir));
  if (!bytes) return out;
  std::stringstream in(std::string(reinterpret_cast<const char*>(bytes->data()), bytes->size()));
  int line_no = 0;
  for (std::string line; std::getline(in, line);) {
    ++line_no;
    if (in.eof() && !line.empty() && bytes->back() != std::byte('\n')) break;  // being written
    const auto f = split_tabs(line);
    try {
      if (f.size() == 8 && f[0] == "start") {
        PhaseRecord p;
        p.phase = f[1];
        p.start = std::stod(f[2]);
        p.ranks = std::stoi(f[3]);
        p.plan_bricks = std::stoull(f[4]);
        p.todo_bricks = std::stoull(f[5]);
        p.todo_voxels = std::stoull(f[6]);
        if (f[7] == "dynamic") {
          p.schedule = "dynamic";
        } else {
          std::stringstream counts(f[7]);
          for (std::string c; std::getline(counts, c, ',');) p.assigned.push_back(std::stoull(c));
        }
        out.push_back(std::move(p));
        continue;
      }
      if (f.size() == 5 && f[0] == "end") {
        // Ends the latest start of the same phase.
        for (auto it = out.rbegin(); it != out.rend(); ++it)
          if (it->phase == f[1] && it->status.empty()) {
            it->end = std::stod(f[2]);
            it->status = f[3];
            it->processed = std::stoull(f[4]);
            break;
          }
        continue;
      }
    } catch (const std::exception&) {
    }
    fail("{}: line {}: not a timing record: \"{}\"", phases_path(exec_dir).string(), line_no, line);
  }
  return out;
}

std::vector<BrickRecord> read_brick_records(const fs::path& exec_dir, const std::string& phase, double since) {
  std::vector<BrickRecord> out;
  const fs::path dir = exec_dir / "progress";
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) return out;
  const std::string prefix = phase + ".rank";
  for (const auto& e : fs::directory_iterator(dir)) {
    const std::string name = e.path().filename().string();
    if (name.rfind(prefix, 0) != 0 || name.size() < prefix.size() + 5 || name.substr(name.size() - 4) != ".tsv") continue;
    const std::string rank_text = name.substr(prefix.size(), name.size() - 4 - prefix.size());
    if (rank_text.empty() || rank_text.find_first_not_of("0123456789") != std::string::npos) continue;
    const int rank = std::stoi(rank_text);
    std::stringstream in(read_text(e.path()));
    for (std::string line; std::getline(in, line);) {
      const auto f = split_tabs(line);
      if (f.size() != 4) continue;  // a line being written
      try {
        BrickRecord r{std::stod(f[0]), rank, std::stoull(f[1]), std::stoull(f[2]), std::stod(f[3])};
        if (r.time >= since) out.push_back(r);
      } catch (const std::exception&) {
      }
    }
  }
  std::sort(out.begin(), out.end(), [](const BrickRecord& a, const BrickRecord& b) { return a.time < b.time; });
  return out;
}

}  // namespace dflow::mpi
