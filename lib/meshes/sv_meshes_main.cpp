// The sv-meshes program: options and config, then sv_meshes().
#include <iostream>

#include "config/stage_args.hpp"
#include "config/base_schema.hpp"
#include "config/values.hpp"
#include "core/error.hpp"
#include "core/files.hpp"
#include "core/log.hpp"
#include "io/open_volume.hpp"
#include "meshes/dvid_volume.hpp"
#include "meshes/sv_meshes.hpp"
#include "mpi/mpi_env.hpp"

namespace dflow::meshes {

namespace {

constexpr const char* kHelp = R"(usage: sv-meshes --config FILE [--exec-dir DIR] [--dry-run]
       (normally started by launchflow: mpirun -n N sv-meshes --config DIR/full-workflow-config.yaml --exec-dir DIR)

One mesh per supervoxel, whole however many bricks it spans, into a DVID tarsupervoxels instance (what
neu3 draws) or into tarballs, as flyemflows' GridMeshes/CreateMeshes:
  - bricks of sv-meshes.brick-shape are read with a one-voxel halo (from `input`, any reader, or from
    `dvid-input`, a labelmap read with /specificblocks at any scale) and meshed by marching cubes;
  - each supervoxel's pieces go to the rank that owns it (a hash of the id; MPI_Alltoallv), which welds
    them, smooths (sv-meshes.smoothing), simplifies (decimation, max-triangles; meshoptimizer), scales to
    output units (voxel-size * rescale) and encodes them (format drc|ngmesh|obj; an empty mesh is 0 bytes);
  - meshes are packed into tars of at most sv-meshes.tar-mib, members <sv>.<format>, and POSTed to
    .../load (bounded retries with backoff) or written to output.directory-of-tarfiles.
Outputs in the execution directory:
  sv-meshes.json               counts, bytes, tars, time
  sv-meshes-supervoxels.csv    sv,voxels,triangles (before simplification) of every supervoxel
Finished bricks (journal/sv-meshes.rank*.txt, pieces in bricks/sv-meshes-pieces/) and stored meshes
(journal/sv-meshes-upload.rank*.txt) are journaled: running the same command again, with any number of
ranks, resumes and never stores a supervoxel's mesh twice.

workflow.yaml:
  workflow-name: sv-meshes
  input: {n5|zarr|hdf5|slice-files|precomputed: {...}, geometry: {...}}     (or)
  dvid-input: {server, uuid, segmentation-name, scale: 0}
  output: {tarsupervoxels: {server, uuid, instance}}  (or)  {directory-of-tarfiles: DIR}  (or)
          {keyvalue: {server, uuid, instance}}   (keys <id>.<format>, e.g. body meshes for neuroglancer)
  sv-meshes: {brick-shape: [128,128,128], smoothing: 0, decimation: 1.0, max-triangles: 0,
              voxel-size: [1,1,1], rescale: 1, format: drc, tar-mib: 64, threads: 2, memory-per-rank-mib: 2048,
              agglomerate: ""}     (agglomerate: sv,body CSV = one mesh per body, from the voxels)
  (launchflow --document sv-meshes prints every option)

options:
  --config FILE    the workflow config (full-workflow-config.yaml)
  --exec-dir DIR   execution directory (default: the directory of FILE)
  --dry-run        print the plan (bricks per rank, memory per rank, what is already done) and exit
  --help           this text

environment:
  DFLOW_FAIL_AFTER_BRICKS=N   test hook: each rank fails after meshing N bricks
  DFLOW_FAIL_AFTER_TARS=N     test hook: each rank fails after storing N tars
)";

std::array<double, 3> as_xyz(const YAML::Node& n, const std::string& key) {
  if (n.size() != 3) fail("{}: expected [x,y,z]", key);
  std::array<double, 3> v{};
  for (size_t i = 0; i < 3; ++i) {
    v[i] = n[i].as<double>();
    if (!(v[i] > 0)) fail("{}: every value must be > 0", key);
  }
  return v;
}

SvMeshSettings settings_from(const YAML::Node& cfg, const fs::path& exec_dir) {
  SvMeshSettings s;
  s.exec_dir = exec_dir;
  const YAML::Node out = cfg["output"], opt = cfg["sv-meshes"];
  if (const YAML::Node t = out["tarsupervoxels"] ? out["tarsupervoxels"] : out["keyvalue"]) {
    s.keyvalue = !out["tarsupervoxels"];
    s.server = t["server"].as<std::string>();
    s.uuid = t["uuid"].as<std::string>();
    s.instance = t["instance"].as<std::string>();
  } else {
    const fs::path d = out["directory-of-tarfiles"].as<std::string>();
    s.tar_dir = d.is_absolute() ? d : exec_dir / d;
  }
  s.brick_shape = config::as_vec3(opt["brick-shape"]);
  s.mesh.smoothing = opt["smoothing"].as<int>();
  s.mesh.simplify.fraction = opt["decimation"].as<double>();
  if (!(s.mesh.simplify.fraction > 0 && s.mesh.simplify.fraction <= 1))
    fail("sv-meshes.decimation: {} is not in (0, 1]", s.mesh.simplify.fraction);
  s.mesh.simplify.max_triangles = opt["max-triangles"].as<size_t>();
  s.mesh.voxel_size = as_xyz(opt["voxel-size"], "sv-meshes.voxel-size");
  const double r = opt["rescale"].as<double>();
  if (!(r > 0)) fail("sv-meshes.rescale: {} must be > 0", r);
  s.mesh.rescale = {r, r, r};
  s.mesh.format = mesh::parse_format(opt["format"].as<std::string>());
  s.tar_bytes = opt["tar-mib"].as<size_t>() << 20;
  s.threads = opt["threads"].as<int>();
  s.memory_bytes = opt["memory-per-rank-mib"].as<size_t>() << 20;
  if (const std::string a = opt["agglomerate"].as<std::string>(); !a.empty()) s.agglomerate = fs::path(a).is_absolute() ? fs::path(a) : exec_dir / a;
  return s;
}

}  // namespace

int sv_meshes_main(int argc, char** argv) {
  return mpi::run(argc, argv, [&](mpi::Env& env) {
    const config::StageArgs args = mpi::root_first(env.comm(), [&] { return config::parse_stage_args("sv-meshes", argc, argv); });
    if (args.help) {
      if (env.root()) std::cout << kHelp;
      return 0;
    }
    const config::WorkflowConfig cfg = mpi::root_first(env.comm(), [&] { return config::load_stage_config("sv-meshes", args.config); });
    log::set_level(config::log_level(cfg.config));
    const fs::path exec_dir = args.exec_dir;
    SvMeshSettings s = mpi::root_first(env.comm(), [&] { return settings_from(cfg.config, exec_dir); });
    s.dry_run = args.dry_run;
    SvSource source;
    if (const YAML::Node d = cfg.config["dvid-input"]) {
      const DvidLabelmapSource src{d["server"].as<std::string>(), d["uuid"].as<std::string>(),
                                   d["segmentation-name"].as<std::string>(), d["scale"].as<int>()};
      source.open = [src] { return open_dvid_labelmap(src); };
    } else {
      const YAML::Node input = cfg.config["input"];
      source.open = [input, exec_dir] { return open_volume(input, exec_dir, 0); };
      source.bounding_box = [input](const VolumeReader& r) { return resolve_bounding_box(input, r, 0); };
    }
    sv_meshes(env.comm(), source, s);
    return 0;
  });
}

}  // namespace dflow::meshes
