#include "mpi/mpi_env.hpp"

#include <algorithm>
#include <chrono>
#include <exception>
#include <thread>
#include <cstdlib>
#include <malloc.h>
#include <string>

#include <fmt/format.h>

#include "core/error.hpp"
#include "core/log.hpp"
#include "mpi/stop_request.hpp"

namespace dflow::mpi {

Env::Env(int& argc, char**& argv) {
  // Stages allocate and free brick-sized buffers (tens to hundreds of MiB) for every brick. glibc
  // serves blocks above 32 MiB with fresh mmaps, so each brick would pay page faults and kernel
  // zeroing again; keeping them in the heap lets the next brick reuse the memory.
  mallopt(M_MMAP_THRESHOLD, 1 << 30);
  mallopt(M_TRIM_THRESHOLD, 1 << 30);
  // Our own code uses no one-sided MPI any more (global progress moved to messages, progress.hpp), but
  // a library might (MPI-IO). Open MPI 4.1 picks osc/rdma, whose MPI_Win_allocate fails between hosts
  // joined only by TCP (no RDMA BTL): MPI_ERR_WIN on some ranks, seen with two hosts under LSF.
  // osc/sm (one host) and osc/pt2pt (any BTL) always work. A user's own OMPI_MCA_osc still wins.
  ::setenv("OMPI_MCA_osc", "sm,pt2pt", 0);
  int initialized = 0;
  MPI_Initialized(&initialized);
  if (!initialized) {
    int provided = 0;
    MPI_Init_thread(&argc, &argv, MPI_THREAD_MULTIPLE, &provided);
    // Rank 0 runs the brick dispatcher and the progress counter on threads of their own (so no rank
    // ever waits for rank 0's main thread to enter MPI), while its main thread works on bricks and
    // calls MPI too: that needs MPI_THREAD_MULTIPLE. An MPI that gives less would corrupt state
    // silently, so refuse to run.
    if (provided < MPI_THREAD_MULTIPLE) {
      int rank = 0;
      MPI_Comm_rank(MPI_COMM_WORLD, &rank);
      if (rank == 0)
        fmt::print(stderr, "MPI: MPI_Init_thread(MPI_THREAD_MULTIPLE) provided only thread level {} (MULTIPLE is {}); "
                   "dvidflow's stages need an MPI built with thread support (Open MPI: ompi_info | grep "
                   "MPI_THREAD_MULTIPLE)\n", provided, MPI_THREAD_MULTIPLE);
      MPI_Abort(MPI_COMM_WORLD, kAbortCode);
    }
  }
  // Errors come back as return codes so check() can throw with context; run() then aborts.
  MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
  MPI_Comm_rank(MPI_COMM_WORLD, &rank_);
  MPI_Comm_size(MPI_COMM_WORLD, &size_);
  log::set_source(fmt::format("rank {}", rank_));
  install_stop_handlers();
}

Env::~Env() {
  int finalized = 0;
  MPI_Finalized(&finalized);
  if (!finalized) MPI_Finalize();
}

void Env::barrier() const { check(MPI_Barrier(MPI_COMM_WORLD), "MPI_Barrier"); }

void check(int rc, const char* what) {
  if (rc == MPI_SUCCESS) return;
  char msg[MPI_MAX_ERROR_STRING];
  int len = 0;
  MPI_Error_string(rc, msg, &len);
  fail("MPI: {} failed: {}", what, std::string(msg, static_cast<size_t>(len)));
}

void wait_polling(MPI_Request& request, const char* what, MPI_Status* status) {
  PollBackoff backoff;
  for (;;) {
    int flag = 0;
    check(MPI_Test(&request, &flag, status), what);
    if (flag) return;
    backoff.sleep();
  }
}

void PollBackoff::sleep() {
  std::this_thread::sleep_for(std::chrono::microseconds(us_));
  us_ = std::min(us_ * 2, 2000);
}

int run(int& argc, char**& argv, const std::function<int(Env&)>& body) {
  Env env(argc, argv);
  try {
    return body(env);
  } catch (const StopRequested& e) {
    // Every rank agreed to stop (collectively), so all can finalize normally.
    if (env.root()) log::warn("{}", e.what());
    return kInterruptedCode;
  } catch (const std::exception& e) {
    log::error("{}", e.what());
  } catch (...) {
    log::error("unknown exception");
  }
  // Never return normally: the other ranks may be blocked in a collective this rank will not join.
  MPI_Abort(MPI_COMM_WORLD, kAbortCode);
  return kAbortCode;
}

}  // namespace dflow::mpi
