// export-grayscale: uint8 grayscale to neuroglancer precomputed or DVID uint8blk, with its pyramid
// (see lib/export/export_grayscale.hpp and --help).
#include "export/export_grayscale.hpp"

int main(int argc, char** argv) { return dflow::exporter::export_grayscale_main(argc, argv); }
