#include "launch/mpirun_noise.hpp"

#include <algorithm>
#include <array>

namespace dflow::launch {
namespace {

// Open MPI frames its help messages (opal_show_help) with a line of 74 dashes.
bool is_rule(std::string_view line) {
  return line.size() >= 40 && std::all_of(line.begin(), line.end(), [](char c) { return c == '-'; });
}

bool contains(std::string_view s, std::string_view what) { return s.find(what) != std::string_view::npos; }

// The boxes that only repeat that a rank failed (help-mpi-api.txt mpi-abort, help-orterun.txt
// normal-termination-but and non-zero-status). "exited on signal" and launch failures are kept.
bool is_noise_box(const std::vector<std::string>& box) {
  for (const auto& line : box) {
    if (is_rule(line) || line.empty()) continue;
    return line.starts_with("MPI_ABORT was invoked on rank") ||
           (line.starts_with("Primary job") && contains(line, "terminated normally")) ||
           line.starts_with("mpirun detected that one or more processes exited with non-zero status");
  }
  return false;
}

}  // namespace

bool is_mpirun_noise_line(std::string_view line) {
  static constexpr std::array<std::string_view, 5> kNoise = {
      "ORTE_ERROR_LOG",                    // "[host:pid] [[job,0],0] ORTE_ERROR_LOG: Out of resource in file ..."
      "PMIX ERROR",                        // "[host:pid] PMIX ERROR: UNREACHABLE in file ..."
      "more process has sent help message",  // help aggregation of the boxes above
      "more processes have sent help message",
      "orte_base_help_aggregate",          // "Set MCA parameter "orte_base_help_aggregate" to 0 to see all ..."
  };
  return std::any_of(kNoise.begin(), kNoise.end(), [&](std::string_view n) { return contains(line, n); });
}

std::vector<std::string> MpirunNoise::feed(std::string_view line) {
  if (box_.empty()) {
    if (is_rule(line)) {
      box_.emplace_back(line);
      return {};
    }
    if (is_mpirun_noise_line(line)) return {};
    return {std::string(line)};
  }
  box_.emplace_back(line);
  if (!is_rule(line)) {
    // A box is at most a screenful; a longer run of lines without the closing rule is not a box.
    if (box_.size() < 64) return {};
    return flush();
  }
  std::vector<std::string> out;
  if (!is_noise_box(box_)) out = std::move(box_);
  box_.clear();
  return out;
}

std::vector<std::string> MpirunNoise::flush() {
  std::vector<std::string> out = std::move(box_);
  box_.clear();
  return out;
}

}  // namespace dflow::launch
