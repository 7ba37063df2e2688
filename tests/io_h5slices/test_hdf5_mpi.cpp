// The HDF5 reader under MPI (run by ctest through mpirun -np 2): every rank opens the files with
// the MPI-IO driver on MPI_COMM_SELF and reads a DIFFERENT set of boxes, a different number of them,
// so any hidden collective call would deadlock (and hit the ctest timeout) instead of passing.
#define CATCH_CONFIG_RUNNER
#include <catch2/catch.hpp>

#include <mpi.h>

#include "golden_h5slices.hpp"
#include "io/hdf5/hdf5.hpp"

using namespace dflow;
using namespace dflow::test;

namespace {
int rank() {
  int r = 0;
  MPI_Comm_rank(MPI_COMM_WORLD, &r);
  return r;
}
int world() {
  int n = 0;
  MPI_Comm_size(MPI_COMM_WORLD, &n);
  return n;
}
}  // namespace

TEST_CASE("hdf5 under MPI: each rank reads its own boxes through MPI-IO", "[hdf5][mpi]") {
  REQUIRE(world() >= 2);  // otherwise this is not testing anything the serial test does not
  const auto manifest = h5slices_manifest();
  int checked = 0;
  for (const auto& c : manifest.at("hdf5")) {
    INFO("rank " << rank() << ": " << c.at("name").get<std::string>());
    const auto reader = open_hdf5(h5slices_dir() / c.at("file").get<std::string>(), c.at("dataset"));
    CHECK(hdf5_driver(*reader) == "mpio");
    const Expected e = load_expected(c);
    // This rank's z-slab of the volume, then random boxes from a rank-specific seed; rank 0 reads more.
    const int64_t z0 = e.box.lo.z + e.box.shape().z * rank() / world();
    const int64_t z1 = e.box.lo.z + e.box.shape().z * (rank() + 1) / world();
    std::vector<Box> boxes;
    if (z1 > z0) boxes.push_back({{e.box.lo.x, e.box.lo.y, z0}, {e.box.hi.x, e.box.hi.y, z1}});
    for (const Box& b : test_boxes(e.box, 500 + unsigned(rank()), rank() == 0 ? 25 : 5)) boxes.push_back(b);
    for (const Box& b : boxes) {
      INFO("box " << to_string(b));
      CHECK(compare_box(*reader, e, b) == -1);
      ++checked;
    }
  }
  CHECK(checked > 20);
}

int main(int argc, char** argv) {
  MPI_Init(&argc, &argv);
  int result = Catch::Session().run(argc, argv);
  // Every rank's verdict counts: the test fails if any rank failed.
  int worst = 0;
  MPI_Allreduce(&result, &worst, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD);
  MPI_Finalize();
  return worst;
}
