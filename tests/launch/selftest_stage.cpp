// TEST ONLY: the stage of the "selftest" workflow (registered when DFLOW_ENABLE_SELFTEST=1), which
// the launchflow tests run under mpirun. Every rank logs through dflow::log (so output.log must show
// rank 0 and rank 1), rank 0 also writes one plain line to stdout and one to stderr (launchflow must
// prefix those), then every rank exits with selftest.exit-status.
//   dflow-selftest-stage --config full-workflow-config.yaml --exec-dir DIR
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <thread>

#include <mpi.h>

#include "config/base_schema.hpp"
#include "config/workflows.hpp"
#include "core/error.hpp"
#include "core/log.hpp"

using namespace dflow;

int main(int argc, char** argv) {
  MPI_Init(&argc, &argv);
  int rank = 0, size = 1;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  log::set_source(fmt::format("rank {}", rank));
  int status = 0;
  try {
    std::string config_path, exec_dir;
    bool dry_run = false;
    for (int i = 1; i < argc; ++i) {
      const std::string a = argv[i];
      if (a == "--dry-run") dry_run = true;
      else if (a == "--config" && i + 1 < argc) config_path = argv[++i];
      else if (a == "--exec-dir" && i + 1 < argc) exec_dir = argv[++i];
      else fail("unknown argument {}", a);
    }
    if (config_path.empty() || exec_dir.empty()) fail("usage: dflow-selftest-stage --config FILE --exec-dir DIR");
    const auto wc = config::load_workflow_config(config_path);
    log::set_level(config::log_level(wc.config));
    const YAML::Node st = wc.config["selftest"];
    if (dry_run) {
      if (rank == 0) log::info("selftest dry run: {} ranks would log \"{}\"", size, st["message"].as<std::string>());
      MPI_Finalize();
      return 0;
    }
    log::info("selftest rank {} of {}: {}", rank, size, st["message"].as<std::string>());
    log::info("cwd={} exec-dir={}", std::filesystem::current_path().string(), exec_dir);
    const char* var = std::getenv("DFLOW_SELFTEST_VAR");
    log::info("DFLOW_SELFTEST_VAR={}", var ? var : "(unset)");
    log::debug("a debug line from rank {}", rank);
    log::warn("a warning from rank {}", rank);
    if (rank == 0) {
      std::printf("plain stdout line from rank 0\n");
      std::fflush(stdout);
      std::fprintf(stderr, "plain stderr line from rank 0\n");
      std::fflush(stderr);
    }
    const double sleep = st["sleep-seconds"].as<double>();
    if (sleep > 0) std::this_thread::sleep_for(std::chrono::duration<double>(sleep));
    status = st["exit-status"].as<int>();
  } catch (const std::exception& e) {
    log::error("{}", e.what());
    status = 1;
  }
  MPI_Finalize();
  return status;
}
