#include "mpi/brick_queue.hpp"

#include <algorithm>
#include <cmath>
#include <atomic>
#include <bit>
#include <condition_variable>
#include <cstdlib>
#include <deque>
#include <exception>
#include <mutex>
#include <numeric>
#include <string_view>
#include <thread>

#include <fmt/format.h>

#include "core/error.hpp"
#include "core/log.hpp"
#include "mpi/mpi_env.hpp"
#include "mpi/stop_request.hpp"

namespace dflow::mpi {

namespace {

// Worker -> rank 0: {kind, want, id, voxels, seconds (bits of a double)}; rank 0 -> worker: one id.
constexpr int kTagWorker = 1, kTagGive = 2;
constexpr uint64_t kWant = 1, kDone = 2, kStop = 3, kLeave = 4;
constexpr uint64_t kNone = ~uint64_t{0};
// A rank asks for enough bricks to keep it busy this long, at most kMaxWindow ahead.
constexpr double kCoverSeconds = 0.1;
constexpr int kMaxWindow = 16;

}  // namespace

Schedule schedule_from_env() {
  const char* v = std::getenv("DFLOW_BRICK_SCHEDULE");
  if (!v || !*v || std::string_view(v) == "dynamic") return Schedule::dynamic;
  if (std::string_view(v) == "static") return Schedule::fixed;
  fail("DFLOW_BRICK_SCHEDULE={}: not a brick schedule (dynamic or static)", printable(v));
}

const char* schedule_name(Schedule s) { return s == Schedule::dynamic ? "dynamic" : "static"; }

double QueueSummary::max_over_mean_busy() const {
  if (busy.empty()) return 0;
  const double mean = std::accumulate(busy.begin(), busy.end(), 0.0) / double(busy.size());
  return mean > 0 ? *std::max_element(busy.begin(), busy.end()) / mean : 0;
}

std::string QueueSummary::describe() const {
  if (busy.empty()) return "no ranks";
  const double mean = std::accumulate(busy.begin(), busy.end(), 0.0) / double(busy.size());
  std::string s = fmt::format("busy seconds per rank: max {:.2f}, mean {:.2f}, min {:.2f} (max/mean {:.3f})",
                              *std::max_element(busy.begin(), busy.end()), mean,
                              *std::min_element(busy.begin(), busy.end()), max_over_mean_busy());
  if (busy.size() <= 16) {
    s += "; per rank (bricks, seconds):";
    for (size_t r = 0; r < busy.size(); ++r) s += fmt::format(" {}: {} {:.2f}", r, bricks[r], busy[r]);
  }
  return s;
}

// ---- rank 0 ----

struct BrickQueue::Dispatcher {
  MPI_Comm comm;
  int nranks;
  Schedule schedule;
  ProgressTally& progress;
  std::mutex mu;
  std::condition_variable changed;
  std::deque<uint64_t> shared;                  // dynamic
  std::vector<std::deque<uint64_t>> own;        // static
  std::vector<int> holding, owed;               // per rank: given and not done; requests not answered
  bool stopped = false;
  QueueSummary sum;
  std::thread thread;
  std::atomic<bool> abandon{false};
  std::exception_ptr error;

  Dispatcher(MPI_Comm c, int n, Schedule s, ProgressTally& p) : comm(c), nranks(n), schedule(s), progress(p) {
    own.resize(size_t(n));
    holding.assign(size_t(n), 0);
    owed.assign(size_t(n), 0);
    sum.bricks.assign(size_t(n), 0);
    sum.busy.assign(size_t(n), 0.0);
  }

  std::deque<uint64_t>& queue_of(int r) { return schedule == Schedule::dynamic ? shared : own[size_t(r)]; }

  // Under mu. The next brick for rank r, kNone if there is none, nullopt if r must finish what it holds
  // first (few bricks left: one a free rank could start now must not wait behind another brick).
  std::optional<uint64_t> take(int r) {
    std::deque<uint64_t>& q = queue_of(r);
    if (stopped || q.empty()) return kNone;
    // A rank holding h bricks gets another only while more than h per rank are queued: near the end
    // the bricks go to ranks that are free.
    const size_t h = size_t(holding[size_t(r)]);
    if (schedule == Schedule::dynamic && h > 0 && q.size() <= size_t(nranks) * h) return std::nullopt;
    const uint64_t id = q.front();
    q.pop_front();
    ++holding[size_t(r)];
    return id;
  }

