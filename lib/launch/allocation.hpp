#pragma once
// The hosts and slots a batch scheduler gave the job launchflow runs in, read from the environment
// the scheduler sets up for the job script:
//   LSF:   LSB_JOBID, LSB_DJOB_HOSTFILE (one host name per slot and line; the first line is the
//          host running the job script) or else LSB_MCPU_HOSTS ("hostA 16 hostB 16").
//   Slurm: SLURM_JOB_ID, SLURM_JOB_NODELIST ("node[01-03,07],gpu5") and SLURM_TASKS_PER_NODE
//          ("16(x3),8"): the slots Open MPI's Slurm support counts.
// Outside a job: Scheduler::none (ranks run on this machine).
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace dflow::launch {

enum class Scheduler { none, lsf, slurm };
std::string scheduler_name(Scheduler s);  // "this machine", "LSF", "Slurm"

struct Host {
  std::string name;
  int slots = 0;
  bool operator==(const Host&) const = default;
};

struct Allocation {
  Scheduler scheduler = Scheduler::none;
  std::string job_id;
  std::vector<Host> hosts;  // in the scheduler's order

  int slots() const;
  // "LSF job 123: 32 slots on 2 hosts (hA: 16, hB: 16)"
  std::string describe() const;
};

// Looks up one environment variable (tests pass a map; launchflow passes getenv).
using EnvLookup = std::function<std::optional<std::string>(const std::string&)>;
EnvLookup process_env();

// Throws dflow::Error naming the variable (and file) when the scheduler's description is unreadable.
Allocation detect_allocation(const EnvLookup& env);

// Parsers of the scheduler formats above (public for tests). Hosts keep their first-seen order;
// repeated names add slots.
std::vector<Host> parse_lsf_hostfile(const std::string& text);
std::vector<Host> parse_lsf_mcpu_hosts(const std::string& text);
std::vector<std::string> expand_slurm_nodelist(const std::string& text);
std::vector<int> expand_slurm_tasks_per_node(const std::string& text);

// Open MPI hostfile: one "NAME slots=N" line per host.
std::string mpi_hostfile(const std::vector<Host>& hosts);

}  // namespace dflow::launch
