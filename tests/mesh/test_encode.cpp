// Encodings: round trips (fuzzed for obj/ngmesh), Draco within its quantisation step, empty meshes as
// 0 bytes, and one clear error line for bad input.
#include <cmath>
#include <cstring>
#include <random>

#include <catch2/catch.hpp>

#include "example/supervoxels.hpp"
#include "mesh/encode.hpp"
#include "mesh/stitch.hpp"
#include "mesh_test_support.hpp"
#include "test_support.hpp"

using namespace dflow;
using namespace dflow::mesh;

namespace {

Mesh random_mesh(std::mt19937& rng) {
  std::uniform_int_distribution<int> nv_d(1, 300), kind(0, 3);
  const int nv = nv_d(rng);
  Mesh m;
  std::uniform_real_distribution<float> small(-2, 2), big(-3e6f, 3e6f);
  std::uniform_int_distribution<int> half(-40000, 40000);
  const int k = kind(rng);
  for (int i = 0; i < 3 * nv; ++i)
    m.vertices.push_back(k == 0 ? small(rng) : k == 1 ? big(rng) : k == 2 ? float(half(rng)) * 0.5f : std::ldexp(small(rng), -30));
  std::uniform_int_distribution<uint32_t> vi(0, uint32_t(nv - 1));
  std::uniform_int_distribution<int> nt_d(1, 500);
  const int nt = nt_d(rng);
  for (int i = 0; i < 3 * nt; ++i) m.triangles.push_back(vi(rng));
  return m;
}

}  // namespace

TEST_CASE("ngmesh and obj round trips (fuzz)", "[mesh]") {
  std::mt19937 rng(7);
  for (int iter = 0; iter < 300; ++iter) {
    INFO("iteration " << iter);
    const Mesh m = random_mesh(rng);
    const std::string ng = encode(m, Format::ngmesh);
    REQUIRE(ng.size() == 4 + 12 * m.num_vertices() + 12 * m.num_triangles());
    uint32_t nv;
    std::memcpy(&nv, ng.data(), 4);
    CHECK(nv == m.num_vertices());
    CHECK(decode(ng, Format::ngmesh) == m);
    const Mesh o = decode(encode(m, Format::obj), Format::obj);
    REQUIRE(o.triangles == m.triangles);
    REQUIRE(o.vertices.size() == m.vertices.size());
    for (size_t i = 0; i < m.vertices.size(); ++i) {
      // %.7g keeps 7 significant digits (the reference's format): relative error below 5e-7, plus the
      // float32 rounding of the value read back (6e-8).
      INFO("coordinate " << i << " " << m.vertices[i] << " -> " << o.vertices[i]);
      CHECK(std::abs(double(o.vertices[i]) - double(m.vertices[i])) <= 5.7e-7 * std::abs(double(m.vertices[i])));
    }
  }
}

TEST_CASE("decoders on corrupted bytes: a valid mesh or dflow::Error, never a crash (fuzz)", "[mesh]") {
  std::mt19937 rng(11);
  const Mesh m = [&] {
    Mesh x = random_mesh(rng);
    x.triangles.resize(std::min<size_t>(x.triangles.size(), 60));
    return x;
  }();
  for (Format f : {Format::ngmesh, Format::obj, Format::drc}) {
    const std::string good = encode(m, f, {.draco_normals = false});
    size_t errors = 0;
    for (int iter = 0; iter < 400; ++iter) {
      std::string bad = good;
      std::uniform_int_distribution<int> kind(0, 2), byte(0, 255);
      std::uniform_int_distribution<size_t> pos(0, bad.size() - 1);
      const int k = kind(rng);
      if (k == 0) bad.resize(pos(rng));                                       // truncated
      else if (k == 1) for (int j = 0; j < 4; ++j) bad[pos(rng)] = char(byte(rng));  // flipped bytes
      else bad.insert(pos(rng), 1 + pos(rng) % 7, char(byte(rng)));           // inserted bytes
      try {
        const Mesh d = decode(bad, f, "fuzz");
        for (uint32_t i : d.triangles) REQUIRE(i < d.num_vertices());
      } catch (const Error&) {
        ++errors;
      }
    }
    INFO(format_name(f) << ": " << errors << " of 400 corruptions rejected");
    CHECK(errors > 0);
  }
}

TEST_CASE("empty meshes are 0 bytes in every format", "[mesh]") {
  Mesh vertices_only;
  vertices_only.vertices = {1, 2, 3};
  for (Format f : {Format::drc, Format::ngmesh, Format::obj}) {
    CHECK(encode(Mesh{}, f).empty());
    CHECK(encode(vertices_only, f).empty());
    CHECK(decode("", f).empty());
    CHECK(parse_format(format_name(f)) == f);
  }
}

TEST_CASE("obj text is the reference's", "[mesh]") {
  Mesh m;
  m.vertices = {0.5f, 1.0f, 1234567.9f, -2.25f, 3.0f, 1e-8f, 4, 5, 6};
  m.triangles = {0, 1, 2};
  CHECK(encode(m, Format::obj) == "v 0.5 1 1234568\nv -2.25 3 1e-08\nv 4 5 6\nf 1 2 3\n");
  // Faces with normals or texture indices ("f 1//1 2//2 3//3") read as the vertex indices.
  CHECK(decode("v 0 0 0\nv 1 0 0\nv 0 1 0\nvn 0 0 1\nf 1//1 2//1 3//1\n", Format::obj).triangles == std::vector<uint32_t>{0, 1, 2});
}

