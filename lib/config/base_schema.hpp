#pragma once
// The top level every workflow.yaml shares (flyemflows' BaseSchema, adapted to MPI):
// workflow-name, cluster-type, environment-variables, log-level. Stages add their own sections.
#include <vector>

#include "config/schema.hpp"
#include "core/log.hpp"

namespace dflow::config {

std::vector<Field> base_workflow_fields();
// base_workflow_fields() followed by the stage's own sections, e.g. input, output, <stage options>.
Schema workflow_schema(std::vector<Field> stage_fields);
// log-level of a validated config.
log::Level log_level(const YAML::Node& validated);

}  // namespace dflow::config
