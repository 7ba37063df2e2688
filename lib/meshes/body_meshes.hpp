#pragma once
// body-meshes: one mesh per agglomerated body, for neuroglancer, from the supervoxel meshes that
// sv-meshes stored in DVID (flyemflows' DecimateMeshes: concatenate + decimate).
//
// Where neuroglancer's DVID data source looks (google/neuroglancer src/datasource/dvid/frontend.ts
// and backend.ts; the same in the @janelia-flyem/neuroglancer build the tests use): for a labelmap
// layer `dvid://<server>/<uuid>/<name>` it uses the keyvalue instance named `<name>_meshes` if the
// repo has one (found by NAME; dvid-setup also tags it type=meshes as flyemflows does), and for body B
// fetches GET .../<name>_meshes/key/B.ngmesh: neuroglancer's legacy single-resolution fragment
// (uint32le vertex count, float32le x,y,z per vertex, uint32le triangles to the end), in NANOMETRES
// (the source maps mesh units to voxels by 1/VoxelSize).
//
// Per body (bodies spread over the ranks by the same hash as supervoxels, pieces.hpp): GET
// .../tarfile/B from the tarsupervoxels instance at the agglomeration's node, decode every member,
// concatenate, simplify (meshoptimizer) to `decimation` / `max-triangles`, multiply by `rescale`
// (supervoxel mesh units -> nm), encode, and POST the keys in batches (/keyvalues). Finished bodies are
// journaled (journal/body-meshes.rank<R>.txt) after their batch is stored, so a re-run resumes.
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include <mpi.h>

#include "dvid/client.hpp"
#include "mesh/encode.hpp"
#include "mesh/simplify.hpp"

namespace dflow::meshes {

struct BodyMeshSettings {
  std::filesystem::path exec_dir;
  std::string server, uuid, labelmap, sv_instance, kv_instance;
  std::vector<uint64_t> bodies;  // sorted, unique
  mesh::SimplifyOptions simplify;
  std::array<double, 3> rescale{1, 1, 1};
  mesh::Format format = mesh::Format::ngmesh;
  mesh::Format sv_format = mesh::Format::drc;
  size_t batch_bytes = size_t{32} << 20;
  int threads = 2;
  bool dry_run = false;
  dvid::RetryPolicy retry;
};

// "<body>.ngmesh" / "<body>.drc": the key neuroglancer reads.
std::string body_mesh_key(uint64_t body, mesh::Format f);

// Collective.
void body_meshes(MPI_Comm comm, const BodyMeshSettings& settings);

// body-meshes --config FILE [--exec-dir DIR] [--dry-run]: the whole program.
int body_meshes_main(int argc, char** argv);

}  // namespace dflow::meshes
