#include "config/base_schema.hpp"

namespace dflow::config {

std::vector<Field> base_workflow_fields() {
  return {
      required("workflow-name", Schema::string(),
               "Which workflow to run (`launchflow --list-workflows`); case does not matter."),
      with_default("cluster-type", Schema::string({"mpirun", "lsf"}), "mpirun",
                   "How the ranks are started: `mpirun` on this machine (or inside an existing allocation), "
                   "or `lsf` (submit with bsub; not yet supported)."),
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
