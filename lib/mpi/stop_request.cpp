#include "mpi/stop_request.hpp"

#include <cstring>

#include <fmt/format.h>

namespace dflow::mpi {

namespace {

volatile std::sig_atomic_t g_stop = 0;

extern "C" void on_stop_signal(int sig) {
  if (!g_stop) {
    g_stop = sig;
    return;
  }
  // Asked twice to terminate (not the walltime warning): stop now, as without a handler.
  if (sig != SIGUSR2) {
    ::signal(sig, SIG_DFL);
    ::raise(sig);
  }
}

}  // namespace

void install_stop_handlers() {
  struct sigaction sa {};
  sa.sa_handler = on_stop_signal;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = SA_RESTART;  // a brick's blocking I/O carries on; the flag is read between bricks
  for (const int sig : {SIGUSR2, SIGTERM, SIGINT}) ::sigaction(sig, &sa, nullptr);
}

int stop_signal() { return g_stop; }

std::string signal_name(int sig) {
  const char* abbrev = ::sigabbrev_np(sig);
  return abbrev ? fmt::format("SIG{}", abbrev) : fmt::format("signal {}", sig);
}

void clear_stop_request() { g_stop = 0; }

}  // namespace dflow::mpi
