#include "mpi/brick_runner.hpp"

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <thread>
#include <utility>

#include <fmt/format.h>

#include "core/error.hpp"
#include "core/files.hpp"
#include "core/log.hpp"
#include "mpi/gather.hpp"
#include "mpi/journal.hpp"
#include "mpi/mpi_env.hpp"
#include "mpi/brick_queue.hpp"
#include "mpi/progress.hpp"
#include "mpi/run_log.hpp"
#include "mpi/stop_request.hpp"

namespace dflow::mpi {

std::filesystem::path brick_result_path(const std::filesystem::path& exec_dir, const std::string& stage, uint64_t id) {
  return exec_dir / "bricks" / stage / fmt::format("{}.bin", id);
}

namespace {

int64_t env_count(const char* name, int64_t unset) {
  const char* v = std::getenv(name);
  if (!v || !*v) return unset;
  char* end = nullptr;
  const long long n = std::strtoll(v, &end, 10);
  if (*end != '\0' || n < 0) fail("{}={}: not a non-negative integer", name, v);
  return n;
}

}  // namespace

int64_t fail_after_bricks_hook() { return env_count("DFLOW_FAIL_AFTER_BRICKS", -1); }
int64_t brick_delay_ms_hook() { return env_count("DFLOW_BRICK_DELAY_MS", 0); }

BrickRunResult run_bricks(MPI_Comm comm, const BrickPlan& plan, const BrickRunOptions& opt, const BrickFn& fn) {
  int rank = 0, nranks = 1;
  check(MPI_Comm_rank(comm, &rank), "MPI_Comm_rank");
  check(MPI_Comm_size(comm, &nranks), "MPI_Comm_size");
  const int64_t fail_after = fail_after_bricks_hook();
  const int64_t delay_ms = brick_delay_ms_hook();

  Journal journal(comm, opt.exec_dir, opt.stage, opt.signature);
  // A brick journaled as done whose result file is gone (a crash on a file system that lost the
  // rename, or a hand-deleted file) is redone rather than aborting the resume. Rank 0 looks, so
  // every rank agrees on the plan.
  std::vector<uint64_t> lost;
  if (rank == 0)
    for (const Brick& b : plan.bricks)
      if (journal.is_done(b.id) && !std::filesystem::exists(brick_result_path(opt.exec_dir, opt.stage, b.id)))
        lost.push_back(b.id);
  broadcast(comm, lost, 0);
  if (rank == 0 && !lost.empty())
    log::warn("{}: {} bricks are journaled as done but their result files are missing (first: {}); redoing them",
              opt.stage, lost.size(), brick_result_path(opt.exec_dir, opt.stage, lost.front()).string());
  const auto is_done = [&](uint64_t id) {
    return journal.is_done(id) && !std::binary_search(lost.begin(), lost.end(), id);
  };
  std::vector<Brick> todo;
  uint64_t todo_voxels = 0;
  for (const Brick& b : plan.bricks)
    if (!is_done(b.id)) {
      todo.push_back(b);
      todo_voxels += uint64_t(b.voxels());
    }
  BrickRunResult out;
  out.skipped = plan.bricks.size() - todo.size();
  const Schedule schedule = opt.schedule ? *opt.schedule : schedule_from_env();
  if (rank == 0) {
    if (out.skipped > 0)
      log::info("{}: resuming: skipping {} of {} bricks already done (journal in {})", opt.stage, out.skipped,
                plan.bricks.size(), (opt.exec_dir / "journal").string());
    log::info("{}: {} bricks to process on {} ranks ({} schedule)", opt.stage, todo.size(), nranks, schedule_name(schedule));
  }

  ProgressTally progress(todo.size(), todo_voxels, opt.stage, opt.progress_interval);
  BrickQueue queue(comm, todo, schedule, progress, opt.cost);
  RunLog timing(opt.exec_dir, opt.stage, rank);
  if (rank == 0) timing.start(nranks, plan.bricks.size(), todo.size(), todo_voxels, queue.static_counts());
  std::vector<Blob> local;
  int64_t done_here = 0;
  double busy_here = 0;
  const auto stopping = [&] {
    const int sig = stop_signal();
    if (!sig) return false;
    log::warn("{}: {} received: starting no new brick ({} done by this rank)", opt.stage, signal_name(sig), done_here);
    queue.stop(sig);
    return true;
  };
  std::optional<uint64_t> ahead;  // the next brick, being read while the current one is processed
  while (!stopping()) {
    const std::optional<uint64_t> id = ahead ? std::exchange(ahead, std::nullopt) : queue.next();
    if (!id || stopping()) break;
    if (fail_after >= 0 && done_here >= fail_after)
      fail("{}: DFLOW_FAIL_AFTER_BRICKS={}: simulated failure after {} bricks (test hook)", opt.stage, fail_after,
           done_here);
    // Reading ahead starts with the second brick, as the other ranks' queue windows do (brick_queue.hpp).
    if (opt.read_ahead && done_here > 0 && (ahead = queue.try_next())) opt.read_ahead(plan.bricks[*ahead]);
    const Brick& b = plan.bricks[*id];
    const auto t0 = std::chrono::steady_clock::now();
    if (delay_ms > 0) std::this_thread::sleep_for(std::chrono::milliseconds(delay_ms));
    Blob blob{*id, fn(b)};
    write_file_durable(brick_result_path(opt.exec_dir, opt.stage, *id), blob.data);
    journal.record(*id);
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    timing.brick(*id, uint64_t(b.voxels()), seconds);
    local.push_back(std::move(blob));
    queue.done(*id, uint64_t(b.voxels()), seconds);
    ++done_here;
    busy_here += seconds;
  }
  // One line per rank (which host did what shows in output.log; rank 0 sums them up below).
  if (!todo.empty()) log::info("{}: this rank did {} brick{} in {:.2f} s", opt.stage, done_here, done_here == 1 ? "" : "s", busy_here);
  out.balance = queue.finish();
  // Collective: every rank learns how many bricks were done and whether any rank was asked to stop.
  out.processed = allreduce_sum(comm, uint64_t(done_here));
  const uint64_t stop = allreduce_max(comm, uint64_t(stop_signal()));
  if (rank == 0) {
    progress.log_final();
    if (out.processed > 0)
      log::info("{}: {} schedule, {}", opt.stage, schedule_name(schedule), out.balance.describe());
  }
  if (out.processed < todo.size()) {
    if (rank == 0) timing.end("interrupted", out.processed);
    if (!stop) fail("{}: {} of {} bricks were processed, and no rank was asked to stop", opt.stage, out.processed, todo.size());
    throw StopRequested(fmt::format(
        "{}: interrupted by {} after {} of {} bricks ({} in this run); the journal holds every finished brick: run "
        "the stage again in {} to resume",
        opt.stage, signal_name(int(stop)), out.skipped + out.processed, plan.bricks.size(), out.processed,
        opt.exec_dir.string()));
  }
  if (rank == 0) timing.end("done", out.processed);

  std::vector<Blob> gathered = gather_blobs(comm, local, 0);
  if (rank != 0) return out;

  // Merge with the results of earlier runs, in id order.
  out.results.reserve(plan.bricks.size());
  size_t g = 0;
  for (const Brick& b : plan.bricks) {
    if (g < gathered.size() && gathered[g].id == b.id) {
      out.results.push_back(std::move(gathered[g++]));
    } else if (is_done(b.id)) {
      const auto path = brick_result_path(opt.exec_dir, opt.stage, b.id);
      auto data = read_file_if_exists(path);
      if (!data) fail("{}: result of brick {} is missing although the journal lists it as done", path.string(), b.id);
      out.results.push_back({b.id, std::move(*data)});
    } else {
      fail("{}: brick {} was neither processed nor found in the journal", opt.stage, b.id);
    }
  }
  if (g != gathered.size()) fail("{}: {} results for bricks outside the plan", opt.stage, gathered.size() - g);
  return out;
}

}  // namespace dflow::mpi
