#pragma once
// The dvid-setup program (apps/dvid-setup.cpp calls dvid_setup_main): subcommands for the DVID server
// config and repo/instance/version operations, and the dvid-setup workflow stage that launchflow runs.
#include <string>
#include <vector>

#include "dvidsetup/setup.hpp"

namespace dflow::dvidsetup {

int dvid_setup_main(const std::vector<std::string>& args);

// The workflow stage: reads a validated full-workflow-config.yaml (workflow-name: dvid-setup), runs
// run_setup and writes <exec_dir>/dvid-setup.json. Returns the result.
SetupResult run_workflow(const std::string& config_path, const std::string& exec_dir);

}  // namespace dflow::dvidsetup
