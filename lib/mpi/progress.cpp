#include "mpi/progress.hpp"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "core/duration.hpp"
#include "core/error.hpp"
#include "core/log.hpp"
#include "mpi/mpi_env.hpp"

namespace dflow::mpi {

namespace {
constexpr int kTagCounts = 1;  // {units, voxels} from a rank that goes on
constexpr int kTagFinal = 2;   // the same, the rank's last message
constexpr double kSendInterval = 0.1;
}  // namespace

// ---- ProgressTally ----

ProgressTally::ProgressTally(uint64_t total, uint64_t total_voxels, std::string label, double interval_seconds, int steps,
                             std::string unit)
    : total_(total), total_voxels_(total_voxels), label_(std::move(label)), unit_(std::move(unit)),
      interval_(interval_seconds), steps_(steps > 0 ? steps : 20), start_(std::chrono::steady_clock::now()) {}

double ProgressTally::elapsed() const {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
}

void ProgressTally::log_line_locked(double now) {
  log::info("{}", GlobalProgress::format_line(label_, done_, total_, voxels_, total_voxels_, now, unit_));
  last_line_ = now;
  done_at_line_ = done_;
}

void ProgressTally::add(uint64_t n, uint64_t voxels) {
  if (n == 0 && voxels == 0) return;
  std::lock_guard lock(mu_);
  const uint64_t before = done_;
  done_ += n;
  voxels_ += voxels;
  const auto step_of = [&](uint64_t k) { return total_ ? k * uint64_t(steps_) / total_ : 0; };
  const double now = elapsed();
  // The 100% line is log_final()'s.
  if (done_ < total_ && (step_of(done_) > step_of(before) || now - last_line_ >= interval_)) log_line_locked(now);
}

void ProgressTally::tick() {
  std::lock_guard lock(mu_);
  const double now = elapsed();
  if (done_ < total_ && done_ != done_at_line_ && now - last_line_ >= interval_) log_line_locked(now);
}

void ProgressTally::log_final() {
  std::lock_guard lock(mu_);
  const double secs = elapsed();
  if (total_ == 0)
    log::info("{}: nothing to do (all {} were done by an earlier run)", label_, unit_);
  else
    log::info("{}: done {}/{} {}, {:.3f} Gvox in {} ({:.1f} Mvox/s)", label_, done_, total_, unit_, double(voxels_) / 1e9,
              GlobalProgress::format_duration(secs), secs > 0 ? double(voxels_) / secs / 1e6 : 0.0);
}

std::pair<uint64_t, uint64_t> ProgressTally::totals() const {
  std::lock_guard lock(mu_);
  return {done_, voxels_};
}

// ---- GlobalProgress ----

GlobalProgress::GlobalProgress(MPI_Comm comm, uint64_t total_bricks, uint64_t total_voxels, std::string label,
                               double interval_seconds, int steps, std::string unit)
    : tally_(total_bricks, total_voxels, std::move(label), interval_seconds, steps, std::move(unit)) {
  check(MPI_Comm_dup(comm, &comm_), "MPI_Comm_dup (progress)");
  check(MPI_Comm_rank(comm_, &rank_), "MPI_Comm_rank");
  check(MPI_Comm_size(comm_, &nranks_), "MPI_Comm_size");
  last_send_ = std::chrono::steady_clock::now();
  if (rank_ == 0 && nranks_ > 1) thread_ = std::thread([this] { serve(); });
}

GlobalProgress::~GlobalProgress() {
  if (finished_) return;
  if (std::uncaught_exceptions() == 0) {
    try {
      finish();
      return;
    } catch (const std::exception& e) {
      log::error("{}", e.what());
    }
  }
  // Unwinding: nothing collective; stop the thread, let go of the sends (MPI_Abort follows).
  abandon_ = true;
  if (thread_.joinable()) thread_.join();
  for (Pending& p : in_flight_) MPI_Request_free(&p.request);
}

void GlobalProgress::serve() {
  try {
    int finals = 0;
    PollBackoff backoff;
    while (finals < nranks_ - 1 && !abandon_) {
      int flag = 0;
      MPI_Status st;
      check(MPI_Iprobe(MPI_ANY_SOURCE, MPI_ANY_TAG, comm_, &flag, &st), "MPI_Iprobe (progress)");
      if (!flag) {
        tally_.tick();
        backoff.sleep();
        continue;
      }
      uint64_t counts[2] = {0, 0};
      check(MPI_Recv(counts, 2, MPI_UINT64_T, st.MPI_SOURCE, st.MPI_TAG, comm_, MPI_STATUS_IGNORE), "MPI_Recv (progress)");
      tally_.add(counts[0], counts[1]);
      if (st.MPI_TAG == kTagFinal) ++finals;
      backoff.reset();
    }
  } catch (...) {
    thread_error_ = std::current_exception();
  }
}

void GlobalProgress::send(int tag) {
  in_flight_.push_back({{unsent_, unsent_voxels_}, MPI_REQUEST_NULL});
  Pending& p = in_flight_.back();
  check(MPI_Isend(p.counts, 2, MPI_UINT64_T, 0, tag, comm_, &p.request), "MPI_Isend (progress)");
  unsent_ = unsent_voxels_ = 0;
  last_send_ = std::chrono::steady_clock::now();
  // Forget the sends that completed.
  for (auto it = in_flight_.begin(); it != in_flight_.end();) {
    int flag = 0;
    check(MPI_Test(&it->request, &flag, MPI_STATUS_IGNORE), "MPI_Test (progress)");
    it = flag ? in_flight_.erase(it) : std::next(it);
  }
}

uint64_t GlobalProgress::brick_done(uint64_t voxels) {
  ++reported_;
  if (rank_ == 0) {
    tally_.add(1, voxels);
    return reported_;
  }
  ++unsent_;
  unsent_voxels_ += voxels;
  if (std::chrono::duration<double>(std::chrono::steady_clock::now() - last_send_).count() >= kSendInterval)
    send(kTagCounts);
  return reported_;
}

std::pair<uint64_t, uint64_t> GlobalProgress::finish() {
  if (finished_) fail("progress: finish() called twice");
  finished_ = true;
  if (rank_ != 0) {
    send(kTagFinal);
    for (Pending& p : in_flight_) wait_polling(p.request, "MPI_Isend (progress)");
    in_flight_.clear();
  } else if (thread_.joinable()) {
    thread_.join();
    if (thread_error_) std::rethrow_exception(thread_error_);
  }
  uint64_t counts[2] = {0, 0};
  if (rank_ == 0) {
    tally_.log_final();
    std::tie(counts[0], counts[1]) = tally_.totals();
  }
  check(MPI_Bcast(counts, 2, MPI_UINT64_T, 0, comm_), "MPI_Bcast (progress)");
  check(MPI_Comm_free(&comm_), "MPI_Comm_free (progress)");
  return {counts[0], counts[1]};
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

}  // namespace dflow::mpi
