// The export-grayscale program: options and config, then export_grayscale().
#include <iostream>
#include <string>
#include <vector>

#include "config/base_schema.hpp"
#include "config/values.hpp"
#include "config/stage_args.hpp"
#include "config/workflows.hpp"
#include "core/error.hpp"
#include "core/log.hpp"
#include "export/export_grayscale.hpp"
#include "io/open_volume.hpp"
#include "io/precomputed/metadata.hpp"
#include "mpi/mpi_env.hpp"

namespace dflow::exporter {

namespace {

namespace fs = std::filesystem;

constexpr const char* kHelp = R"(usage: export-grayscale --config FILE [--exec-dir DIR] [--dry-run]
       (normally started by launchflow: mpirun -n N export-grayscale --config DIR/full-workflow-config.yaml --exec-dir DIR)

Copies uint8 grayscale from the input (n5, zarr, hdf5, slice-files, precomputed) to
  a neuroglancer precomputed volume: info + scales 0..max-pyramid-scale, chunks "x0-x1_y0-y1_z0-z1"
    (edge chunks truncated), encoding jpeg (libjpeg-turbo; width X, height Y*Z) or raw, unsharded or
    neuroglancer_uint64_sharded_v1 (identity hash, igneous' parameters, one rank writes each shard), or
  DVID uint8blk instances NAME, NAME_1, ... (one per scale) via POST /raw?mutate=true in block-aligned
    pieces, creating them if asked (BlockSize 64,64,64) and setting their extents.
Scale s>0 is the 2x2x2 block mean of scale s-1 (uint16 sum, floor division by 8, as flyemflows'
block-mean); scale s covers [floor(lo/2^s), ceil(hi/2^s)) and voxels outside the volume count as 0.

Work is cut into bricks that carry their own pyramid: a brick of U*2^L voxels (U = chunk, shard or
64^3 block) yields L levels with no communication; levels above L come from later passes that read
the level below back (raw output, or a raw staging copy in DIR/export-grayscale-staging). L is the
largest depth that fits export-grayscale.memory-per-rank-mib (memory per rank ~ brick * 8/7 + one
input-chunk-deep slab; sharded: + the brick's encoded level). Finished bricks are journaled in
DIR/journal/, so running again resumes. Rank 0 writes DIR/export-grayscale.json (per-scale counts).

workflow.yaml:
  workflow-name: export-grayscale
  input: {n5|zarr|hdf5|slice-files|precomputed: {...}, geometry: {bounding-box: ...}}
  output:
    precomputed: {path, encoding: jpeg|raw, jpeg-quality: 85, chunk-size: [64,64,64],
                  resolution: [8,8,8], sharded: false, shard-bytes: -1,
                  bucket: {endpoint, region, path-style, profile, parallel-requests, multipart-mib, part-mib}}
    # path: a directory, s3://bucket/prefix or gs://bucket/prefix (credentials: README "Buckets")
    # or
    dvid: {server, uuid, grayscale-name, create-if-necessary: false,
           creation-settings: {compression: none|jpeg|lz4, voxel-size: 8.0, voxel-units: nanometers,
           background: 0}, mutate: true}
  export-grayscale: {max-pyramid-scale: N, memory-per-rank-mib: 1024}

options:
  --config FILE    the workflow config (full-workflow-config.yaml)
  --exec-dir DIR   execution directory: journal, summary; relative paths resolve against it
                   (default: the directory of FILE)
  --dry-run        print the passes (levels, bricks, bricks per rank, memory per rank) and exit
  --help           this text

environment:
  DFLOW_FAIL_AFTER_BRICKS=N   test hook: each rank fails after finishing N bricks (to test resuming)
)";


// Range checks the schema language cannot express; `file` names the config in the message.
void check_range(const std::string& file, const std::string& key, int64_t v, int64_t lo, int64_t hi) {
  if (v < lo || v > hi) fail("{}: {}: {} is outside {}..{}", file, key, v, lo, hi);
}

ExportSettings settings_from(const config::WorkflowConfig& cfg, const std::string& file, const fs::path& exec_dir) {
  ExportSettings s;
  s.exec_dir = exec_dir;
  const YAML::Node opts = cfg.config["export-grayscale"];
  s.max_scale = opts["max-pyramid-scale"].as<int>();
  check_range(file, "export-grayscale.max-pyramid-scale", s.max_scale, 0, 10);
  s.memory_budget = opts["memory-per-rank-mib"].as<int64_t>() << 20;
  const YAML::Node out = cfg.config["output"];
  if (out["precomputed"]) {
    const YAML::Node p = out["precomputed"];
    PrecomputedOutput o;
    std::string url = p["path"].as<std::string>();
    if (url.rfind("precomputed://", 0) == 0) url = url.substr(14);
    if (kv::is_bucket_url(url)) {
      kv::parse_location(url);  // a malformed bucket URL is refused here, naming it
      o.path = url;
    } else {
      fs::path path = precomputed::local_path(url);
      if (path.is_relative()) path = exec_dir / path;
      o.path = path.lexically_normal().string();
    }
    o.bucket = bucket_options(p["bucket"]);
    o.encoding = p["encoding"].as<std::string>() == "raw" ? precomputed::Encoding::raw : precomputed::Encoding::jpeg;
    o.jpeg_quality = p["jpeg-quality"].as<int>();
    check_range(file, "output.precomputed.jpeg-quality", o.jpeg_quality, 1, 100);
    o.chunk_size = config::as_vec3(p["chunk-size"]);
    const YAML::Node r = p["resolution"];
    if (r.size() != 3) fail("{}: output.precomputed.resolution: expected 3 numbers [x,y,z], got {}", file, r.size());
    for (size_t a = 0; a < 3; ++a) {
      o.resolution[a] = r[a].as<double>();
      if (!(o.resolution[a] > 0)) fail("{}: output.precomputed.resolution: {} is not positive", file, o.resolution[a]);
    }
    o.sharded = p["sharded"].as<bool>();
    const int64_t shard_bytes = p["shard-bytes"].as<int64_t>();
    // A rank holds a shard box of voxels plus its encoded chunks: 2.5x leaves room for both.
    o.shard_bytes = shard_bytes > 0 ? shard_bytes : int64_t(double(s.memory_budget) / 2.5);
    o.shard_bytes_from_budget = shard_bytes <= 0;
    s.output = o;
  } else {
    const YAML::Node d = out["dvid"];
    DvidOutput o;
    o.server = d["server"].as<std::string>();
    o.uuid = d["uuid"].as<std::string>();
    o.grayscale_name = d["grayscale-name"].as<std::string>();
    o.create_if_necessary = d["create-if-necessary"].as<bool>();
    const YAML::Node c = d["creation-settings"];
    o.compression = c["compression"].as<std::string>();
    o.voxel_size = c["voxel-size"].as<double>();
    o.voxel_units = c["voxel-units"].as<std::string>();
    o.background = c["background"].as<int>();
    check_range(file, "output.dvid.creation-settings.background", o.background, 0, 255);
    o.mutate = d["mutate"].as<bool>();
    s.output = o;
  }
  return s;
}

}  // namespace

int export_grayscale_main(int argc, char** argv) {
  return mpi::run(argc, argv, [&](mpi::Env& env) {
    const config::StageArgs args = mpi::root_first(env.comm(), [&] { return config::parse_stage_args("export-grayscale", argc, argv); });
    if (args.help) {
      if (env.root()) std::cout << kHelp;
      return 0;
    }
    const fs::path exec_dir = args.exec_dir;
    ExportSettings settings;
    const config::WorkflowConfig cfg = mpi::root_first(env.comm(), [&] {
      config::WorkflowConfig c = config::load_stage_config("export-grayscale", args.config);
      settings = settings_from(c, args.config, exec_dir);
      return c;
    });
    log::set_level(config::log_level(cfg.config));
    settings.dry_run = args.dry_run;
    const YAML::Node input = cfg.config["input"];
    ExportSource source;
    source.open = [&] { return open_volume(input, exec_dir, 0); };
    source.bounding_box = [&](const VolumeReader& r) { return resolve_bounding_box(input, r, 0); };
    export_grayscale(env.comm(), source, settings);
    return 0;
  });
}

}  // namespace dflow::exporter