TEST_CASE("drc: Draco decodes to the same triangles within the quantisation step", "[mesh]") {
  example::ExampleParams p;
  p.threads = 1;
  auto vol = example::SupervoxelModel(p).generate({{100, 80, 60}, {164, 144, 124}});
  auto meshes = mesh::test::mesh_volume(vol, {64, 64, 64});
  REQUIRE(meshes.size() > 3);
  for (auto& [label, m0] : meshes) {
    INFO("label " << label);
    Mesh m = m0;
    m.scale({8, 8, 8});
    for (bool normals : {true, false}) {
      const std::string drc = encode(m, Format::drc, {.draco_normals = normals});
      const Mesh d = decode(drc, Format::drc);
      REQUIRE(d.num_triangles() == m.num_triangles());
      const auto b = bounds(m);
      const double range = std::max({b[3] - b[0], b[4] - b[1], b[5] - b[2]});
      const double step = range / ((1 << 14) - 1);
      // Snap both to the original vertices: each decoded point must be within a step of its original.
      Mesh snapped = d;
      std::map<std::array<float, 3>, uint32_t> exact;
      for (uint32_t i = 0; i < m.num_vertices(); ++i) exact[{m.vertices[3 * i], m.vertices[3 * i + 1], m.vertices[3 * i + 2]}] = i;
      size_t far = 0;
      for (size_t i = 0; i < d.vertices.size(); i += 3) {
        // Original coordinates are multiples of 4 nm (half voxels of 8 nm), far apart compared to the step.
        std::array<float, 3> q;
        for (int a = 0; a < 3; ++a) q[a] = float(std::round(d.vertices[i + a] / 4.0) * 4.0);
        for (int a = 0; a < 3; ++a) far += std::abs(double(d.vertices[i + a]) - q[a]) > step;
        for (int a = 0; a < 3; ++a) snapped.vertices[i + a] = q[a];
      }
      CHECK(far == 0);
      CHECK(canonical(merge_pieces({snapped})) == canonical(m));
    }
  }
}

TEST_CASE("drc with an explicit grid: integer vertices come back exactly (multilod fragments)", "[mesh]") {
  std::mt19937 rng(3);
  std::uniform_int_distribution<int> coord(0, 1023);
  Mesh m;
  for (int i = 0; i < 60; ++i) m.vertices.push_back(float(coord(rng)));
  // A consistently oriented strip (Draco splits the points of inconsistent ones).
  for (uint32_t i = 0; i + 2 < 20; ++i)
    m.triangles.insert(m.triangles.end(), {i % 2 ? i + 1 : i, i % 2 ? i : i + 1, i + 2});
  const std::string drc = encode(m, Format::drc, {.draco_quantization_bits = 10, .draco_normals = false,
                                                   .draco_explicit_grid = true, .draco_range = 1023});
  const Mesh d = decode(drc, Format::drc);
  // Draco reorders triangles and points; as sets of positions they are the same, bit for bit.
  INFO(d.num_vertices() << " points, " << d.num_triangles() << " triangles");
  CHECK(canonical(merge_pieces({d})) == canonical(m));
  for (size_t i = 0; i < d.vertices.size(); ++i) CHECK(d.vertices[i] == std::round(d.vertices[i]));
  CHECK(dflow::test::error_of([&] { encode(m, Format::drc, {.draco_explicit_grid = true}); }) ==
        "draco: explicit quantisation range must be positive, got 0");
}

TEST_CASE("bad mesh bytes: one clear error line", "[mesh]") {
  using dflow::test::error_of;
  Mesh m;
  m.vertices = {0, 0, 0, 1, 0, 0, 0, 1, 0};
  m.triangles = {0, 1, 2};
  const std::string ng = encode(m, Format::ngmesh);
  CHECK(error_of([&] { decode(ng.substr(0, 20), Format::ngmesh, "sv 17"); }) ==
        "ngmesh: sv 17: 3 vertices need 40 bytes, file has 20");
  CHECK(error_of([&] { decode(ng.substr(0, 46), Format::ngmesh, "sv 17"); }) ==
        "ngmesh: sv 17: 6 bytes of triangles is not a multiple of 12");
  CHECK(error_of([&] { decode("ab", Format::ngmesh, "sv 17"); }) == "ngmesh: sv 17: 2 bytes, shorter than the vertex count");
  std::string bad_index = ng;
  bad_index[4 + 36 + 4] = 9;
  CHECK(error_of([&] { decode(bad_index, Format::ngmesh, "sv 17"); }) == "ngmesh: sv 17: triangle 0 refers to vertex 9 of 3");
  CHECK(error_of([&] { decode("v 0 0 0\nv 1 x 0\n", Format::obj, "a.obj"); }) == "obj: a.obj line 2: bad vertex 'v 1 x 0'");
  CHECK(error_of([&] { decode("v 0 0 0\nf 1 2 3 4\n", Format::obj, "a.obj"); }) ==
        "obj: a.obj line 2: only triangles are supported, got 'f 1 2 3 4'");
  CHECK(error_of([&] { decode("v 0 0 0\nf 1 2 3\n", Format::obj, "a.obj"); }) == "obj: a.obj: triangle 0 refers to vertex 1 of 1");
  CHECK(error_of([&] { decode("hello", Format::obj, "a.obj"); }) == "obj: a.obj line 1: unexpected 'hello'");
  CHECK(error_of([&] { decode("DRACOnonsense", Format::drc, "tar 5/17.drc"); }).starts_with("drc: tar 5/17.drc: not a Draco mesh: "));
  CHECK(error_of([&] { parse_format("ply"); }) == "unknown mesh format 'ply' (expected drc, ngmesh or obj)");
}
