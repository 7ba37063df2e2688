#include "mpi/progress.hpp"

#include <algorithm>
#include <cmath>
#include <exception>

#include <fmt/format.h>

#include "core/duration.hpp"
#include "core/log.hpp"
#include "mpi/mpi_env.hpp"

namespace dflow::mpi {

namespace {
// Window layout on rank 0 (uint64 slots).
constexpr MPI_Aint kBricks = 0, kVoxels = 1, kLastReportMs = 2;
constexpr int kSlots = 3;
}  // namespace

GlobalProgress::GlobalProgress(MPI_Comm comm, uint64_t total_bricks, uint64_t total_voxels, std::string label,
                               double interval_seconds, int steps, std::string unit)
    : comm_(comm), total_bricks_(total_bricks), total_voxels_(total_voxels), label_(std::move(label)), unit_(std::move(unit)),
      interval_(interval_seconds), steps_(steps > 0 ? steps : 20) {
  check(MPI_Comm_rank(comm_, &rank_), "MPI_Comm_rank");
  const MPI_Aint bytes = rank_ == 0 ? kSlots * MPI_Aint(sizeof(uint64_t)) : 0;
  check(MPI_Win_allocate(bytes, sizeof(uint64_t), MPI_INFO_NULL, comm_, &base_, &win_), "MPI_Win_allocate (progress)");
  if (rank_ == 0) {
    check(MPI_Win_lock(MPI_LOCK_EXCLUSIVE, 0, 0, win_), "MPI_Win_lock");
    for (int i = 0; i < kSlots; ++i) base_[i] = 0;
    check(MPI_Win_unlock(0, win_), "MPI_Win_unlock");
  }
  // Everyone starts the clock together, so elapsed times agree across ranks to within a barrier.
  check(MPI_Barrier(comm_), "MPI_Barrier (progress)");
  start_ = std::chrono::steady_clock::now();
}

GlobalProgress::~GlobalProgress() {
  // MPI_Win_free is collective: while unwinding from an error on this rank the others will never
  // join it, so the window is left to MPI_Abort.
  if (win_ != MPI_WIN_NULL && std::uncaught_exceptions() == 0) MPI_Win_free(&win_);
}

double GlobalProgress::elapsed() const {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
}

std::string GlobalProgress::format_duration(double seconds) { return dflow::format_duration(seconds); }

std::string GlobalProgress::format_line(const std::string& label, uint64_t done, uint64_t total, uint64_t voxels_done,
                                        uint64_t voxels_total, double elapsed, const std::string& unit) {
  const double pct = total ? 100.0 * double(done) / double(total) : 100.0;
  const double rate = elapsed > 0 ? double(voxels_done) / elapsed : 0.0;
  // ETA from voxels, not bricks: partial edge bricks are cheaper than full ones.
  const std::string eta = voxels_done > 0 && rate > 0 ? format_duration(double(voxels_total - std::min(voxels_done, voxels_total)) / rate) : "?";
  return fmt::format("{}: {}/{} {} ({:.1f}%), {:.1f} Mvox/s, elapsed {}, ETA {}", label, done, total, unit, pct,
                     rate / 1e6, format_duration(elapsed), eta);
}

uint64_t GlobalProgress::brick_done(uint64_t voxels) {
  const uint64_t one = 1;
  const uint64_t now_ms = static_cast<uint64_t>(elapsed() * 1000.0);
  uint64_t old_bricks = 0, old_voxels = 0, last_ms = 0, ignored = 0;
  check(MPI_Win_lock(MPI_LOCK_SHARED, 0, 0, win_), "MPI_Win_lock (progress)");
  MPI_Fetch_and_op(&one, &old_bricks, MPI_UINT64_T, 0, kBricks, MPI_SUM, win_);
  MPI_Fetch_and_op(&voxels, &old_voxels, MPI_UINT64_T, 0, kVoxels, MPI_SUM, win_);
  MPI_Fetch_and_op(nullptr, &last_ms, MPI_UINT64_T, 0, kLastReportMs, MPI_NO_OP, win_);
  check(MPI_Win_flush(0, win_), "MPI_Win_flush (progress)");
  const uint64_t done = old_bricks + 1, vox = old_voxels + voxels;
  const auto step_of = [&](uint64_t n) { return total_bricks_ ? n * uint64_t(steps_) / total_bricks_ : 0; };
  bool report = step_of(done) > step_of(old_bricks) && done < total_bricks_;  // the 100% line is finish()'s
  if (report) {
    MPI_Fetch_and_op(&now_ms, &ignored, MPI_UINT64_T, 0, kLastReportMs, MPI_MAX, win_);
  } else if (double(now_ms - std::min(now_ms, last_ms)) >= interval_ * 1000.0 && done < total_bricks_) {
    // Claim the time-based report by raising the slot with MPI_MAX: only the rank that still finds
    // the old (stale) value reports. (Not MPI_Compare_and_swap: Open MPI 4.1's vader BTL crashes in
    // its emulated 64-bit CAS, open-mpi/ompi#7967, #11349.)
    uint64_t seen = 0;
    MPI_Fetch_and_op(&now_ms, &seen, MPI_UINT64_T, 0, kLastReportMs, MPI_MAX, win_);
    check(MPI_Win_flush(0, win_), "MPI_Win_flush (progress)");
    report = double(now_ms - std::min(now_ms, seen)) >= interval_ * 1000.0;
  }
  check(MPI_Win_unlock(0, win_), "MPI_Win_unlock (progress)");
  if (report) log::info("{}", format_line(label_, done, total_bricks_, vox, total_voxels_, elapsed(), unit_));
  return done;
}

std::pair<uint64_t, uint64_t> GlobalProgress::finish() {
  check(MPI_Barrier(comm_), "MPI_Barrier (progress)");
  const double secs = elapsed();
  uint64_t counts[2] = {0, 0};
  if (rank_ == 0) {
    check(MPI_Win_lock(MPI_LOCK_SHARED, 0, 0, win_), "MPI_Win_lock (progress)");
    counts[0] = base_[kBricks];
    counts[1] = base_[kVoxels];
    check(MPI_Win_unlock(0, win_), "MPI_Win_unlock (progress)");
    if (total_bricks_ == 0)
      log::info("{}: nothing to do (all {} were done by an earlier run)", label_, unit_);
    else
      log::info("{}: done {}/{} {}, {:.3f} Gvox in {} ({:.1f} Mvox/s)", label_, counts[0], total_bricks_, unit_,
                double(counts[1]) / 1e9, format_duration(secs), secs > 0 ? double(counts[1]) / secs / 1e6 : 0.0);
  }
  check(MPI_Bcast(counts, 2, MPI_UINT64_T, 0, comm_), "MPI_Bcast (progress)");
  check(MPI_Win_free(&win_), "MPI_Win_free (progress)");
  win_ = MPI_WIN_NULL;
  return {counts[0], counts[1]};
}

}  // namespace dflow::mpi
