// ingest-supervoxels: write a supervoxel segmentation and its pyramid into a DVID labelmap on all MPI
// ranks (see lib/ingest/ingest.hpp and --help).
#include "ingest/ingest.hpp"

int main(int argc, char** argv) { return dflow::ingest::ingest_supervoxels_main(argc, argv); }
