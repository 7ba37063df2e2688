#pragma once
// The registry of workflows launchflow can run: workflow-name -> {schema, stage executable,
// description}. To add a stage: write lib/config/<stage>_schema.cpp and add one line to the table in
// workflows.cpp.
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config/schema.hpp"

namespace dflow::config {

struct WorkflowInfo {
  std::string name;        // workflow-name in workflow.yaml
  std::string executable;  // stage program, installed next to launchflow
  std::string description; // one line for --list-workflows
  Schema (*schema)();      // the complete workflow.yaml schema (base fields + stage sections)
};

// Every registered workflow, in table order. The test-only "selftest" workflow is included only
// when the environment has DFLOW_ENABLE_SELFTEST=1.
std::vector<WorkflowInfo> workflows();
// Case-insensitive, as flyemflows; nullopt if unknown.
std::optional<WorkflowInfo> find_workflow(std::string_view name);

struct WorkflowConfig {
  WorkflowInfo workflow;
  YAML::Node config;  // validated, defaults filled in
};
// Parses `text`, picks the schema from its workflow-name and validates. `file_name` names the file
// in every error ("tmpl/workflow.yaml: input.n5.path: required value is missing").
WorkflowConfig parse_workflow_config(const std::string& text, const std::string& file_name);
// Also puts back the secrets launchflow redacted in the file (config/secrets.hpp).
WorkflowConfig load_workflow_config(const std::filesystem::path& path);

}  // namespace dflow::config
