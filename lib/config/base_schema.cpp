#include "config/base_schema.hpp"

namespace dflow::config {

std::vector<Field> base_workflow_fields() {
  return {
      required("workflow-name", Schema::string(),
               "Which workflow to run (`launchflow --list-workflows`); case does not matter."),
      with_default("cluster-type", Schema::string({"mpirun", "lsf", "slurm"}), "mpirun",
                   "`mpirun`: run on this machine. `lsf` / `slurm`: the scheduler `launchflow --submit` "
                   "submits to (bsub / sbatch, options under `scheduler`). Inside an LSF or Slurm job "
                   "launchflow always uses the job's hosts, whatever this says."),
      with_default(
          "scheduler",
          Schema::object({
              with_default("job-name", Schema::string(), "\"\"", "Job name (bsub -J / sbatch --job-name); empty: dvidflow-<template>."),
              with_default("project", Schema::string(), "\"\"", "Account charged (bsub -P / sbatch --account); empty: none."),
              with_default("queue", Schema::string(), "\"\"", "Queue or partition (bsub -q / sbatch --partition); empty: the default."),
              with_default("walltime", Schema::string(), "\"24:00\"", "Run limit HH:MM (bsub -W / sbatch --time)."),
              with_default("memory-per-slot-mib", Schema::integer().at_least(0), "0",
                           "Memory per slot in MiB (bsub -M and rusage[mem] / sbatch --mem-per-cpu); 0: the scheduler's default."),
              with_default("slots-per-host", Schema::integer().at_least(0), "0",
                           "Ranks per host (bsub -R span[ptile=K] / sbatch --ntasks-per-node); 0: any."),
              with_default("warning-seconds", Schema::integer().at_least(0), "300",
                           "SIGUSR2 this long before the run limit (bsub -wa USR2 -wt / sbatch --signal=B:USR2@), so "
                           "ranks stop cleanly after their current brick; 0: no warning."),
              with_default("extra-directives", Schema::list(Schema::string()), "[]",
                           "More scheduler options, one per item, each written as `#BSUB <item>` / `#SBATCH <item>`."),
          }),
          "{}", "Batch job options for `launchflow --submit` (cluster-type lsf or slurm)."),
      with_default("environment-variables", Schema::string_map(), "{OMP_NUM_THREADS: \"1\"}",
                   "Set in every rank's environment (passed to mpirun with -x). Replaces the default map."),
      with_default("log-level", Schema::string({"debug", "info", "warn", "error"}), "info",
                   "Lowest level written to output.log."),
  };
}

Schema workflow_schema(std::vector<Field> stage_fields) {
  std::vector<Field> fields = base_workflow_fields();
  for (auto& f : stage_fields) fields.push_back(std::move(f));
  return Schema::object(std::move(fields));
}

log::Level log_level(const YAML::Node& validated) {
  const std::string s = validated["log-level"] ? validated["log-level"].as<std::string>() : "info";
  if (s == "debug") return log::Level::debug;
  if (s == "warn") return log::Level::warn;
  if (s == "error") return log::Level::error;
  return log::Level::info;
}

}  // namespace dflow::config
