// cleave-server: answers neu3's cleave requests from the cleave table and DVID (see lib/cleave/ and --help).
#include "cleave/server_cli.hpp"

int main(int argc, char** argv) { return dflow::cleave::cleave_server_main(argc, argv); }
