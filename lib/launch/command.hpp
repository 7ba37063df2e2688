#pragma once
// Building the mpirun command line: shell-style word splitting and quoting, and the core count that
// decides --oversubscribe.
#include <filesystem>
#include <string>
#include <vector>

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
};
std::vector<std::string> mpirun_command(const MpirunPlan& plan);

// The program that `name` runs: itself if it contains a '/', else the first match on PATH; empty if none.
std::filesystem::path find_program(const std::string& name);

}  // namespace dflow::launch
