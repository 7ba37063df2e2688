#pragma once
// Internal to lib/ingest: the facts every rank must agree on before a run or a verification.
#include <string>

#include <mpi.h>

#include "core/dtype.hpp"
#include "core/geometry.hpp"
#include "ingest/ingest.hpp"

namespace dflow::ingest {

struct Header {
  DType dtype = DType::uint64;
  Box box;                   // the volume (scale 0)
  std::string describe;      // the input, for messages
  int top_scale = 0;         // highest scale written
  bool will_create = false;  // (dry run) the instance does not exist yet and would be created
};

// Collective. Rank 0 checks the input (unsigned integers, coordinates >= 0) and the labelmap
// (ensure_labelmap; `create` allows creating it), then broadcasts.
Header agree(MPI_Comm comm, const VolumeReader& reader, const Source& source, const IngestSettings& s, bool create);

// The first scale a pass writes (its source scale is already in DVID unless it is the input).
int first_written_scale(const Pass& pass, bool skip_scale0_write);

}  // namespace dflow::ingest
