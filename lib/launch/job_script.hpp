#pragma once
// `launchflow --submit`: the batch job script for LSF or Slurm (from the templates in lsf/, with the
// config's scheduler: options as #BSUB / #SBATCH directives), the command that submits it, and
// the job id in the scheduler's answer.
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include <yaml-cpp/yaml.h>

#include "launch/allocation.hpp"

namespace dflow::launch {

struct JobRequest {
  Scheduler scheduler = Scheduler::lsf;  // lsf or slurm
  YAML::Node options;                    // the validated `scheduler:` section
  std::string config_file;               // names the file in errors ("tmpl/workflow.yaml")
  std::string default_name;              // job name when scheduler.job-name is empty
  int ranks = 1;
  std::filesystem::path exec_dir;
  std::filesystem::path launchflow;
};

// Throws Error naming config_file and the key for a bad option (e.g. walltime not HH:MM).
std::vector<std::string> job_directives(const JobRequest& r);  // "#BSUB -n 32", ...
std::string job_script(const JobRequest& r);
std::string job_script_name(Scheduler s);  // job.lsf / job.slurm

// argv and the file for its stdin: {bsub} < script, or {sbatch, script} with no stdin.
struct SubmitCommand {
  std::vector<std::string> argv;
  std::filesystem::path stdin_file;
};
SubmitCommand submit_command(Scheduler s, const std::filesystem::path& script);
// Runs the submission (bsub/sbatch found on PATH); returns its exit status and stdout+stderr.
// Throws Error if it cannot be started.
std::pair<int, std::string> run_submit(const SubmitCommand& cmd);
// "Job <123> is submitted to queue <normal>." / "Submitted batch job 123" -> "123".
std::optional<std::string> parse_job_id(Scheduler s, const std::string& output);

}  // namespace dflow::launch
