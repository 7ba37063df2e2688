// open_volume over the same volume stored as N5, Zarr, HDF5, PNG slices and precomputed (written by
// the reference libraries): every service opens with relative paths, scale 1 finds s1 / mip 1,
// offsets move the bounds, bounding boxes resolve, and misuse fails with one clear line.
#include <catch2/catch.hpp>

#include "config/schema.hpp"
#include "config/volume_schema.hpp"
#include "core/error.hpp"
#include "core/files.hpp"
#include "io/open_volume.hpp"
#include "test_support.hpp"

using namespace dflow;
using test::error_of;

namespace {

std::filesystem::path dir() { return test::golden_dir() / "open_volume"; }

YAML::Node volume(const std::string& text) {
  return config::validate(config::volume_schema(), config::parse_yaml(text, "workflow.yaml"), "workflow.yaml");
}

Array3<uint8_t> expected(int scale) {
  const auto bytes = read_file(dir() / fmt::format("expected/s{}.bin", scale));
  const Vec3 shape = scale == 0 ? Vec3{32, 24, 20} : Vec3{16, 12, 10};
  Array3<uint8_t> a(Box{{0, 0, 0}, shape});
  REQUIRE(bytes.size() == a.bytes().size());
  std::copy(bytes.begin(), bytes.end(), a.bytes().begin());
  return a;
}

// Every voxel of `reader` equals the expected array shifted by `offset`.
void check_voxels(const VolumeReader& reader, int scale, Vec3 offset) {
  const Array3<uint8_t> want = expected(scale);
  REQUIRE(reader.bounds() == want.box().translate(offset));
  const Array3<uint8_t> got = reader.read_as<uint8_t>(reader.bounds());
  const Box b = want.box();
  size_t mismatches = 0;
  for (int64_t z = b.lo.z; z < b.hi.z; ++z)
    for (int64_t y = b.lo.y; y < b.hi.y; ++y)
      for (int64_t x = b.lo.x; x < b.hi.x; ++x)
        mismatches += want.at({x, y, z}) != got.at(Vec3{x, y, z} + offset);
  CHECK(mismatches == 0);
}

}  // namespace

TEST_CASE("every service opens through the factory with paths relative to the workflow directory") {
  REQUIRE(std::filesystem::exists(dir()));
  const auto multi = "geometry: {available-scales: [0, 1]}\n";
  SECTION("n5") {
    const YAML::Node c = volume(std::string("n5: {path: vol.n5, dataset: /s0}\n") + multi);
    check_voxels(*open_volume(c, dir(), 0), 0, {});
    check_voxels(*open_volume(c, dir(), 1), 1, {});
  }
  SECTION("zarr with a global offset, divided by 2 at scale 1") {
    const YAML::Node c = volume(std::string("zarr: {path: vol.zarr, dataset: s0, global-offset: [100, 0, -6]}\n") + multi);
    CHECK(c["zarr"]["store-type"].as<std::string>() == "NestedDirectoryStore");
    check_voxels(*open_volume(c, dir(), 0), 0, {100, 0, -6});
    check_voxels(*open_volume(c, dir(), 1), 1, {50, 0, -3});
  }
  SECTION("hdf5") { check_voxels(*open_volume(volume("hdf5: {path: vol.h5, dataset: vol}"), dir()), 0, {}); }
  SECTION("slice files: z from the file numbers, x,y from slice-xy-offset") {
    const YAML::Node c = volume("slice-files: {slice-path-format: 'slices/z{:05d}.png', slice-xy-offset: [5, 6]}");
    check_voxels(*open_volume(c, dir()), 0, {5, 6, 10});
  }
  SECTION("precomputed: relative, absolute and precomputed:// paths; scale adds to the configured index") {
    const YAML::Node rel = volume(std::string("precomputed: {path: vol.precomputed}\n") + multi);
    check_voxels(*open_volume(rel, dir(), 0), 0, {});
    check_voxels(*open_volume(rel, dir(), 1), 1, {});
    const YAML::Node url = volume("precomputed: {path: 'precomputed://file://" + (dir() / "vol.precomputed").string() + "'}");
    check_voxels(*open_volume(url, "/nonexistent", 0), 0, {});
    const YAML::Node base1 = volume("precomputed: {path: 'precomputed://vol.precomputed', scale: 1}");
    check_voxels(*open_volume(base1, dir(), 0), 1, {});
  }
}

