// Marching cubes and stitching: closed, consistently oriented surfaces; volume and distance to the
// voxel boundary; bricks of any shape giving the same triangles as the whole volume.
#include <random>

#include <catch2/catch.hpp>

#include "example/supervoxels.hpp"
#include "mesh/mc_table.hpp"
#include "mesh_test_support.hpp"
#include "test_support.hpp"

using namespace dflow;
using namespace dflow::mesh;
using namespace dflow::mesh::test;

namespace {

Array3<uint64_t> example_region(Box region) {
  example::ExampleParams p;
  p.size = {330, 290, 256};
  p.threads = 1;
  return example::SupervoxelModel(p).generate(region);
}

Array3<uint64_t> noise_volume(Vec3 shape, int labels, double density, uint32_t seed) {
  Array3<uint64_t> v(Box{{0, 0, 0}, shape});
  std::mt19937 rng(seed);
  std::uniform_real_distribution<double> u(0, 1);
  std::uniform_int_distribution<int> l(1, labels);
  for (auto& x : v.vec()) x = u(rng) < density ? uint64_t(l(rng)) : 0;
  return v;
}

// Volume agrees with the voxel count within a sixth of the exposed faces: a midpoint surface cuts
// the convex edges and corners of the voxel set (a single voxel becomes an octahedron of volume 1/6,
// 6 faces) and fills concave ones.
void check_label(const Mesh& m, const Array3<uint64_t>& vol, uint64_t label, const VoxelStats& s) {
  INFO("label " << label);
  const EdgeReport e = check_edges(m);
  CHECK(e.unmatched == 0);
  CHECK(e.repeated == 0);
  CHECK(e.degenerate == 0);
  const double v = signed_volume(m);
  CHECK(std::abs(v - double(s.count)) <= double(s.exposed_faces) / 6.0);
  // Before smoothing every vertex is the centre of a face between the label and another voxel.
  CHECK(max_boundary_distance(m, vol, label) == 0.0);
}

void check_label(const Mesh& m, const Array3<uint64_t>& vol, uint64_t label) { check_label(m, vol, label, voxel_stats(vol, label)); }

}  // namespace

TEST_CASE("case table: every case has a closed, oriented, face-consistent surface", "[mesh]") {
  const auto& t = detail::mc_table();
  CHECK(t.count[0] == 0);
  CHECK(t.count[255] == 0);
  CHECK(t.count[1] == 1);
  // The 256 cases one at a time in a 2x2x2 volume padded by zeros: closed and oriented each time.
  for (int cs = 1; cs < 256; ++cs) {
    Array3<uint64_t> v(Box{{0, 0, 0}, {2, 2, 2}});
    for (int k = 0; k < 8; ++k) v(k & 1, (k >> 1) & 1, (k >> 2) & 1) = (cs >> k) & 1 ? 7 : 0;
    auto meshes = mesh_volume(v, {2, 2, 2});
    REQUIRE(meshes.size() == 1);
    INFO("case " << cs);
    check_label(meshes.at(7), v, 7);
  }
}

TEST_CASE("single voxel, thin sheets, hollow box, touching labels", "[mesh]") {
  SECTION("single voxel: an octahedron of volume 1/6 around its centre") {
    Array3<uint64_t> v(Box{{10, 20, 30}, {13, 23, 33}});
    v.at({11, 21, 31}) = 5;
    auto m = mesh_volume(v, {3, 3, 3}).at(5);
    CHECK(m.num_triangles() == 8);
    CHECK(m.num_vertices() == 6);
    CHECK(signed_volume(m) == Approx(1.0 / 6));
    CHECK(bounds(m) == std::array<float, 6>{11, 21, 31, 12, 22, 32});
    check_label(m, v, 5);
  }
  SECTION("one-voxel sheets in each orientation, and a one-voxel line") {
    for (int axis = 0; axis < 4; ++axis) {
      Array3<uint64_t> v(Box{{0, 0, 0}, {12, 12, 12}});
      for (int64_t i = 2; i < 10; ++i)
        for (int64_t j = 2; j < 10; ++j) {
          Vec3 p = axis == 0 ? Vec3{5, i, j} : axis == 1 ? Vec3{i, 5, j} : axis == 2 ? Vec3{i, j, 5} : Vec3{i, 5, 5};
          v.at(p) = 3;
        }
      check_label(mesh_volume(v, {5, 4, 7}).at(3), v, 3);
    }
  }
  SECTION("hollow box: outer surface outwards, inner surface inwards, volume of the shell") {
    Array3<uint64_t> v(Box{{0, 0, 0}, {14, 14, 14}});
    for (int64_t z = 2; z < 12; ++z)
      for (int64_t y = 2; y < 12; ++y)
        for (int64_t x = 2; x < 12; ++x) v(x, y, z) = (x > 4 && x < 9 && y > 4 && y < 9 && z > 4 && z < 9) ? 0 : 9;
    auto m = mesh_volume(v, {6, 6, 6}).at(9);
    check_label(m, v, 9);
    CHECK(signed_volume(m) < 1000 - 64 + 10);
  }
  SECTION("two labels touching: separate closed meshes sharing the face-centre vertices of their contact") {
    Array3<uint64_t> v(Box{{0, 0, 0}, {10, 10, 10}});
    for (int64_t z = 2; z < 8; ++z)
      for (int64_t y = 2; y < 8; ++y)
        for (int64_t x = 2; x < 8; ++x) v(x, y, z) = x < 5 ? 1 : 2;
    auto meshes = mesh_volume(v, {4, 4, 4});
    REQUIRE(meshes.size() == 2);
    check_label(meshes.at(1), v, 1);
    check_label(meshes.at(2), v, 2);
  }
  SECTION("diagonal neighbours do not join (6-connectivity of the label)") {
    Array3<uint64_t> v(Box{{0, 0, 0}, {4, 4, 4}});
    v(1, 1, 1) = 4;
    v(2, 2, 2) = 4;
    auto m = mesh_volume(v, {4, 4, 4}).at(4);
    CHECK(m.num_triangles() == 16);
    check_label(m, v, 4);
  }
}

