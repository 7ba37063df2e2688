#pragma once
// survey-volume: the first look at an input volume, and the foundation's template for MPI stages.
//
// All ranks cut the same brick plan (mpi/bricks.hpp); each reads its bricks and computes
//   grayscale (uint8/uint16): min, max, sum and a 256-bin histogram (uint16: bins of 256 values);
//   segmentation (unsigned integers): voxels per label in every 64^3 DVID block, label 0 excluded,
//     i.e. the rows of the block-statistics table (stats/block_stats.hpp);
// results go to rank 0 (MPI_Gatherv), which writes
//   <exec-dir>/survey.json              totals, bounding box, bricks, label or intensity summary
//   <exec-dir>/block-statistics.csv     segmentation only: segment_id,z,y,x,count sorted by
//                                       (segment_id, z, y, x)
// Both files are byte-identical at any rank count and after a resumed run (mpi/brick_runner.hpp).
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

namespace dflow::stages {

struct SurveySettings {
  std::filesystem::path exec_dir;
  Vec3 brick_shape{256, 256, 256};
  std::string kind = "auto";  // auto | grayscale | segmentation
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
std::vector<std::byte> encode(const std::vector<stats::BlockStat>& rows);
std::vector<stats::BlockStat> decode_rows(std::span<const std::byte> blob);

}  // namespace dflow::stages
