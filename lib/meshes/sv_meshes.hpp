#pragma once
// sv-meshes: one mesh per supervoxel, uploaded into a DVID tarsupervoxels instance (what neu3 draws)
// or written as tarballs. flyemflows' GridMeshes writes one mesh per supervoxel and BRICK, so a
// supervoxel spanning bricks is overwritten by whichever brick uploads last; here every supervoxel gets
// exactly one mesh, whole:
//
//  1. Bricks (mpi/bricks.hpp, journaled by mpi/brick_runner.hpp): each rank reads its bricks with a
//     one-voxel halo (0 outside the volume) and runs mesh::marching_cubes over the brick, which emits
//     each label's triangles of the cells the brick owns, in global coordinates. The pieces are stored
//     in <exec-dir>/bricks/sv-meshes-pieces/<brick>.pieces before the brick is journaled.
//  2. Exchange: every supervoxel has an owner rank (pieces.hpp: a hash of the id). Each rank loads the
//     pieces of the bricks assign_bricks() gives it and sends them to their owners with one
//     MPI_Alltoallv (mpi/exchange.hpp); when the pieces exceed the memory budget this happens in
//     several rounds, each for a hash-defined share of the supervoxels.
//  3. Each owner merges a supervoxel's pieces in brick order (mesh::build_mesh: weld, smooth,
//     simplify, scale to output units, encode) on `threads` threads, and packs the meshes into tars of
//     at most tar-mib (lib/archive/tar.hpp) that are POSTed to .../load (the client's retries) or
//     written to the directory, while the next meshes are built. After a tar is stored its supervoxels
//     are journaled (journal/sv-meshes-upload.rank<R>.txt), so a resumed run -- with any number of
//     ranks -- never uploads a supervoxel twice and skips the bricks already meshed.
//
// A supervoxel's bytes depend only on the input and the options (pieces are merged in brick-id order),
// so any number of ranks uploads identical meshes.
//
// With `agglomerate` (an sv,body mapping) every label is replaced by its body before meshing, and with a
// keyvalue output the meshes are stored as keys `<body>.<format>`: body meshes made from the voxels, for
// neuroglancer's `<labelmap>_meshes` instance (body_meshes.hpp makes them from supervoxel meshes instead).
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>

#include <mpi.h>

#include "core/geometry.hpp"
#include "dvid/client.hpp"
#include "io/volume.hpp"
#include "mesh/build.hpp"

namespace dflow::meshes {

struct SvMeshSettings {
  std::filesystem::path exec_dir;
  // Exactly one output: a tarsupervoxels instance, a keyvalue instance (keyvalue = true), or a
  // directory of tarballs.
  std::string server, uuid, instance;
  bool keyvalue = false;
  std::filesystem::path tar_dir;
  // Optional sv,body CSV: labels are mapped to bodies before meshing, so one mesh per BODY is made
  // from the voxels (neuroglancer's body meshes without supervoxel meshes first).
  std::filesystem::path agglomerate;
  Vec3 brick_shape{128, 128, 128};
  mesh::MeshOptions mesh;
  size_t tar_bytes = size_t{64} << 20;
  int threads = 2;
  size_t memory_bytes = size_t{2048} << 20;
  bool dry_run = false;
  dvid::RetryPolicy retry;
};

struct SvSource {
  // Opens the input; called on every rank (rank 0 first, so a bad input is reported once).
  std::function<std::unique_ptr<VolumeReader>()> open;
  // The box to mesh (default: the reader's bounds).
  std::function<Box(const VolumeReader&)> bounding_box;
};

// Collective. Throws on failure (mpi::run turns that into one line and MPI_Abort).
void sv_meshes(MPI_Comm comm, const SvSource& source, const SvMeshSettings& settings);

// sv-meshes --config FILE [--exec-dir DIR] [--dry-run]: the whole program.
int sv_meshes_main(int argc, char** argv);

}  // namespace dflow::meshes
