#pragma once
// The loop every brick-parallel stage shares: skip bricks the journal says are done, process the rest
// as rank 0's brick queue hands them out (mpi/brick_queue.hpp: most expensive first to whichever rank
// is free; DFLOW_BRICK_SCHEDULE=static for the fixed shares of assign_all), store each result durably,
// report global progress, and collect all results (this run's and earlier runs') on rank 0 in brick-id
// order. Any rank may process any brick: results are files, the journal is one file per rank and rank 0
// reads them all, so neither depends on who did what. At the end rank 0 logs every rank's busy time
// and the max/mean ratio (how evenly the work was spread).
//
// Durability and resume: a brick's result blob is written to <exec-dir>/bricks/<stage>/<id>.bin
// (atomic rename) BEFORE its id goes into the journal, so every journaled brick has a complete
// result file. A resumed run gathers its own results with MPI_Gatherv and rank 0 reads the earlier
// ones from those files, so the final result list is identical to an uninterrupted run's.
//
// Stopping (mpi/stop_request.hpp): a rank asked to stop by a signal starts no new brick and tells the
// queue, which hands out no more to anyone; once every rank has left its loop, all throw StopRequested
// together (the journal holds every finished brick).
// Every finished brick is also timed in <exec-dir>/progress/ (mpi/run_log.hpp) for launchflow.
//
// Test hooks: with DFLOW_FAIL_AFTER_BRICKS=N in the environment, a rank that has journaled N bricks
// in this run throws instead of starting its next one (simulates a crash; the tests resume from it).
// DFLOW_BRICK_DELAY_MS=M makes every brick take M ms longer (lets tests signal a run mid-stage).
#include <cstdint>
#include <filesystem>
#include <functional>
#include <future>
#include <string>
#include <vector>

#include <mpi.h>

#include <optional>

#include "mpi/brick_queue.hpp"
#include "mpi/bricks.hpp"
#include "mpi/gather.hpp"

namespace dflow::mpi {

struct BrickRunOptions {
  std::filesystem::path exec_dir;
  std::string stage;          // names the journal and the result directory
  std::string signature;      // plan + options that change results; journals of another signature are refused
  double progress_interval = 10.0;
  std::optional<Schedule> schedule;                // unset: DFLOW_BRICK_SCHEDULE (default dynamic)
  std::function<double(const Brick&)> cost;        // expected cost, most expensive first; empty: voxels
  // Overlap: called with the brick this rank will do next, when it has one, just before fn starts on
  // the current one; it should start reading it and return (run_bricks_overlapped below does that).
  std::function<void(const Brick&)> read_ahead;
};

struct BrickRunResult {
  std::vector<Blob> results;  // on rank 0: one per brick of the plan, sorted by id; empty elsewhere
  uint64_t skipped = 0;       // bricks done by an earlier run
  uint64_t processed = 0;     // bricks processed by this run (all ranks)
  QueueSummary balance;       // on rank 0: bricks and busy seconds per rank in this run
};

using BrickFn = std::function<std::vector<std::byte>(const Brick&)>;

// Collective.
BrickRunResult run_bricks(MPI_Comm comm, const BrickPlan& plan, const BrickRunOptions& options, const BrickFn& fn);

// run_bricks with reading and computing overlapped: `read` of the brick after the current one runs on a
// thread of its own while `process` works on the current one (and waits for its posts), so a rank
// holds at most two bricks: the one being processed and the one being read. Same contract otherwise.
template <typename Loaded>
BrickRunResult run_bricks_overlapped(MPI_Comm comm, const BrickPlan& plan, BrickRunOptions opt,
                                     const std::function<Loaded(const Brick&)>& read,
                                     const std::function<std::vector<std::byte>(const Brick&, Loaded)>& process) {
  std::optional<std::pair<uint64_t, std::future<Loaded>>> ahead;
  opt.read_ahead = [&](const Brick& b) { ahead.emplace(b.id, std::async(std::launch::async, read, std::cref(b))); };
  return run_bricks(comm, plan, opt, [&](const Brick& b) {
    if (ahead && ahead->first == b.id) {
      std::future<Loaded> f = std::move(ahead->second);
      ahead.reset();
      return process(b, f.get());
    }
    return process(b, read(b));
  });
}

std::filesystem::path brick_result_path(const std::filesystem::path& exec_dir, const std::string& stage, uint64_t id);

// Value of DFLOW_FAIL_AFTER_BRICKS (DFLOW_BRICK_DELAY_MS), or -1 (0) if unset.
int64_t fail_after_bricks_hook();
int64_t brick_delay_ms_hook();

}  // namespace dflow::mpi
