#pragma once
// Who works on which brick: a queue on rank 0 that hands bricks to ranks as they become free.
//
// Dynamic schedule (the default): the bricks to do are queued most expensive first (the stage's
// expected cost, by default the brick's voxels; ties in Z-order), and every rank -- rank 0 too --
// takes the next one when it is free. A dense corner of the volume then costs the ranks that happen to
// be free, not the one the plan gave it to, and the ranks finish within about one brick of each other.
// Static schedule (DFLOW_BRICK_SCHEDULE=static): each rank gets assign_all()'s share (bricks.hpp), as
// before; kept for comparison (bench/bench_brick_schedule.py).
//
// Rank 0 runs a dispatcher thread on its own communicator (MPI_Comm_dup): it answers other ranks'
// requests and hears "brick done (voxels, seconds)", which also feeds the global progress lines (a
// ProgressTally) and each rank's busy time. Rank 0's main thread takes bricks in-process. The thread
// polls with MPI_Iprobe and short sleeps, so it neither spins a core nor ever makes a rank wait for
// rank 0's main thread. A rank starts with one brick; from then on it keeps ids of bricks beyond the one
// it works on at hand (asked for ahead, so the answer is there when it finishes): one for long bricks,
// as many as cover 0.1 s for short ones
// (up to 16; on a busy node rank 0's thread may wait milliseconds for a core). A rank holding h bricks
// gets another only while more than h bricks per rank are queued: near the end bricks go to free ranks.
//
// A rank asked to stop (a signal) calls stop(): the dispatcher hands out nothing more to anyone, so
// every rank ends after its current brick.
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <mpi.h>

#include "mpi/bricks.hpp"
#include "mpi/progress.hpp"

namespace dflow::mpi {

enum class Schedule { dynamic, fixed };
// DFLOW_BRICK_SCHEDULE: "dynamic" (default, also when unset) or "static"; anything else throws.
Schedule schedule_from_env();
const char* schedule_name(Schedule s);  // "dynamic", "static"

struct QueueSummary {         // on rank 0, after finish()
  std::vector<uint64_t> bricks;     // per rank, processed in this run
  std::vector<double> busy;         // per rank, seconds spent in bricks
  uint64_t processed = 0, voxels = 0;
  double max_over_mean_busy() const;  // 1 = perfectly even (0 if nothing was done)
  // "busy seconds per rank: max 12.3, mean 12.1, min 11.9 (max/mean 1.02) ..." for the end of a run.
  std::string describe() const;
};

class BrickQueue {
 public:
  // Collective. `todo`: the bricks of this run; `cost`: expected cost of a brick (empty: voxels).
  // `progress` (used on rank 0 only) receives every finished brick.
  BrickQueue(MPI_Comm comm, const std::vector<Brick>& todo, Schedule schedule, ProgressTally& progress,
             const std::function<double(const Brick&)>& cost = {});
  // Not collective: unwinding from an exception stops rank 0's thread without waiting for anyone.
  ~BrickQueue();
  BrickQueue(const BrickQueue&) = delete;
  BrickQueue& operator=(const BrickQueue&) = delete;

  // This rank's next brick id, or nullopt when there is none left for it (or the run was stopped).
  // Waits (without spinning) only when no brick is at hand.
  std::optional<uint64_t> next();
  // The brick after the one this rank works on, if one can be had right now (never waits): for reading
  // it while the current one is computed. nullopt does not mean the end; next() tells that.
  std::optional<uint64_t> try_next();
  // This rank finished brick `id` (call before next()).
  void done(uint64_t id, uint64_t voxels, double seconds);
  // This rank was asked to stop by `signal`: no more bricks for anyone.
  void stop(int signal);
  // Collective: every rank has left its loop. Returns the summary on rank 0 (empty elsewhere).
  QueueSummary finish();

  // Rank 0: the static shares, bricks per rank (for the timing records); empty with the dynamic schedule.
  const std::vector<uint64_t>& static_counts() const { return static_counts_; }

 private:
  struct Dispatcher;
  MPI_Comm comm_ = MPI_COMM_NULL;
  int rank_ = 0, nranks_ = 1;
  bool finished_ = false;
  std::vector<uint64_t> static_counts_;
  std::unique_ptr<Dispatcher> dispatcher_;  // rank 0
  // Other ranks: ids received and not yet handed to the caller, answers still owed by rank 0.
  std::vector<uint64_t> ready_;
  int owed_ = 0;
  int window_ = 2;  // ids to keep at hand (received or asked for)
  uint64_t done_count_ = 0;
  double done_seconds_ = 0;
  bool exhausted_ = false;
  bool posted_ = false;
  uint64_t reply_ = 0;
  MPI_Request reply_request_ = MPI_REQUEST_NULL;
  void send_to_root(uint64_t kind, uint64_t want, uint64_t id, uint64_t voxels, double seconds);
  // Receives one owed answer (waiting for it, or only if it is there); false if none came.
  bool poll_reply(bool wait);
};

}  // namespace dflow::mpi
