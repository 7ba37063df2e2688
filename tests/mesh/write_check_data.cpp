// Writes meshes of example supervoxels for tests/mesh/check_meshes.py, which reads them with numpy and
// DracoPy (readers we did not write) and checks them against the voxels: the labels as raw uint64
// (labels.u64, z-major, x fastest) and per supervoxel the chain's output in each format.
// Run by ctest as `test_mesh "[.write]"` with DFLOW_MESH_CHECK_DIR set.
#include <cstdlib>
#include <filesystem>
#include <fstream>

#include <catch2/catch.hpp>
#include <fmt/format.h>

#include "example/supervoxels.hpp"
#include "mesh/build.hpp"
#include "mesh_test_support.hpp"

using namespace dflow;
using namespace dflow::mesh;

TEST_CASE("write meshes for the independent readers", "[.write]") {
  const char* dir_env = std::getenv("DFLOW_MESH_CHECK_DIR");
  REQUIRE(dir_env);
  const std::filesystem::path dir(dir_env);
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  example::ExampleParams p;
  p.threads = 1;
  const Box region{{100, 80, 60}, {196, 176, 156}};
  const auto vol = example::SupervoxelModel(p).generate(region);
  std::ofstream(dir / "labels.u64", std::ios::binary)
      .write(reinterpret_cast<const char*>(vol.data()), std::streamsize(vol.size() * sizeof(uint64_t)));
  // Pieces from 2x2x2 bricks per supervoxel: the library's chain merges them.
  std::map<uint64_t, std::vector<Mesh>> pieces;
  const Vec3 brick{48, 48, 48};
  for (int64_t z = region.lo.z; z < region.hi.z; z += brick.z)
    for (int64_t y = region.lo.y; y < region.hi.y; y += brick.y)
      for (int64_t x = region.lo.x; x < region.hi.x; x += brick.x) {
        const Box b{{x, y, z}, Vec3{x, y, z} + brick};
        const auto halo = vol.crop({b.lo - Vec3::fill(1), b.hi + Vec3::fill(1)});
        for (auto& [label, m] : marching_cubes({halo.vec(), b, region})) pieces[label].push_back(std::move(m));
      }
  struct Variant { const char* name; int smoothing; double fraction; };
  const std::array<double, 3> voxel{4, 5, 6};
  std::ofstream index(dir / "index.txt");
  index << fmt::format("box {} {} {} {} {} {}\nvoxel {} {} {}\n", region.lo.x, region.lo.y, region.lo.z, region.hi.x,
                       region.hi.y, region.hi.z, voxel[0], voxel[1], voxel[2]);
  for (const auto& [label, ps] : pieces) {
    for (const Variant v : {Variant{"raw", 0, 1.0}, Variant{"simple", 2, 0.2}}) {
      MeshOptions opt;
      opt.smoothing = v.smoothing;
      opt.simplify.fraction = v.fraction;
      opt.voxel_size = voxel;
      for (Format f : {Format::ngmesh, Format::drc, Format::obj}) {
        opt.format = f;
        const std::string bytes = build_mesh(ps, opt);
        REQUIRE(!bytes.empty());
        std::ofstream(dir / fmt::format("{}.{}.{}", label, v.name, format_name(f)), std::ios::binary).write(bytes.data(), std::streamsize(bytes.size()));
      }
    }
    index << "label " << label << " " << ps.size() << "\n";
  }
}
