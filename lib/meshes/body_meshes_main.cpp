// The body-meshes program: options and config, then body_meshes().
#include <iostream>
#include <set>

#include "config/stage_args.hpp"
#include "config/base_schema.hpp"
#include "core/error.hpp"
#include "core/files.hpp"
#include "core/log.hpp"
#include "labelindex/mapping.hpp"
#include "meshes/body_meshes.hpp"
#include "mpi/mpi_env.hpp"

namespace dflow::meshes {

namespace {

constexpr const char* kHelp = R"(usage: body-meshes --config FILE [--exec-dir DIR] [--dry-run]
       (normally started by launchflow: mpirun -n N body-meshes --config DIR/full-workflow-config.yaml --exec-dir DIR)

One mesh per agglomerated body for neuroglancer, from the supervoxel meshes sv-meshes stored in DVID
(flyemflows' DecimateMeshes): for each body, GET .../<sv-meshes>/tarfile/<body> at the agglomeration's
node, decode every supervoxel mesh, concatenate, simplify (body-meshes.decimation, max-triangles;
meshoptimizer), multiply by body-meshes.rescale (to nm) and store key <body>.ngmesh (neuroglancer's legacy
mesh format, what its DVID source reads from the keyvalue instance <labelmap>_meshes) with POST /keyvalues.
Bodies are spread over the ranks; finished bodies are journaled, so running again resumes.
Outputs in the execution directory: body-meshes.json (counts, triangles, bytes, keys DVID holds).

workflow.yaml:
  workflow-name: body-meshes
  dvid: {server, uuid, segmentation-name, sv-meshes, meshes: ""}    (meshes "" = <segmentation-name>_meshes)
  bodies: {mapping: mapping.csv}  (or)  {list: [id, ...]}
  body-meshes: {decimation: 0.25, max-triangles: 200000, rescale: [1,1,1], format: ngmesh, sv-format: drc,
                batch-mib: 32, threads: 2}
  (launchflow --document body-meshes prints every option)

options:
  --config FILE    the workflow config (full-workflow-config.yaml)
  --exec-dir DIR   execution directory (default: the directory of FILE)
  --dry-run        check the instances, print what would be done and exit
  --help           this text
)";

BodyMeshSettings settings_from(const YAML::Node& cfg, const fs::path& exec_dir) {
  BodyMeshSettings s;
  s.exec_dir = exec_dir;
  const YAML::Node d = cfg["dvid"], b = cfg["bodies"], o = cfg["body-meshes"];
  s.server = d["server"].as<std::string>();
  s.uuid = d["uuid"].as<std::string>();
  s.labelmap = d["segmentation-name"].as<std::string>();
  s.sv_instance = d["sv-meshes"].as<std::string>();
  s.kv_instance = d["meshes"].as<std::string>();
  if (s.kv_instance.empty()) s.kv_instance = s.labelmap + "_meshes";
  std::set<uint64_t> bodies;
  if (b["mapping"]) {
    const fs::path p = b["mapping"].as<std::string>();
    const labelindex::Mapping m = labelindex::load_mapping(p.is_absolute() ? p : exec_dir / p);
    for (const labelindex::SvBody& e : m.entries()) bodies.insert(e.body);
  } else {
    for (const auto& v : b["list"]) bodies.insert(v.as<uint64_t>());
  }
  s.bodies.assign(bodies.begin(), bodies.end());
  s.simplify.fraction = o["decimation"].as<double>();
  if (!(s.simplify.fraction > 0 && s.simplify.fraction <= 1)) fail("body-meshes.decimation: {} is not in (0, 1]", s.simplify.fraction);
  s.simplify.max_triangles = o["max-triangles"].as<size_t>();
  const YAML::Node r = o["rescale"];
  if (r.size() != 3) fail("body-meshes.rescale: expected [x,y,z]");
  for (size_t i = 0; i < 3; ++i) {
    s.rescale[i] = r[i].as<double>();
    if (!(s.rescale[i] > 0)) fail("body-meshes.rescale: every value must be > 0");
  }
  s.format = mesh::parse_format(o["format"].as<std::string>());
  s.sv_format = mesh::parse_format(o["sv-format"].as<std::string>());
  s.batch_bytes = o["batch-mib"].as<size_t>() << 20;
  s.threads = o["threads"].as<int>();
  return s;
}

}  // namespace

int body_meshes_main(int argc, char** argv) {
  return mpi::run(argc, argv, [&](mpi::Env& env) {
    const config::StageArgs args = mpi::root_first(env.comm(), [&] { return config::parse_stage_args("body-meshes", argc, argv); });
    if (args.help) {
      if (env.root()) std::cout << kHelp;
      return 0;
    }
    const config::WorkflowConfig cfg = mpi::root_first(env.comm(), [&] { return config::load_stage_config("body-meshes", args.config); });
    log::set_level(config::log_level(cfg.config));
    BodyMeshSettings s = mpi::root_first(env.comm(), [&] { return settings_from(cfg.config, args.exec_dir); });
    s.dry_run = args.dry_run;
    body_meshes(env.comm(), s);
    return 0;
  });
}

}  // namespace dflow::meshes
