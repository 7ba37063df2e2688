#pragma once
// Stopping a stage cleanly when the job is told to: SIGUSR2 (LSF's and Slurm's walltime warning,
// and what launchflow sends on its first SIGTERM/SIGINT/SIGHUP), SIGTERM and SIGINT only set a flag.
// The brick runner checks it between bricks: a rank finishes the brick it is on (its result and
// journal line are durable), starts no other, and the stage ends with StopRequested, which
// mpi::run reports as "interrupted" with exit status kInterruptedCode instead of MPI_Abort.
#include <csignal>
#include <string>

#include "core/error.hpp"

namespace dflow::mpi {

// Installs the handlers (idempotent). Env's constructor calls it after MPI_Init.
void install_stop_handlers();
// The signal that asked us to stop, or 0.
int stop_signal();
// "SIGUSR2", or "signal 64" for one without a name.
std::string signal_name(int sig);
// For tests: forget an earlier request.
void clear_stop_request();

// Thrown on every rank when any rank was asked to stop (see BrickRunner).
class StopRequested : public Error {
 public:
  using Error::Error;
};

// Exit status of a stage that stopped on request (EX_TEMPFAIL: run it again to finish).
inline constexpr int kInterruptedCode = 75;

}  // namespace dflow::mpi
