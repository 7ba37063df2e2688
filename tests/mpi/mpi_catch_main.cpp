// Catch2 main for tests that run under mpirun: every rank runs every test case, so collective
// calls inside a test line up. MPI is initialized before Catch runs and finalized after.
#define CATCH_CONFIG_RUNNER
#include <catch2/catch.hpp>

#include "mpi/mpi_env.hpp"

int main(int argc, char** argv) {
  dflow::mpi::Env env(argc, argv);
  const int failed = Catch::Session().run(argc, argv);
  // A failure on one rank must fail the whole job, so every rank returns the worst result.
  int worst = failed;
  MPI_Allreduce(&failed, &worst, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD);
  return worst > 0 ? 1 : 0;
}
