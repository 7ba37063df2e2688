// Moving mesh pieces to their owners: mpi::alltoallv_bytes (in rounds when the buffers exceed the
// per-round bound), the piece wire format, and the owner hash. Runs under mpirun at 1, 2 and 4 ranks.
#include <catch2/catch.hpp>

#include "meshes/pieces.hpp"
#include "mpi/exchange.hpp"
#include "mpi/mpi_env.hpp"
#include "test_support.hpp"

using namespace dflow;

namespace {

std::byte pattern(int from, int to, size_t i) { return std::byte((from * 31 + to * 7 + i * 13) & 0xff); }

}  // namespace

TEST_CASE("alltoallv_bytes delivers every buffer, in one round or in many", "[exchange]") {
  int rank = 0, n = 1;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &n);
  for (size_t round_bytes : {size_t{1} << 30, size_t{1000}, size_t{1}}) {
    INFO("round bytes " << round_bytes);
    std::vector<std::vector<std::byte>> send(static_cast<size_t>(n));
    for (int d = 0; d < n; ++d) {
      const size_t size = d == rank ? 0 : size_t(rank + 1) * size_t(d + 1) * 777;  // some empty, all different
      for (size_t i = 0; i < size; ++i) send[size_t(d)].push_back(pattern(rank, d, i));
    }
    const auto recv = mpi::alltoallv_bytes(MPI_COMM_WORLD, send, round_bytes);
    REQUIRE(recv.size() == size_t(n));
    for (int s = 0; s < n; ++s) {
      const size_t size = s == rank ? 0 : size_t(s + 1) * size_t(rank + 1) * 777;
      REQUIRE(recv[size_t(s)].size() == size);
      bool same = true;
      for (size_t i = 0; i < size; ++i) same = same && recv[size_t(s)][i] == pattern(s, rank, i);
      CHECK(same);
    }
  }
  std::vector<std::vector<std::byte>> wrong(static_cast<size_t>(n) + 1);
  CHECK(test::error_of([&] { mpi::alltoallv_bytes(MPI_COMM_WORLD, wrong); }) ==
        fmt::format("alltoallv_bytes: {} send buffers for {} ranks", n + 1, n));
}

TEST_CASE("pieces round-trip through their wire format; truncation is reported", "[exchange]") {
  meshes::Piece a{18446744073709551615ull, 3, 12345, {{0, 0, 0, 1, 0, 0, 0, 1, 0.5f}, {0, 1, 2}}};
  meshes::Piece b{7, 0, 9, {}};  // voxels but no triangles in its brick
  std::vector<std::byte> wire;
  meshes::append_piece(wire, a);
  meshes::append_piece(wire, b);
  const auto back = meshes::parse_pieces(wire, "wire");
  REQUIRE(back.size() == 2);
  CHECK((back[0].sv == a.sv && back[0].brick == 3 && back[0].voxels == 12345 && back[0].mesh == a.mesh));
  CHECK((back[1].sv == 7 && back[1].voxels == 9 && back[1].mesh.empty()));
  wire.resize(wire.size() - 40);
  CHECK(test::error_of([&] { meshes::parse_pieces(wire, "x.pieces"); }) ==
        "x.pieces: mesh piece of supervoxel 18446744073709551615 at byte 0 needs 80 bytes, 72 remain");
}

TEST_CASE("owners: every rank count gets every rank used, the same answer every time", "[exchange]") {
  for (int n : {1, 2, 3, 4, 7}) {
    std::vector<int> used(size_t(n), 0);
    for (uint64_t sv = 1; sv <= 1000; ++sv) {
      const int o = meshes::owner_rank(sv, n);
      REQUIRE((o >= 0 && o < n));
      CHECK(o == meshes::owner_rank(sv, n));
      ++used[size_t(o)];
    }
    for (int u : used) CHECK(u > 1000 / n / 2);  // roughly balanced
  }
  CHECK(meshes::exchange_round(12345, 1) == 0);
  for (uint64_t sv = 1; sv < 100; ++sv) CHECK(meshes::exchange_round(sv, 5) < 5);
}
