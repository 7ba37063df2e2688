#pragma once
// MPI start-up and shutdown for every stage program.
//
//   int main(int argc, char** argv) {
//     return dflow::mpi::run(argc, argv, [&](dflow::mpi::Env& env) { ...; return 0; });
//   }
//
// run() initializes MPI (MPI_THREAD_MULTIPLE: besides the main thread, rank 0's coordinator threads
// -- the brick queue's dispatcher, global progress -- call MPI), names the log source "rank N", and turns an exception on ANY rank into one error line plus
// MPI_Abort, so a failure on one rank never leaves the others waiting forever in a collective. A
// stage asked to stop (mpi/stop_request.hpp: SIGUSR2, SIGTERM, SIGINT) ends with kInterruptedCode.
#include <functional>

#include <mpi.h>

namespace dflow::mpi {

class Env {
 public:
  Env(int& argc, char**& argv);
  ~Env();  // MPI_Finalize (unless MPI was already finalized)
  Env(const Env&) = delete;
  Env& operator=(const Env&) = delete;

  int rank() const { return rank_; }
  int size() const { return size_; }
  bool root() const { return rank_ == 0; }
  MPI_Comm comm() const { return MPI_COMM_WORLD; }
  void barrier() const;

 private:
  int rank_ = 0;
  int size_ = 1;
};

// Exit code used with MPI_Abort when a rank fails.
inline constexpr int kAbortCode = 2;

// Runs `body` inside an Env. Returns body's exit code; on an exception logs
// "<message>" at error level on the failing rank and calls MPI_Abort(kAbortCode).
int run(int& argc, char**& argv, const std::function<int(Env&)>& body);

// Throws dflow::Error naming `what` if an MPI call failed (MPI_ERRORS_RETURN is set by Env).
void check(int rc, const char* what);

// Waits for `request` with MPI_Test and short sleeps (50 us growing to 2 ms) instead of MPI_Wait,
// which spins a core in Open MPI: ranks often share cores (4 ranks on 2 in the tests), and a rank
// waiting for its next brick must leave the CPU to the ones computing.
void wait_polling(MPI_Request& request, const char* what, MPI_Status* status = MPI_STATUS_IGNORE);

// Backoff for polling loops: sleep() waits 50 us, doubling up to 2 ms; reset() after progress.
class PollBackoff {
 public:
  void sleep();
  void reset() { us_ = 50; }

 private:
  int us_ = 50;
};

// Runs `fn` on rank 0 first and on the other ranks only after it succeeded there. For steps every
// rank must do that fail the same way everywhere (parsing the config, opening the input): a bad
// input then gives ONE error line (rank 0's, followed by MPI_Abort) instead of one per rank.
template <typename Fn>
auto root_first(MPI_Comm comm, Fn&& fn) {
  int rank = 0;
  check(MPI_Comm_rank(comm, &rank), "MPI_Comm_rank");
  if (rank == 0) {
    auto result = fn();
    check(MPI_Barrier(comm), "MPI_Barrier (root_first)");
    return result;
  }
  check(MPI_Barrier(comm), "MPI_Barrier (root_first)");
  return fn();
}

}  // namespace dflow::mpi
