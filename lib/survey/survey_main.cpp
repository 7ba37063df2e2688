// The survey-volume program: options and config, then survey_volume().
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
#include "io/open_volume.hpp"
#include "mpi/mpi_env.hpp"
#include "survey/survey.hpp"

namespace dflow::stages {

namespace {

constexpr const char* kHelp = R"(usage: survey-volume --config FILE [--exec-dir DIR] [--dry-run]
       (normally started by launchflow: mpirun -n N survey-volume --config DIR/full-workflow-config.yaml --exec-dir DIR)

Reads the input volume brick by brick on all MPI ranks and writes to the execution directory:
  survey.json            extent, data type, brick count; intensity statistics (grayscale) or label
                         statistics (segmentation): label count, id range, sizes, largest labels
  block-statistics.h5    segmentation only: voxels of every label in every 64^3 block (label 0 excluded),
                         flyemflows' layout (dataset `stats`: segment_id, z, y, x, count), written by every
                         rank; rows in brick order, each brick's sorted by segment_id, z, y, x
  block-statistics.csv   the same rows as text, with survey.block-statistics-csv: true
Finished bricks are journaled in DIR/journal/ and their results kept in DIR/bricks/survey-volume/,
so running the same command again resumes where an interrupted run stopped (at any rank count).

workflow.yaml:
  workflow-name: survey-volume
  input: {n5|zarr|hdf5|slice-files|precomputed: {...}, geometry: {bounding-box: ...}}
  survey: {brick-shape: [256,256,256], kind: auto|grayscale|segmentation, block-statistics-csv: false}

options:
  --config FILE    the workflow config (full-workflow-config.yaml)
  --exec-dir DIR   execution directory: outputs, journal; relative input paths resolve against it
                   (default: the directory of FILE)
  --dry-run        print the brick plan (bricks per rank, bytes per brick, memory per rank) and exit
  --help           this text

environment:
  DFLOW_FAIL_AFTER_BRICKS=N   test hook: each rank fails after finishing N bricks (to test resuming)
)";


}  // namespace

int survey_volume_main(int argc, char** argv) {
  return mpi::run(argc, argv, [&](mpi::Env& env) {
    const config::StageArgs args = mpi::root_first(env.comm(), [&] { return config::parse_stage_args("survey-volume", argc, argv); });
    if (args.help) {
      if (env.root()) std::cout << kHelp;
      return 0;
    }
    const config::WorkflowConfig cfg = mpi::root_first(env.comm(), [&] {
      config::WorkflowConfig c = config::load_stage_config("survey-volume", args.config);
      return c;
    });
    log::set_level(config::log_level(cfg.config));
    SurveySettings settings;
    settings.exec_dir = args.exec_dir;
    settings.brick_shape = config::as_vec3(cfg.config["survey"]["brick-shape"]);
    settings.kind = cfg.config["survey"]["kind"].as<std::string>();
    settings.stats_csv = cfg.config["survey"]["block-statistics-csv"].as<bool>();
    settings.dry_run = args.dry_run;
    const YAML::Node input = cfg.config["input"];
    SurveySource source;
    source.open = [&] { return open_volume(input, settings.exec_dir, 0); };
    source.bounding_box = [&](const VolumeReader& r) { return resolve_bounding_box(input, r, 0); };
    survey_volume(env.comm(), source, settings);
    return 0;
  });
}

}  // namespace dflow::stages
