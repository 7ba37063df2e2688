// launchflow [-n N] [--dry-run] [--submit] [--mpirun-args "..."] TEMPLATE_DIR | --resume EXEC_DIR | --status EXEC_DIR
// Everything lives in lib/launch (see launchflow.hpp); `launchflow --help` documents it.
#include <string>
#include <vector>

#include "launch/launchflow.hpp"

int main(int argc, char** argv) { return dflow::launch::launchflow_main(std::vector<std::string>(argv + 1, argv + argc)); }
