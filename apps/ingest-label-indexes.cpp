// ingest-label-indexes: block statistics (+ agglomeration mapping) -> DVID label indexes and mappings
// (see lib/labelindex/ingest.hpp and --help).
#include "labelindex/ingest.hpp"

int main(int argc, char** argv) { return dflow::labelindex::ingest_label_indexes_main(argc, argv); }
