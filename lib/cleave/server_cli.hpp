#pragma once
// cleave-server's command line (apps/cleave-server.cpp); returns the exit status.
namespace dflow::cleave {
int cleave_server_main(int argc, char** argv);
}  // namespace dflow::cleave
