#pragma once
// Timing records of brick phases, written while a stage runs and read by `launchflow --status`,
// launchflow's end-of-run phase timings and report.html. Plain tab-separated lines, appended with one
// write() each (O_APPEND), so a reader never needs the writer to have finished:
//
//   <exec-dir>/progress/phases.tsv      (rank 0; one "start" and, unless killed, one "end" per phase run)
//     start <phase> <unix time> <ranks> <bricks in plan> <bricks to do> <voxels to do> <schedule>
//       <schedule>: "dynamic" (rank 0's brick queue hands bricks to whichever rank is free), or the fixed
//       shares of the static schedule, bricks per rank comma-separated
//     end   <phase> <unix time> <done|interrupted> <bricks processed>
//   <exec-dir>/progress/<phase>.rank<R>.tsv   (each rank; one line per finished brick)
//     <unix time> <brick id> <voxels> <seconds the brick took>
//
// Times are wall-clock seconds since the epoch (system_clock), so ranks on different hosts agree as
// well as their clocks do. A resumed phase appends a new "start"; readers take the last one.
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace dflow::mpi {

double unix_now();

struct PhaseRecord {
  std::string phase;
  double start = 0;
  double end = 0;          // 0 while running (or if killed)
  std::string status;      // "done", "interrupted", or "" (no end line)
  int ranks = 0;
  uint64_t plan_bricks = 0, todo_bricks = 0, todo_voxels = 0, processed = 0;
  std::string schedule = "static";  // or "dynamic"
  std::vector<uint64_t> assigned;  // static schedule: bricks per rank in this run; dynamic: empty
};

struct BrickRecord {
  double time = 0;  // when it finished
  int rank = 0;
  uint64_t brick = 0, voxels = 0;
  double seconds = 0;
};

// Writer, one per rank and phase run (not collective; rank 0 also writes phases.tsv).
class RunLog {
 public:
  RunLog(const std::filesystem::path& exec_dir, std::string phase, int rank);
  ~RunLog();
  RunLog(const RunLog&) = delete;
  RunLog& operator=(const RunLog&) = delete;

  void start(int ranks, uint64_t plan_bricks, uint64_t todo_bricks, uint64_t todo_voxels,
             const std::vector<uint64_t>& assigned);                 // rank 0; assigned empty = dynamic
  void brick(uint64_t id, uint64_t voxels, double seconds);          // every rank
  void end(const std::string& status, uint64_t processed);           // rank 0

 private:
  std::filesystem::path dir_;
  std::string phase_;
  int rank_;
  int fd_ = -1;
};

// Every phase run in file order (a phase resumed twice appears three times). Missing file: empty.
std::vector<PhaseRecord> read_phases(const std::filesystem::path& exec_dir);
// The brick lines of `phase` from every rank's file finished at or after `since`, sorted by time.
std::vector<BrickRecord> read_brick_records(const std::filesystem::path& exec_dir, const std::string& phase,
                                            double since = 0);

}  // namespace dflow::mpi
