#pragma once
// The command line every stage program shares (launchflow calls them as
// `<stage> --config <exec-dir>/full-workflow-config.yaml --exec-dir <exec-dir>`), and loading the
// workflow file a stage was given.
#include <filesystem>
#include <string>
#include <string_view>

#include "config/workflows.hpp"

namespace dflow::config {

struct StageArgs {
  std::string config;                  // --config FILE (required unless --help)
  std::filesystem::path exec_dir;      // --exec-dir DIR, absolute; default: the directory of FILE
  bool dry_run = false;                // --dry-run
  bool verify = false;                 // --verify (only where the stage accepts it)
  bool help = false;                   // --help / -h
};

// Errors name the program: "ingest-supervoxels: unknown argument --x (see --help)".
StageArgs parse_stage_args(std::string_view program, int argc, char** argv, bool accepts_verify = false);

// Loads and validates FILE, and checks that its workflow-name is this program's workflow.
WorkflowConfig load_stage_config(std::string_view workflow, const std::string& path);

}  // namespace dflow::config
