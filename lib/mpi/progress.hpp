#pragma once
// Progress over ALL ranks without a coordinator thread: rank 0 exposes counters in an MPI window
// (MPI_Win_allocate) and every rank adds to them with MPI_Fetch_and_op under a passive-target lock
// when it finishes a brick. The rank whose increment crosses a 5% step, or finds that nobody has
// reported for `interval` seconds, logs one line:
//   progress: 37/120 bricks (30.8%), 41.2 Mvox/s, elapsed 0:00:12, ETA 0:00:27
// finish() (collective) logs the totals on rank 0.
#include <chrono>
#include <cstdint>
#include <string>

#include <mpi.h>

namespace dflow::mpi {

class GlobalProgress {
 public:
  // Collective. `total_bricks`/`total_voxels`: the work of this run (skipped bricks excluded).
  GlobalProgress(MPI_Comm comm, uint64_t total_bricks, uint64_t total_voxels, std::string label = "progress",
                 double interval_seconds = 10.0, int steps = 20, std::string unit = "bricks");
  ~GlobalProgress();  // frees the window if finish() was not called (collective then too)
  GlobalProgress(const GlobalProgress&) = delete;
  GlobalProgress& operator=(const GlobalProgress&) = delete;

  // Not collective: called by the rank that finished a brick of `voxels` voxels.
  // Returns the global brick count after this increment.
  uint64_t brick_done(uint64_t voxels);
  // Collective: waits for all ranks, logs the final line on rank 0, frees the window.
  // Returns the global (bricks, voxels) done.
  std::pair<uint64_t, uint64_t> finish();

  // Formatting helpers (public for tests).
  static std::string format_duration(double seconds);  // "1:02:03"
  static std::string format_line(const std::string& label, uint64_t done, uint64_t total, uint64_t voxels_done,
                                 uint64_t voxels_total, double elapsed, const std::string& unit = "bricks");

 private:
  double elapsed() const;
  MPI_Comm comm_;
  MPI_Win win_ = MPI_WIN_NULL;
  uint64_t* base_ = nullptr;
  int rank_ = 0;
  uint64_t total_bricks_, total_voxels_;
  std::string label_;
  std::string unit_;  // what is counted: "bricks", or e.g. "supervoxels" for a stage's per-object phase
  double interval_;
  int steps_;
  std::chrono::steady_clock::time_point start_;
};

}  // namespace dflow::mpi