TEST_CASE("scale naming and scale checks") {
  CHECK(scaled_dataset_name("s0", 0) == "s0");
  CHECK(scaled_dataset_name("/s0", 3) == "s3");
  CHECK(scaled_dataset_name("labels/scale0", 2) == "labels/scale2");
  CHECK(scaled_dataset_name("raw", 0) == "raw");
  CHECK(error_of([] { scaled_dataset_name("raw", 1); }) ==
        "dataset \"raw\" does not end in 0, so scale 1 has no name (scale s replaces the trailing 0 with s)");

  const YAML::Node n5 = volume("n5: {path: vol.n5, dataset: s0}");
  CHECK(error_of([&] { open_volume(n5, dir(), 1); }) == "n5: scale 1 is not in geometry.available-scales [0]");
  const YAML::Node h5 = volume("hdf5: {path: vol.h5, dataset: vol}\ngeometry: {available-scales: [0, 1]}");
  CHECK(error_of([&] { open_volume(h5, dir(), 1); }) == "hdf5: only scale 0 is stored (asked for scale 1)");
  const YAML::Node raw = volume("n5: {path: vol.n5, dataset: raw}\ngeometry: {available-scales: [0, 1]}");
  CHECK(error_of([&] { open_volume(raw, dir(), 1); }).find("n5: dataset \"raw\" does not end in 0") == 0);
  // A missing container is the reader's error, which names the resolved path.
  const YAML::Node missing = volume("n5: {path: nothing.n5, dataset: s0}");
  CHECK(error_of([&] { open_volume(missing, dir()); }).find((dir() / "nothing.n5").string()) != std::string::npos);
}

TEST_CASE("resolve_bounding_box: -1 from the stored volume, scale-0 config boxes at scale s, must lie inside") {
  auto config = [](const std::string& box) {
    return volume("n5: {path: vol.n5, dataset: s0}\ngeometry: {available-scales: [0, 1], bounding-box: " + box + "}");
  };
  const YAML::Node all = config("[[-1,-1,-1],[-1,-1,-1]]");
  const auto s0 = open_volume(all, dir(), 0);
  const auto s1 = open_volume(all, dir(), 1);
  CHECK(resolve_bounding_box(all, *s0) == Box{{0, 0, 0}, {32, 24, 20}});
  CHECK(resolve_bounding_box(all, *s1, 1) == Box{{0, 0, 0}, {16, 12, 10}});

  const YAML::Node part = config("[[4,-1,-1],[-1,10,-1]]");
  CHECK(resolve_bounding_box(part, *s0) == Box{{4, 0, 0}, {32, 10, 20}});
  const YAML::Node odd = config("[[5,4,4],[31,24,19]]");
  CHECK(resolve_bounding_box(odd, *s1, 1) == Box{{2, 2, 2}, {16, 12, 10}});  // rounds outwards

  const YAML::Node big = config("[[0,0,0],[40,24,20]]");
  CHECK(error_of([&] { resolve_bounding_box(big, *s0); }) ==
        s0->describe() + ": geometry.bounding-box [[0,0,0],[40,24,20]] is not inside the stored volume [[0,0,0],[32,24,20]]");
  CHECK(error_of([&] { resolve_bounding_box(big, *s1, 1); }) ==
        s1->describe() +
            ": geometry.bounding-box [[0,0,0],[20,12,10]] (at scale 1) is not inside the stored volume [[0,0,0],[16,12,10]]");
  const YAML::Node empty = config("[[10,0,0],[10,24,20]]");
  CHECK(error_of([&] { resolve_bounding_box(empty, *s0); }) ==
        s0->describe() + ": geometry.bounding-box [[10,0,0],[10,24,20]] is empty (config: [[10,0,0],[10,24,20]])");
}
