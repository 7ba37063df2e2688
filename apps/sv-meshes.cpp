// sv-meshes: one mesh per supervoxel into a DVID tarsupervoxels instance or tarballs, on all MPI ranks
// (see lib/meshes/sv_meshes.hpp and --help).
#include "meshes/sv_meshes.hpp"

int main(int argc, char** argv) { return dflow::meshes::sv_meshes_main(argc, argv); }