TEST_CASE("random labels: every label closed and oriented, bricks of any shape give the same triangles", "[mesh]") {
  for (uint32_t seed = 1; seed <= 6; ++seed) {
    const double density = 0.15 * seed;
    auto vol = noise_volume({17, 13, 11}, 3, std::min(density, 0.95), seed);
    auto whole = mesh_volume(vol, {17, 13, 11});
    auto bricked = mesh_volume(vol, {5, 4, 3});
    REQUIRE(whole.size() == bricked.size());
    for (auto& [label, m] : whole) {
      INFO("seed " << seed << " label " << label);
      check_label(m, vol, label);
      CHECK(canonical(bricked.at(label)) == canonical(m));
    }
  }
}

TEST_CASE("example supervoxels spanning 2, 4 and 8 bricks equal the whole-volume mesh", "[mesh]") {
  const Box region{{100, 80, 60}, {212, 192, 172}};
  auto vol = example_region(region);
  auto whole = mesh_volume(vol, region.shape());
  REQUIRE(whole.size() > 5);
  int checked_interior = 0;
  const auto stats = all_voxel_stats(vol);
  for (auto& [label, m] : whole) {
    const VoxelStats& s = stats.at(label);
    check_label(m, vol, label, s);
    if (!s.touches_border) ++checked_interior;
  }
  INFO(whole.size() << " labels, " << checked_interior << " not touching the region's border");
  CHECK(checked_interior > 0);
  std::map<int, int> spans_seen;
  for (Vec3 brick : {Vec3{56, 112, 112}, Vec3{56, 56, 112}, Vec3{56, 56, 56}, Vec3{37, 41, 45}, Vec3{1, 112, 112}}) {
    INFO("brick " << to_string(brick));
    std::map<uint64_t, int> spans;
    auto bricked = mesh_volume(vol, brick, &spans);
    REQUIRE(bricked.size() == whole.size());
    for (auto& [label, m] : whole) {
      INFO("label " << label << " in " << spans.at(label) << " bricks");
      CHECK(canonical(bricked.at(label)) == canonical(m));
      ++spans_seen[std::min(spans.at(label), 9)];
    }
  }
  CHECK(spans_seen[2] > 0);
  CHECK(spans_seen[4] > 0);
  CHECK(spans_seen[8] > 0);
}

TEST_CASE("subset and volume-edge ownership", "[mesh]") {
  auto vol = noise_volume({9, 9, 9}, 5, 0.7, 42);
  std::vector<uint64_t> subset{2, 4};
  const Box box = vol.box();
  const Array3<uint64_t> halo = vol.crop({box.lo - Vec3::fill(1), box.hi + Vec3::fill(1)});
  auto all = marching_cubes({halo.vec(), box, box});
  auto some = marching_cubes({halo.vec(), box, box}, subset);
  REQUIRE(all.size() == 5);
  REQUIRE(some.size() == 2);
  CHECK(some[0].first == 2);
  CHECK(some[1].first == 4);
  CHECK(some[0].second == all[1].second);
  CHECK(some[1].second == all[3].second);
  // A brick that is not at the volume's low corner does not emit the cells before its lo: objects
  // touching its low faces stay open there (the neighbour brick closes them).
  const Box inner{{1, 1, 1}, {9, 9, 9}};
  const Array3<uint64_t> inner_halo = vol.crop({inner.lo - Vec3::fill(1), inner.hi + Vec3::fill(1)});
  auto part = marching_cubes({inner_halo.vec(), inner, box});
  size_t open = 0;
  for (auto& [label, m] : part) open += check_edges(m).unmatched;
  CHECK(open > 0);
  CHECK(dflow::test::error_of([&] { marching_cubes({std::span(halo.vec()).first(10), box, box}); }) ==
        "marching cubes: brick [[0,0,0],[9,9,9]] with its halo needs 1331 labels, got 10");
  CHECK(dflow::test::error_of([&] { marching_cubes({halo.vec(), box, Box{{1, 0, 0}, {9, 9, 9}}}); }) ==
        "marching cubes: brick [[0,0,0],[9,9,9]] is not inside the volume [[1,0,0],[9,9,9]]");
}
