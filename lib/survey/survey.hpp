#pragma once
// survey-volume: the first look at an input volume, and the foundation's template for MPI stages.
//
// All ranks cut the same brick plan (mpi/bricks.hpp); each reads its bricks and computes
//   grayscale (uint8/uint16): min, max, sum and a 256-bin histogram (uint16: bins of 256 values);
//   segmentation (unsigned integers): voxels per label in every 64^3 DVID block, label 0 excluded,
//     i.e. the rows of the block-statistics table (stats/block_stats.hpp);
// small per-brick results go to rank 0 (MPI_Gatherv); a segmentation brick's rows go to its file
// bricks/survey-volume/<id>.rows and never through rank 0:
//   <exec-dir>/survey.json              totals, bounding box, bricks, label or intensity summary
//                                       (per-label totals: each label summed on the rank that owns it)
//   <exec-dir>/block-statistics.h5      segmentation only: the table in flyemflows' layout, written by
//                                       every rank (stats/block_stats_parallel.hpp); bricks in id
//                                       order, each brick's rows sorted by (segment_id, z, y, x)
//   <exec-dir>/block-statistics.csv     the same as CSV, with survey.block-statistics-csv: true
// All are byte-identical at any rank count and after a resumed run (mpi/brick_runner.hpp).
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <mpi.h>

#include "core/geometry.hpp"
#include "io/volume.hpp"
#include "stats/block_stats.hpp"
#include "stats/block_stats_parallel.hpp"

namespace dflow::stages {

struct SurveySettings {
  std::filesystem::path exec_dir;
  Vec3 brick_shape{256, 256, 256};
  std::string kind = "auto";  // auto | grayscale | segmentation
  bool stats_csv = false;     // also block-statistics.csv
  bool dry_run = false;
};

struct SurveySource {
  // Opens the input; called on every rank (rank 0 first, so a bad input is reported once).
  std::function<std::unique_ptr<VolumeReader>()> open;
  // The box to survey (default: the reader's bounds).
  std::function<Box(const VolumeReader&)> bounding_box;
};

// Collective. Returns the survey.json text on rank 0 (empty elsewhere, and for a dry run).
std::string survey_volume(MPI_Comm comm, const SurveySource& source, const SurveySettings& settings);

// survey-volume --config FILE --exec-dir DIR [--dry-run]: the whole program (inside mpi::run).
int survey_volume_main(int argc, char** argv);

// ---- the pieces, public for tests ----

enum class SurveyKind { grayscale, segmentation };
SurveyKind resolve_kind(const std::string& kind, DType dtype, const std::string& where);

struct GrayStats {
  uint64_t voxels = 0, sum = 0, min = UINT64_MAX, max = 0;
  std::vector<uint64_t> histogram = std::vector<uint64_t>(256, 0);
  void add(const GrayStats& other);
};
// Statistics of raw voxels of `dtype` (uint8 or uint16).
GrayStats gray_stats(std::span<const std::byte> voxels, DType dtype);
std::vector<std::byte> encode(const GrayStats& s);
GrayStats decode_gray(std::span<const std::byte> blob);

// Block statistics of the voxels of `box` (raw, any unsigned dtype), blocks aligned to `block_shape`.
std::vector<stats::BlockStat> segmentation_rows(std::span<const std::byte> voxels, DType dtype, const Box& box,
                                                const Vec3& block_shape);
// A segmentation brick's result: what its rows add up to (the rows are in its rows file). Bricks
// are aligned to the 64^3 blocks, so no block is in two bricks and the counts add up.
struct SegBrickSummary {
  uint64_t rows = 0, labeled_voxels = 0, blocks_with_labels = 0;
};
SegBrickSummary summarize(std::span<const stats::BlockStat> rows);
std::vector<std::byte> encode(const SegBrickSummary& s);
SegBrickSummary decode_seg(std::span<const std::byte> blob);

// Collective: the per-label summary of survey.json from a table kept in brick files. Each rank reads
// its share of the rows in batches and sends (id, voxels) to the label's owner rank (a hash of the
// id, MPI_Alltoallv), which sums them; the summaries are then reduced. Memory per rank: one batch
// plus the labels it owns (~1/nranks of them). The result is complete on rank 0.
struct LabelSummary {
  uint64_t count = 0, labeled_voxels = 0, min_id = 0, max_id = 0, above_2_32 = 0;
  std::vector<uint64_t> size_log2_histogram;         // labels with [2^k, 2^(k+1)) voxels
  std::vector<std::pair<uint64_t, uint64_t>> largest;  // (id, voxels), the 10 largest, ties by id
};
LabelSummary summarize_labels(MPI_Comm comm, const stats::BrickTable& table, uint64_t batch_rows = uint64_t{1} << 20);

}  // namespace dflow::stages
