// body-meshes: one mesh per body from the supervoxel meshes in DVID, into the keyvalue instance
// neuroglancer reads (see lib/meshes/body_meshes.hpp and --help).
#include "meshes/body_meshes.hpp"

int main(int argc, char** argv) { return dflow::meshes::body_meshes_main(argc, argv); }
