// The ingest-supervoxels program: options and config, then ingest_supervoxels() or verify_ingest().
#include <iostream>
#include <string>
#include <vector>

#include "config/base_schema.hpp"
#include "config/values.hpp"
#include "config/stage_args.hpp"
#include "config/workflows.hpp"
#include "core/error.hpp"
#include "core/files.hpp"
#include "core/log.hpp"
#include "ingest/ingest.hpp"
#include "io/open_volume.hpp"
#include "mpi/mpi_env.hpp"

namespace dflow::ingest {

namespace {

constexpr const char* kHelp = R"(usage: ingest-supervoxels --config FILE [--exec-dir DIR] [--dry-run | --verify]
       (normally started by launchflow: mpirun -n N ingest-supervoxels --config DIR/full-workflow-config.yaml --exec-dir DIR)

Writes a supervoxel segmentation into a DVID labelmap, with every scale of its label pyramid up to the
instance's MaxDownresLevel (or options.pyramid-depth), as flyemflows' CopySegmentation does:
  - bricks aligned to DVID's 64^3 blocks are spread over the ranks; a brick of 64*2^L voxels per axis
    computes scales 0..L itself (DVID's downsampling rule); higher scales are computed in further passes
    from the previous top scale read back from DVID;
  - blocks are encoded, gzip'd and POSTed to /ingest-supervoxels?scale=S by options.concurrency threads
    per rank (the volume's first and last block through /blocks?noindexing=true, which sets DVID's extents);
  - all-zero blocks are skipped unless options.write-empty-blocks.
Outputs in the execution directory:
  block-statistics.h5    voxels of each supervoxel in each 64^3 block (flyemflows' layout: dataset `stats`,
                         segment_id <u8, z <i4, y <i4, x <i4, count <u4; block corners in scale-0 voxels)
                         written by every rank; rows in brick order, sorted by segment_id, z, y, x within a brick
  block-statistics.csv   the same rows as text, with options.block-statistics-csv: true
  ingest-supervoxels.json  blocks and bytes per scale, time, Mvox/s, blocks/s
The label indexes are not written here: run ingest-label-indexes on block-statistics.h5 next.
Finished bricks are journaled in DIR/journal/ and their results kept in DIR/bricks/, so running the same
command again resumes where an interrupted run stopped (posting blocks again is harmless).

workflow.yaml:
  workflow-name: ingest-supervoxels
  input: {n5|zarr|hdf5|slice-files|precomputed: {...}, geometry: {bounding-box: ...}}
  output: {server: http://..., uuid: ..., segmentation-name: ..., create-if-necessary: false, throttle: false,
           max-scale: -1}
  options: {pyramid-depth: -1, brick-shape: [256,256,256], write-empty-blocks: false, skip-scale-0-write: false,
            dont-overwrite-identical-blocks: false, concurrency: 4, batch-blocks: 64, gzip-level: 6,
            block-statistics-file: block-statistics.h5, block-statistics-csv: false}
  (launchflow --document ingest-supervoxels prints every option)

options:
  --config FILE    the workflow config (full-workflow-config.yaml)
  --exec-dir DIR   execution directory: outputs, journal; relative input paths resolve against it
                   (default: the directory of FILE)
  --dry-run        print the plan (passes, bricks per rank, memory per rank) and exit; writes nothing
  --verify         write nothing; read every block (/specificblocks) and every voxel (/raw) of every scale
                   back from DVID and compare with the input and its pyramid, and block-statistics.h5 (if
                   present in the execution directory) with the input; exit status 1 and one line per
                   kind of mismatch if anything differs
  --help           this text

environment:
  DFLOW_FAIL_AFTER_BRICKS=N   test hook: each rank fails after finishing N bricks (to test resuming)
)";


IngestSettings settings_from(const YAML::Node& cfg, const fs::path& exec_dir) {
  IngestSettings s;
  s.exec_dir = exec_dir;
  const YAML::Node out = cfg["output"], opt = cfg["options"];
  s.output.server = out["server"].as<std::string>();
  s.output.uuid = out["uuid"].as<std::string>();
  s.output.instance = out["segmentation-name"].as<std::string>();
  s.output.create_if_necessary = out["create-if-necessary"].as<bool>();
  s.output.max_scale = out["max-scale"].as<int>();
  s.output.throttle = out["throttle"].as<bool>();
  const YAML::Node t = out["timeouts"];
  s.retry.connect_timeout = std::chrono::seconds(t["connect-s"].as<int>());
  s.retry.timeout = std::chrono::seconds(t["request-s"].as<int>());
  s.retry.deadline = std::chrono::seconds(t["deadline-s"].as<int>());
  s.retry.attempts = t["attempts"].as<int>();
  s.pyramid_depth = opt["pyramid-depth"].as<int>();
  s.brick_shape = config::as_vec3(opt["brick-shape"]);
  s.write_empty_blocks = opt["write-empty-blocks"].as<bool>();
  s.skip_scale0_write = opt["skip-scale-0-write"].as<bool>();
  s.dont_overwrite_identical = opt["dont-overwrite-identical-blocks"].as<bool>();
  s.concurrency = opt["concurrency"].as<int>();
  s.batch_blocks = opt["batch-blocks"].as<int>();
  s.gzip_level = opt["gzip-level"].as<int>();
  s.stats_file = opt["block-statistics-file"].as<std::string>();
  s.stats_csv = opt["block-statistics-csv"].as<bool>();
  return s;
}

}  // namespace

int ingest_supervoxels_main(int argc, char** argv) {
  return mpi::run(argc, argv, [&](mpi::Env& env) {
    const config::StageArgs args = mpi::root_first(env.comm(), [&] { return config::parse_stage_args("ingest-supervoxels", argc, argv, true); });
    if (args.help) {
      if (env.root()) std::cout << kHelp;
      return 0;
    }
    const config::WorkflowConfig cfg = mpi::root_first(env.comm(), [&] {
      config::WorkflowConfig c = config::load_stage_config("ingest-supervoxels", args.config);
      return c;
    });
    log::set_level(config::log_level(cfg.config));
    const fs::path exec_dir = args.exec_dir;
    IngestSettings s = mpi::root_first(env.comm(), [&] { return settings_from(cfg.config, exec_dir); });
    s.dry_run = args.dry_run;
    const YAML::Node input = cfg.config["input"];
    Source source;
    source.open = [&] { return open_volume(input, exec_dir, 0); };
    source.bounding_box = [&](const VolumeReader& r) { return resolve_bounding_box(input, r, 0); };
    if (args.verify) return verify_ingest(env.comm(), source, s) == 0 ? 0 : 1;
    ingest_supervoxels(env.comm(), source, s);
    return 0;
  });
}

}  // namespace dflow::ingest
