#pragma once
// export-grayscale: uint8 grayscale from any reader to a neuroglancer precomputed volume or to DVID
// uint8blk instances, scale 0 and its 2x2x2 block-mean pyramid up to max-pyramid-scale
// (flyemflows' CopyGrayscale role).
//
// Work: passes of bricks (pyramid_plan.hpp). Pass 0 reads the source brick by brick, writes scale 0
// and the levels each brick holds; later passes read the last level written (from the output if it
// is raw precomputed, else from a raw precomputed staging copy in <exec-dir>/export-grayscale-staging,
// so a JPEG output's upper levels are still means of exact data) and write the next levels.
// Each pass is run_bricks (journal + resume, global progress); results are per-scale counts that
// rank 0 writes to <exec-dir>/export-grayscale.json.
//
// Memory per rank: about B*8/7 + one z-slab of an edge brick (B.x*B.y*input chunk depth) bytes, B =
// the largest brick of any pass (voxels at its base scale); sharded outputs add the brick's encoded
// level (<= B). --dry-run prints it per pass.
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <variant>

#include <mpi.h>

#include "export/dvid_sink.hpp"
#include "export/precomputed_sink.hpp"
#include "io/volume.hpp"

namespace dflow::exporter {

struct ExportSettings {
  std::filesystem::path exec_dir;
  int max_scale = 0;
  int64_t memory_budget = int64_t{1} << 30;
  bool dry_run = false;
  std::variant<PrecomputedOutput, DvidOutput> output;
};

struct ExportSource {
  // Opens the input; called on every rank (rank 0 first, so a bad input is reported once).
  std::function<std::unique_ptr<VolumeReader>()> open;
  // The box to export (default: the reader's bounds).
  std::function<Box(const VolumeReader&)> bounding_box;
};

// Collective. Returns the summary JSON on rank 0 (empty elsewhere and for a dry run).
std::string export_grayscale(MPI_Comm comm, const ExportSource& source, const ExportSettings& settings);

// export-grayscale --config FILE [--exec-dir DIR] [--dry-run]: the whole program.
int export_grayscale_main(int argc, char** argv);

// The output's sink for a scale-0 box (public for tests).
std::unique_ptr<LevelSink> make_sink(const ExportSettings& settings, const Box& box0);

}  // namespace dflow::exporter
