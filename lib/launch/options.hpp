#pragma once
// launchflow's command line.
#include <optional>
#include <string>
#include <vector>

namespace dflow::launch {

struct Options {
  enum class Mode { run, help, list_workflows, dump_default_yaml, document, status };
  Mode mode = Mode::run;
  std::optional<int> ranks;           // -n; default: the allocation's slots inside a job, else 1
  bool dry_run = false;
  std::vector<std::string> mpirun_args;  // --mpirun-args, split like a shell would
  bool submit = false;                // --submit: write the job script and bsub/sbatch it (cluster-type)
  std::string template_dir;
  std::string resume_dir;             // --resume EXEC_DIR: run again in an existing execution directory
  std::string status_dir;             // --status EXEC_DIR
  std::string workflow_name;          // --dump-default-yaml / --document
};

// Throws dflow::Error with a one-line message on misuse.
Options parse_options(const std::vector<std::string>& args);
std::string usage();

}  // namespace dflow::launch
