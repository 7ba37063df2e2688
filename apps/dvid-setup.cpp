// dvid-setup: DVID server config, repo, instances and versions (see lib/dvidsetup/cli.hpp and --help).
#include <string>
#include <vector>

#include "dvidsetup/cli.hpp"

int main(int argc, char** argv) { return dflow::dvidsetup::dvid_setup_main(std::vector<std::string>(argv + 1, argv + argc)); }
