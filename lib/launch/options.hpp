#pragma once
// launchflow's command line.
#include <optional>
#include <string>
#include <vector>

namespace dflow::launch {

struct Options {
  enum class Mode { run, help, list_workflows, dump_default_yaml, document };
  Mode mode = Mode::run;
  int ranks = 1;                      // -n
  bool dry_run = false;
  std::vector<std::string> mpirun_args;  // --mpirun-args, split like a shell would
  std::optional<std::string> submit;  // --submit mpirun|lsf; default: the config's cluster-type
  std::string template_dir;
  std::string workflow_name;          // --dump-default-yaml / --document
};

// Throws dflow::Error with a one-line message on misuse.
Options parse_options(const std::vector<std::string>& args);
std::string usage();

}  // namespace dflow::launch
