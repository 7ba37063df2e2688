#pragma once
// launchflow: template directory -> execution directory -> the workflow's stage under mpirun.
// apps/launchflow.cpp only calls launchflow_main.
#include <string>
#include <vector>

namespace dflow::launch {

// The whole program; returns the process exit status (see `launchflow --help`).
int launchflow_main(const std::vector<std::string>& args);

}  // namespace dflow::launch
