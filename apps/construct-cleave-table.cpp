// construct-cleave-table: supervoxel edges + agglomeration mapping -> the cleave server's table
// (see lib/cleave/build.hpp and --help).
#include "cleave/build.hpp"

int main(int argc, char** argv) { return dflow::cleave::construct_cleave_table_main(argc, argv); }
