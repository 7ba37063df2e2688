#pragma once
// Access to the golden data written by tests/golden/gen_h5_slices.py: the manifest, the expected
// voxels (.bin, little-endian z,y,x), and a voxel-exact comparison of a reader against them.
#include <cstring>
#include <fstream>
#include <random>
#include <span>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/dtype.hpp"
#include "core/files.hpp"
#include "core/geometry.hpp"
#include "io/volume.hpp"
#include "test_support.hpp"

namespace dflow::test {

inline std::filesystem::path h5slices_dir() {
  const auto g = golden_dir();
  if (g.empty()) throw std::runtime_error("DFLOW_GOLDEN_DIR is not set (run through ctest)");
  return g / "h5slices";
}

inline nlohmann::json h5slices_manifest() {
  return nlohmann::json::parse(read_text(h5slices_dir() / "manifest.json"));
}

// The expected volume of one manifest case, with its global box (lo = `origin`).
struct Expected {
  Box box;
  size_t elem = 1;
  std::vector<std::byte> data;

  // The expected bytes of `sub` (inside box), z-major.
  std::vector<std::byte> crop(const Box& sub) const {
    std::vector<std::byte> out(size_t(sub.volume()) * elem);
    copy_region_bytes(data.data(), box, out.data(), sub, sub, elem);
    return out;
  }
};

inline Expected load_expected(const nlohmann::json& c, Vec3 origin = {}) {
  const auto& s = c.at("shape_zyx");
  Expected e;
  e.box = {origin, origin + Vec3{s[2].get<int64_t>(), s[1].get<int64_t>(), s[0].get<int64_t>()}};
  e.elem = dtype_size(parse_dtype(c.at("dtype").get<std::string>()));
  e.data = read_file(h5slices_dir() / c.at("expected").get<std::string>());
  if (e.data.size() != size_t(e.box.volume()) * e.elem)
    throw std::runtime_error("expected file has the wrong size: " + c.at("expected").get<std::string>());
  return e;
}

// Index of the first differing element, or -1 if equal.
inline int64_t first_difference(std::span<const std::byte> a, std::span<const std::byte> b, size_t elem) {
  if (a.size() != b.size()) return 0;
  const size_t n = a.size() / elem;
  for (size_t i = 0; i < n; ++i)
    if (std::memcmp(a.data() + i * elem, b.data() + i * elem, elem) != 0) return int64_t(i);
  return -1;
}

// The full box, every corner voxel, some thin slabs, and `n` random sub-boxes (seeded, so reproducible).
inline std::vector<Box> test_boxes(const Box& full, unsigned seed, int n = 20) {
  std::vector<Box> boxes{full};
  const Vec3 s = full.shape();
  for (int c = 0; c < 8; ++c) {
    const Vec3 p{full.lo.x + ((c & 1) ? s.x - 1 : 0), full.lo.y + ((c & 2) ? s.y - 1 : 0), full.lo.z + ((c & 4) ? s.z - 1 : 0)};
    boxes.push_back({p, p + Vec3{1, 1, 1}});
  }
  boxes.push_back({full.lo, {full.hi.x, full.hi.y, full.lo.z + 1}});                    // first z plane
  boxes.push_back({{full.lo.x, full.lo.y, full.hi.z - 1}, full.hi});                    // last z plane
  boxes.push_back({{full.lo.x + s.x / 2, full.lo.y, full.lo.z}, {full.lo.x + s.x / 2 + 1, full.hi.y, full.hi.z}});  // x column
  std::mt19937_64 rng(seed);
  auto pick = [&](int64_t lo, int64_t hi) {
    std::uniform_int_distribution<int64_t> a(lo, hi - 1);
    int64_t p = a(rng), q = a(rng);
    if (p > q) std::swap(p, q);
    return std::pair{p, q + 1};
  };
  for (int i = 0; i < n; ++i) {
    const auto [x0, x1] = pick(full.lo.x, full.hi.x);
    const auto [y0, y1] = pick(full.lo.y, full.hi.y);
    const auto [z0, z1] = pick(full.lo.z, full.hi.z);
    boxes.push_back({{x0, y0, z0}, {x1, y1, z1}});
  }
  return boxes;
}

// Reads `box` through `reader` and returns the first voxel index that differs from `expected` (-1: none).
inline int64_t compare_box(const VolumeReader& reader, const Expected& expected, const Box& box) {
  std::vector<std::byte> got(size_t(box.volume()) * expected.elem);
  reader.read(box, got);
  return first_difference(got, expected.crop(box), expected.elem);
}

}  // namespace dflow::test