  void record(int r, uint64_t id, uint64_t voxels, double seconds) {
    if (holding[size_t(r)] <= 0) fail("brick queue: rank {} reported brick {} that it was not given", r, id);
    --holding[size_t(r)];
    ++sum.bricks[size_t(r)];
    sum.busy[size_t(r)] += seconds;
    ++sum.processed;
    sum.voxels += voxels;
    progress.add(1, voxels);
  }

  // Under mu: answers rank r's requests that can be answered now (r != 0).
  void serve(int r) {
    while (owed[size_t(r)] > 0) {
      const std::optional<uint64_t> id = take(r);
      if (!id) break;
      --owed[size_t(r)];
      uint64_t v = *id;
      check(MPI_Send(&v, 1, MPI_UINT64_T, r, kTagGive, comm), "MPI_Send (brick queue)");
    }
  }

  void run() {
    try {
      int leaves = 0;
      PollBackoff backoff;
      while (leaves < nranks - 1 && !abandon) {
        int flag = 0;
        MPI_Status st;
        check(MPI_Iprobe(MPI_ANY_SOURCE, kTagWorker, comm, &flag, &st), "MPI_Iprobe (brick queue)");
        if (!flag) {
          progress.tick();
          backoff.sleep();
          continue;
        }
        backoff.reset();
        uint64_t m[5];
        check(MPI_Recv(m, 5, MPI_UINT64_T, st.MPI_SOURCE, kTagWorker, comm, MPI_STATUS_IGNORE), "MPI_Recv (brick queue)");
        const int r = st.MPI_SOURCE;
        std::lock_guard lock(mu);
        switch (m[0]) {
          case kWant: owed[size_t(r)] += int(m[1]); break;
          case kDone:
            record(r, m[2], m[3], std::bit_cast<double>(m[4]));
            owed[size_t(r)] += int(m[1]);
            break;
          case kStop: stopped = true; break;
          case kLeave: ++leaves; break;
          default: fail("brick queue: unknown message {} from rank {}", m[0], r);
        }
        serve(r);
        changed.notify_all();
      }
    } catch (...) {
      std::lock_guard lock(mu);
      error = std::current_exception();
      changed.notify_all();
    }
  }
};

BrickQueue::BrickQueue(MPI_Comm comm, const std::vector<Brick>& todo, Schedule schedule, ProgressTally& progress,
                       const std::function<double(const Brick&)>& cost) {
  check(MPI_Comm_dup(comm, &comm_), "MPI_Comm_dup (brick queue)");
  check(MPI_Comm_rank(comm_, &rank_), "MPI_Comm_rank");
  check(MPI_Comm_size(comm_, &nranks_), "MPI_Comm_size");
  if (rank_ != 0) {
    // One brick to start with; more at hand once this rank knows how long its bricks take (asking for
    // two at once would give the first rank to ask the two most expensive bricks).
    send_to_root(kWant, 1, 0, 0, 0);
    owed_ = 1;
    return;
  }
  dispatcher_ = std::make_unique<Dispatcher>(comm_, nranks_, schedule, progress);
  if (schedule == Schedule::fixed) {
    const auto all = assign_all(todo, nranks_);
    for (int r = 0; r < nranks_; ++r) {
      dispatcher_->own[size_t(r)].assign(all[size_t(r)].begin(), all[size_t(r)].end());
      static_counts_.push_back(all[size_t(r)].size());
    }
  } else {
    std::vector<std::pair<double, uint64_t>> order;
    order.reserve(todo.size());
    for (const Brick& b : todo) order.push_back({cost ? cost(b) : double(b.voxels()), b.id});
    // Most expensive first; equal costs in Z-order.
    std::stable_sort(order.begin(), order.end(), [](const auto& a, const auto& b) { return a.first > b.first; });
    for (const auto& o : order) dispatcher_->shared.push_back(o.second);
  }
  if (nranks_ > 1) dispatcher_->thread = std::thread([d = dispatcher_.get()] { d->run(); });
}

BrickQueue::~BrickQueue() {
  if (finished_) return;
  // Unwinding (an exception on this rank; MPI_Abort follows): nothing collective, nobody waited for.
  if (dispatcher_) {
    dispatcher_->abandon = true;
    if (dispatcher_->thread.joinable()) dispatcher_->thread.join();
  }
}

void BrickQueue::send_to_root(uint64_t kind, uint64_t want, uint64_t id, uint64_t voxels, double seconds) {
  // Small enough for Open MPI's eager protocol: returns without waiting for rank 0 to receive it.
  uint64_t m[5] = {kind, want, id, voxels, std::bit_cast<uint64_t>(seconds)};
  check(MPI_Send(m, 5, MPI_UINT64_T, 0, kTagWorker, comm_), "MPI_Send (brick queue)");
}

bool BrickQueue::poll_reply(bool wait) {
  if (owed_ == 0) return false;
  if (!posted_) {
    check(MPI_Irecv(&reply_, 1, MPI_UINT64_T, 0, kTagGive, comm_, &reply_request_), "MPI_Irecv (brick queue)");
    posted_ = true;
  }
  if (wait) {
    wait_polling(reply_request_, "MPI_Irecv (brick queue)");
  } else {
    int flag = 0;
    check(MPI_Test(&reply_request_, &flag, MPI_STATUS_IGNORE), "MPI_Test (brick queue)");
    if (!flag) return false;
  }
  posted_ = false;
  --owed_;
  // Once there is none for this rank there never is again (the queue only shrinks).
  if (reply_ == kNone) exhausted_ = true;
  else if (!exhausted_) ready_.push_back(reply_);
  return true;
}

std::optional<uint64_t> BrickQueue::next() {
  if (dispatcher_) {
    Dispatcher& d = *dispatcher_;
    std::unique_lock lock(d.mu);
    for (;;) {
      if (d.error) std::rethrow_exception(d.error);
      const std::optional<uint64_t> id = d.take(0);
      if (id) return *id == kNone ? std::nullopt : id;
      d.changed.wait(lock);
    }
  }
  while (ready_.empty()) {
    if (exhausted_ || owed_ == 0) return std::nullopt;
    poll_reply(true);
  }
  const uint64_t id = ready_.front();
  ready_.erase(ready_.begin());
  return id;
}

std::optional<uint64_t> BrickQueue::try_next() {
  if (dispatcher_) {
    std::lock_guard lock(dispatcher_->mu);
    if (dispatcher_->error) std::rethrow_exception(dispatcher_->error);
    const std::optional<uint64_t> id = dispatcher_->take(0);
    return id && *id != kNone ? id : std::nullopt;
  }
  while (ready_.empty() && !exhausted_ && poll_reply(false)) {
  }
  if (ready_.empty()) return std::nullopt;
  const uint64_t id = ready_.front();
  ready_.erase(ready_.begin());
  return id;
}

void BrickQueue::done(uint64_t id, uint64_t voxels, double seconds) {
  if (dispatcher_) {
    std::lock_guard lock(dispatcher_->mu);
    dispatcher_->record(0, id, voxels, seconds);
    dispatcher_->changed.notify_all();
    return;
  }
  // Keep enough ids at hand to cover kCoverSeconds of this rank's bricks (at least 2: the next one
  // and one more), so short bricks never wait for rank 0's thread to be scheduled on a busy node.
  ++done_count_;
  done_seconds_ += seconds;
  const double mean = done_seconds_ / double(done_count_);
  window_ = std::clamp(int(std::ceil(kCoverSeconds / std::max(mean, 1e-3))) + 1, 2, kMaxWindow);
  const int have = int(ready_.size()) + owed_;
  const uint64_t want = exhausted_ ? 0 : uint64_t(std::max(0, window_ - have));
  send_to_root(kDone, want, id, voxels, seconds);
  owed_ += int(want);
}

void BrickQueue::stop(int signal) {
  if (dispatcher_) {
    std::lock_guard lock(dispatcher_->mu);
    dispatcher_->stopped = true;
    dispatcher_->changed.notify_all();
    return;
  }
  send_to_root(kStop, 0, uint64_t(signal), 0, 0);
  exhausted_ = true;
  ready_.clear();
}

QueueSummary BrickQueue::finish() {
  if (finished_) fail("brick queue: finish() called twice");
  QueueSummary out;
  if (dispatcher_) {
    if (dispatcher_->thread.joinable()) dispatcher_->thread.join();
    if (dispatcher_->error) std::rethrow_exception(dispatcher_->error);
    out = dispatcher_->sum;
  } else {
    // Collect the answers still owed (each is kNone or a brick this rank will not start), then leave.
    while (owed_ > 0) poll_reply(true);
    send_to_root(kLeave, 0, 0, 0, 0);
  }
  finished_ = true;
  check(MPI_Comm_free(&comm_), "MPI_Comm_free (brick queue)");
  return out;
}

}  // namespace dflow::mpi
