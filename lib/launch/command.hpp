#pragma once
// Building the mpirun command line: shell-style word splitting and quoting, where the ranks go (this
// machine, or the hosts of an LSF or Slurm job), and the core count that decides --oversubscribe on
// this machine (never inside a scheduler's allocation).
#include <filesystem>
#include <string>
#include <vector>

#include "launch/allocation.hpp"

namespace dflow::launch {

// "--hostfile 'my hosts' -x A" -> {"--hostfile", "my hosts", "-x", "A"}; quotes and backslashes as
// in sh. Throws Error on an unterminated quote.
std::vector<std::string> split_shell_words(const std::string& text);
// Quotes `word` for sh only if needed.
std::string shell_quote(const std::string& word);
std::string shell_join(const std::vector<std::string>& words);

// Physical cores this process may run on: what Open MPI counts as slots by default.
int physical_cores();

struct MpirunPlan {
  std::string mpirun;                  // program
  int ranks = 1;
  int cores = 1;                       // physical_cores() normally
  bool root = false;                   // running as uid 0
  std::vector<std::string> env_names;  // exported to every rank with -x
  std::vector<std::string> extra_args; // --mpirun-args
  std::filesystem::path stage;         // stage executable
  std::filesystem::path config;        // full-workflow-config.yaml
  std::filesystem::path exec_dir;
  Allocation allocation;               // Scheduler::none: this machine
  std::filesystem::path hostfile;      // LSF: the Open MPI hostfile written from the allocation
  std::filesystem::path rsh_agent;     // LSF: blaunch, which starts orted on the job's other hosts
};
// This machine: mpirun -np N [--oversubscribe if N > cores] ...
// LSF:   mpirun -np N --hostfile H --mca plm rsh --mca plm_rsh_agent BLAUNCH ... (Debian's Open MPI
//        has no LSF launcher; blaunch makes the remote ranks part of the job, so LSF accounts and
//        signals them)
// Slurm: mpirun -np N ... (Open MPI's Slurm support reads the allocation and starts orted with srun)
std::vector<std::string> mpirun_command(const MpirunPlan& plan);

// Throws the one-line error for more ranks than the allocation has slots, saying what to change.
// `relaunch` is the rest of the command line after the rank count ("T" or "--resume X").
void check_ranks_fit(const Allocation& allocation, int ranks, const std::string& relaunch);

// The program that `name` runs: itself if it contains a '/', else the first match on PATH; empty if none.
std::filesystem::path find_program(const std::string& name);

}  // namespace dflow::launch
