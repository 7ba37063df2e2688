#pragma once
// ingest-supervoxels: a supervoxel segmentation -> a DVID labelmap, with its label pyramid and the
// block statistics (flyemflows' CopySegmentation with `ingestion-mode`, without dask's shuffle).
//
// Work units are bricks aligned to the 64^3 block grid (mpi/bricks.hpp). A brick of 64*2^L voxels per
// axis holds every block of scales 0..L that it covers, so each rank computes those scales from its
// own bricks with no communication (padding beyond the volume with 0, as DVID treats missing voxels).
// Scales above L are made in further passes: after all ranks finished the previous pass (run_bricks
// ends in a collective gather, i.e. a barrier), each brick of the coarser grid reads the previous top
// scale back from DVID (GET /raw?scale=S&supervoxels=true) and computes the next levels. Reading back
// rather than keeping scale-L results needs no extra storage or shuffle, costs 1/8^L of the scale-0
// traffic, and every pass resumes on its own journal.
//
// Blocks are encoded (lib/codec/dvid_labels), gzip'd and POSTed by a small pool of threads per rank,
// each with its own dvid::Client: POST /ingest-supervoxels?scale=S (stored as is: no indexing,
// extents or downres; idempotent, so a brick interrupted mid-post is simply posted again), except
// the volume's first and last scale-0 blocks, which go through POST /blocks?noindexing=true so that
// DVID updates the instance's extents (as flyemflows does).
//
// Outputs in the execution directory: block-statistics.h5 (+ .csv), ingest-supervoxels.json.
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <mpi.h>

#include "core/array.hpp"
#include "core/geometry.hpp"
#include "dvid/client.hpp"
#include "io/volume.hpp"
#include "stats/block_stats.hpp"

namespace dflow::ingest {

inline constexpr int64_t kBlock = 64;  // DVID labelmap block width (the instance must use 64^3)
inline constexpr int kMaxScales = 32;

struct OutputSettings {
  std::string server, uuid, instance;
  bool create_if_necessary = false;
  bool throttle = false;  // &throttle=true on block POSTs
  int max_scale = -1;  // MaxDownresLevel for a new instance; -1 = pyramid-depth or choose_pyramid_depth
};

struct IngestSettings {
  std::filesystem::path exec_dir;
  OutputSettings output;
  int pyramid_depth = -1;  // -1 = the instance's MaxDownresLevel
  Vec3 brick_shape{256, 256, 256};
  bool write_empty_blocks = false;
  bool skip_scale0_write = false;
  bool dont_overwrite_identical = false;
  int concurrency = 4;
  int batch_blocks = 64;
  int gzip_level = 6;
  std::string stats_file = "block-statistics.h5";
  bool stats_csv = false;  // also the .csv next to the .h5
  bool dry_run = false;
  dvid::RetryPolicy retry;
};

struct Source {
  // Opens the input; called on every rank (rank 0 first, so a bad input is reported once).
  std::function<std::unique_ptr<VolumeReader>()> open;
  // The box to ingest (default: the reader's bounds).
  std::function<Box(const VolumeReader&)> bounding_box;
};

// Collective. Throws on failure (the caller's mpi::run turns that into one line and MPI_Abort).
void ingest_supervoxels(MPI_Comm comm, const Source& source, const IngestSettings& settings);

// Collective. Re-reads everything from DVID and compares (see verify.cpp). Returns the number of
// mismatch kinds found (0 = all good) on every rank; rank 0 logs one line per kind.
int verify_ingest(MPI_Comm comm, const Source& source, const IngestSettings& settings);

// ingest-supervoxels --config FILE [--exec-dir DIR] [--dry-run | --verify]: the whole program.
int ingest_supervoxels_main(int argc, char** argv);

// ---- the pieces, public for tests ----

// flyemflows' choose_pyramid_depth(bbox, 512) (neuclease): max(0, ceil(log2(longest side / 512))).
int choose_pyramid_depth(const Box& bbox, int64_t top_level_max_dim = 512);

struct InstanceState {
  bool created = false;
  int max_downres_level = 0;
};
// Rank 0 only. Checks the labelmap exists (creating it if allowed and `create`), is a gzip labelmap
// with 64^3 blocks, and returns its MaxDownresLevel. `bbox`/`pyramid_depth` choose a new instance's
// MaxDownresLevel. With create == false a missing instance is reported as max_downres_level = -1
// (for the dry run) when create-if-necessary is set, else it is an error.
InstanceState ensure_labelmap(dvid::Client& client, const OutputSettings& out, const Box& bbox, int pyramid_depth,
                              bool create);

// Pyramid levels a brick computes by itself: the largest L with every axis a multiple of 64*2^L.
int brick_levels(const Vec3& brick_shape);
// The volume at scale s: [floor(lo / 2^s), ceil(hi / 2^s)).
Box scaled_box(const Box& b, int scale);

// One pass over a brick grid: reads `source_scale` (scale 0 from the input, higher scales from DVID)
// and writes its scales up to top_scale. Only the first pass writes scale 0 and counts the block
// statistics; a later pass writes from source_scale + 1 (bricks that are one block deep compute no
// level themselves, so after them a second pass starts from scale 0 again).
struct Pass {
  int source_scale = 0;
  int top_scale = 0;
  Vec3 brick_shape;   // in source_scale voxels
  std::string stage;  // journal / result-file name
  bool first = false;
};
std::vector<Pass> plan_passes(int top_scale, const Vec3& brick_shape);

// Coordinates (in blocks of `scale`) of the 64^3 blocks of `array_box` that intersect `volume`
// (both in that scale's voxels), z-major scan order.
std::vector<Vec3> blocks_in(const Box& array_box, const Box& volume);
// The volume's first and last scale-0 block.
std::pair<Vec3, Vec3> corner_blocks(const Box& volume);

// Counters per scale, summed over bricks.
struct ScaleCounts {
  uint64_t written = 0;            // blocks posted
  uint64_t empty_skipped = 0;      // all-zero blocks not posted
  uint64_t identical_skipped = 0;  // dont-overwrite-identical-blocks: already stored
  uint64_t bytes = 0;              // gzip'd block bytes posted
  uint64_t requests = 0;
  ScaleCounts& operator+=(const ScaleCounts& o);
};
// A brick's result blob: the counters and how many block-statistics rows it found. The rows
// themselves are in the brick's rows file (brick_rows_path), so rank 0 never holds the table.
struct BrickReport {
  std::vector<ScaleCounts> scales = std::vector<ScaleCounts>(kMaxScales);
  uint64_t rows = 0;  // scale-0 bricks only
};
std::vector<std::byte> encode_report(const BrickReport& r);
BrickReport decode_report(std::span<const std::byte> blob);

// Widens `voxels` of `box` (any unsigned integer dtype) into `out` (whose box contains `box`).
void paste_as_uint64(std::span<const std::byte> voxels, DType dtype, const Box& box, Array3<uint64_t>& out);

}  // namespace dflow::ingest
