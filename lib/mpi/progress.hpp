#pragma once
// Progress over ALL ranks, counted on rank 0 and never waited for by any rank:
//
//   progress: 37/120 bricks (30.8%), 41.2 Mvox/s, elapsed 0:00:12, ETA 0:00:27
//
// ProgressTally is the counter (rank 0, thread-safe): it logs a line when the count crosses a 5% step,
// and when `interval` seconds passed since the last line and something was done meanwhile.
//
// GlobalProgress feeds one from every rank: rank 0 runs a thread that receives the other ranks'
// counts on a communicator of its own (MPI_Comm_dup) and ticks the tally, so a line appears on time
// even while rank 0's main thread computes. Other ranks send their counts with MPI_Isend (batched to
// at most one message per 0.1 s) and never wait for an answer. (It replaces an MPI window on rank 0
// updated with passive-target MPI_Fetch_and_op: with Open MPI over TCP, which has no progress thread,
// a rank's lock waited until rank 0 next entered MPI -- a whole brick.)
//
// The brick runner does not use GlobalProgress: its dispatcher thread (brick_queue.hpp) already hears
// of every finished brick and feeds a ProgressTally itself.
#include <atomic>
#include <chrono>
#include <cstdint>
#include <exception>
#include <list>
#include <mutex>
#include <string>
#include <thread>

#include <mpi.h>

namespace dflow::mpi {

class ProgressTally {
 public:
  ProgressTally(uint64_t total, uint64_t total_voxels, std::string label = "progress", double interval_seconds = 10.0,
                int steps = 20, std::string unit = "bricks");
  // Adds `n` done units of `voxels` voxels in total; logs a line at a step or after the interval.
  void add(uint64_t n, uint64_t voxels);
  // Logs a line if the interval passed since the last one and the count changed since.
  void tick();
  // Logs the final line ("done 120/120 bricks, ...", or "nothing to do").
  void log_final();
  std::pair<uint64_t, uint64_t> totals() const;
  double elapsed() const;

 private:
  void log_line_locked(double now);
  mutable std::mutex mu_;
  uint64_t total_, total_voxels_;
  std::string label_, unit_;
  double interval_;
  int steps_;
  std::chrono::steady_clock::time_point start_;
  uint64_t done_ = 0, voxels_ = 0;
  uint64_t done_at_line_ = 0;
  double last_line_ = 0;
};

class GlobalProgress {
 public:
  // Collective. `total_bricks`/`total_voxels`: the work of this run (skipped bricks excluded).
  GlobalProgress(MPI_Comm comm, uint64_t total_bricks, uint64_t total_voxels, std::string label = "progress",
                 double interval_seconds = 10.0, int steps = 20, std::string unit = "bricks");
  // Calls finish() if it was not called (collective then too), unless an exception is unwinding:
  // then rank 0's thread is stopped and nothing collective happens (MPI_Abort follows).
  ~GlobalProgress();
  GlobalProgress(const GlobalProgress&) = delete;
  GlobalProgress& operator=(const GlobalProgress&) = delete;

  // Not collective, never waits for another rank: this rank finished one unit of `voxels` voxels.
  // Returns how many units this rank has reported so far.
  uint64_t brick_done(uint64_t voxels);
  // Collective: sends what is left, logs the final line on rank 0. Returns the global (units, voxels).
  std::pair<uint64_t, uint64_t> finish();

  // Formatting helpers (public for tests).
  static std::string format_duration(double seconds);  // "1:02:03"
  static std::string format_line(const std::string& label, uint64_t done, uint64_t total, uint64_t voxels_done,
                                 uint64_t voxels_total, double elapsed, const std::string& unit = "bricks");

 private:
  struct Pending {
    uint64_t counts[2];
    MPI_Request request;
  };
  void send(int tag);
  void serve();  // rank 0's thread
  MPI_Comm comm_ = MPI_COMM_NULL;
  int rank_ = 0, nranks_ = 1;
  ProgressTally tally_;
  bool finished_ = false;
  // Other ranks: counts not yet sent, and sends in flight.
  uint64_t unsent_ = 0, unsent_voxels_ = 0, reported_ = 0;
  std::chrono::steady_clock::time_point last_send_;
  std::list<Pending> in_flight_;
  // Rank 0: the receiving thread.
  std::thread thread_;
  std::atomic<bool> abandon_{false};
  std::exception_ptr thread_error_;
};

}  // namespace dflow::mpi
