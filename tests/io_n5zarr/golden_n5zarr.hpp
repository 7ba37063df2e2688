#pragma once
// Access to the data tests/golden/gen_n5_zarr.py wrote (zarr 2.18.3 / tensorstore 0.1.86 arrays,
// numcodecs codec vectors) under $DFLOW_GOLDEN_DIR/n5zarr.
#include <filesystem>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/array.hpp"
#include "core/files.hpp"
#include "test_support.hpp"

namespace dflow::test {

inline std::filesystem::path n5zarr_dir() {
  const auto g = golden_dir();
  if (g.empty()) throw std::runtime_error("DFLOW_GOLDEN_DIR is not set (run through ctest)");
  return g / "n5zarr";
}

inline nlohmann::json n5zarr_manifest() { return nlohmann::json::parse(read_text(n5zarr_dir() / "manifest.json")); }

inline Vec3 vec3(const nlohmann::json& j) { return {j[0].get<int64_t>(), j[1].get<int64_t>(), j[2].get<int64_t>()}; }

// The expected volume (numpy C order = our z-major layout) over [0, shape).
template <typename T>
Array3<T> load_expected(const std::string& rel, const Vec3& shape) {
  Array3<T> a(Box{{0, 0, 0}, shape});
  const auto bytes = read_file(n5zarr_dir() / rel);
  if (bytes.size() != a.bytes().size()) throw std::runtime_error(rel + ": unexpected size");
  std::memcpy(a.data(), bytes.data(), bytes.size());
  return a;
}

}  // namespace dflow::test
