// Reads the volumes tests/golden/gen_precomputed.py wrote with cloud-volume (unsharded, .gz chunk
// names, two scales) and tensorstore (sharded: identity/murmurhash, raw/gzip) and compares every
// voxel of full and sub boxes with what the reference itself read back.
#include <catch2/catch.hpp>

#include <fstream>
#include <functional>
#include <random>

#include <nlohmann/json.hpp>

#include "core/error.hpp"
#include "core/files.hpp"
#include "io/precomputed/chunk.hpp"
#include "io/precomputed/metadata.hpp"
#include "io/precomputed/precomputed.hpp"
#include "io/precomputed/sharding.hpp"
#include "io/precomputed/unsharded.hpp"
#include "test_support.hpp"

using namespace dflow;
namespace fs = std::filesystem;
using nlohmann::json;

namespace {

fs::path golden_root() {
  const fs::path g = test::golden_dir() / "precomputed";
  if (!fs::exists(g / "manifest.json")) FAIL("golden data missing: run ctest with the precomputed_golden fixture (" << g << ")");
  return g;
}

json manifest() { return json::parse(read_text(golden_root() / "manifest.json")); }

Vec3 vec(const json& j) { return {j[0].get<int64_t>(), j[1].get<int64_t>(), j[2].get<int64_t>()}; }

std::vector<Box> sub_boxes(const Box& b, const Vec3& chunk) {
  const Vec3 s = b.shape();
  std::vector<Box> boxes = {
      {b.lo, b.lo + Vec3{1, 1, 1}},
      {b.hi - Vec3{1, 1, 1}, b.hi},
      // straddles the first chunk boundary on every axis
      {b.lo + chunk - Vec3{3, 3, 2}, vmin(b.lo + chunk + Vec3{5, 4, 3}, b.hi)},
      // the last (partial) chunk row
      {vmax(b.hi - Vec3{s.x, 7, 3}, b.lo), b.hi},
      // one whole chunk
      {b.lo, vmin(b.lo + chunk, b.hi)},
  };
  std::mt19937 rng(11);
  for (int i = 0; i < 12; ++i) {
    Vec3 lo, hi;
    for (int d = 0; d < 3; ++d) {
      const int64_t a = b.lo[d] + rng() % s[d], c = b.lo[d] + rng() % s[d];
      lo[d] = std::min(a, c);
      hi[d] = std::max(a, c) + 1;
    }
    boxes.push_back({lo, hi});
  }
  return boxes;
}

template <typename T>
void compare_volume(const json& v) {
  const std::string name = v["name"].get<std::string>();
  const int scale = v["scale"].get<int>();
  INFO(name << " scale " << scale << " (" << v["writer"].get<std::string>() << ", " << v["encoding"].get<std::string>() << ")");
  const Box bounds{vec(v["bounds"][0]), vec(v["bounds"][1])};
  const auto raw = read_file(golden_root() / v["expected"].get<std::string>());
  REQUIRE(raw.size() == static_cast<size_t>(bounds.volume()) * sizeof(T));
  Array3<T> expected(bounds);
  std::memcpy(expected.data(), raw.data(), raw.size());
  const int tolerance = v["max_abs_diff"].get<int>();

  for (const std::string& url : {v["path"].get<std::string>(), "precomputed://file://" + v["path"].get<std::string>()}) {
    auto r = open_precomputed(url, scale);
    REQUIRE(r->dtype() == dtype_of<T>());
    REQUIRE(r->bounds() == bounds);
    REQUIRE(r->chunk_shape() == vec(v["chunk"]));
    std::vector<Box> boxes = {bounds};
    for (const Box& b : sub_boxes(bounds, r->chunk_shape()))
      if (!b.intersect(bounds).empty()) boxes.push_back(b.intersect(bounds));
    for (const Box& box : boxes) {
      INFO("box " << to_string(box));
      const auto got = r->read_as<T>(box);
      const auto want = expected.crop(box);
      size_t mismatches = 0;
      int64_t max_diff = 0;
      for (size_t i = 0; i < got.size(); ++i) {
        if (got.data()[i] != want.data()[i]) {
          ++mismatches;
          const int64_t d = got.data()[i] > want.data()[i] ? int64_t(got.data()[i] - want.data()[i])
                                                           : int64_t(want.data()[i] - got.data()[i]);
          max_diff = std::max(max_diff, d);
        }
      }
      INFO(mismatches << " of " << got.size() << " voxels differ, max diff " << max_diff);
      REQUIRE(max_diff <= tolerance);
      if (tolerance == 0) REQUIRE(mismatches == 0);
    }
  }
}

// Our cseg encoder must reproduce the reference encoder's bytes exactly (cloud-volume uses the
// compressed_segmentation package, tensorstore its own; both follow neuroglancer's encoder).
void compare_cseg_encoding(const json& v) {
  using namespace precomputed;
  const fs::path dir = v["path"].get<std::string>();
  const Info info = read_info(dir);
  const Scale& s = info.scales.at(v["scale"].get<size_t>());
  const Vec3 grid = s.grid_shape();
  std::optional<ShardedReader> sharded;
  const auto scale_store = kv::open_kvstore((dir / s.key).string());
  if (s.sharding) sharded.emplace(scale_store, *s.sharding);
  int compared = 0;
  for (int64_t z = 0; z < grid.z; ++z)
    for (int64_t y = 0; y < grid.y; ++y)
      for (int64_t x = 0; x < grid.x; ++x) {
        const Box cb = s.chunk_box({x, y, z});
        std::optional<std::vector<std::byte>> stored;
        if (sharded) stored = sharded->read_chunk(compressed_morton_code({x, y, z}, grid), "chunk");
        else stored = read_unsharded_chunk(*scale_store, s, info.dtype, cb);
        if (!stored) continue;
        std::vector<std::byte> voxels(static_cast<size_t>(cb.volume()) * dtype_size(info.dtype));
        decode_chunk(s, info.dtype, cb, *stored, voxels);
        const auto ours = encode_chunk(s, info.dtype, cb, voxels);
        INFO(v["name"].get<std::string>() << " chunk " << chunk_name(cb));
        REQUIRE(ours == *stored);
        ++compared;
      }
  REQUIRE(compared > 0);
}

}  // namespace

TEST_CASE("precomputed golden: every voxel matches the reference implementation") {
  const json m = manifest();
  REQUIRE(m["volumes"].size() >= 10);
  for (const json& v : m["volumes"]) {
    const std::string dt = v["dtype"].get<std::string>();
    if (dt == "uint8") compare_volume<uint8_t>(v);
    else if (dt == "uint32") compare_volume<uint32_t>(v);
    else if (dt == "uint64") compare_volume<uint64_t>(v);
    else FAIL("unexpected dtype " << dt);
  }
}

TEST_CASE("precomputed golden: cseg encoder is byte-identical to cloud-volume's and tensorstore's") {
  int n = 0;
  const json m = manifest();
  for (const json& v : m["volumes"])
    if (v["encoding"] == "compressed_segmentation") {
      compare_cseg_encoding(v);
      ++n;
    }
  REQUIRE(n >= 4);
}

TEST_CASE("precomputed golden: corrupted copies fail naming the file and chunk") {
  const fs::path root = golden_root();
  const fs::path scratch = test::scratch_dir("pc_golden_bad");
  auto error_of = [](const std::function<void()>& f) -> std::string {
    try {
      f();
    } catch (const Error& e) {
      return e.what();
    }
    return "(no error)";
  };

  // A truncated shard written by tensorstore.
  fs::copy(root / "ts_u64_raw_sharded", scratch / "sharded", fs::copy_options::recursive);
  const fs::path shard = scratch / "sharded" / "8_8_40" / "3.shard";
  auto bytes = read_file(shard);
  write_file_atomic(shard, std::span(bytes).first(bytes.size() / 2));
  auto r = open_precomputed((scratch / "sharded").string());
  const std::string msg = error_of([&] { r->read_as<uint64_t>(r->bounds()); });
  CHECK_THAT(msg, Catch::StartsWith("precomputed: " + shard.string()) && Catch::Contains("chunk ["));

  // A truncated gzip'd cseg chunk written by cloud-volume.
  fs::copy(root / "cv_u64_cseg", scratch / "cseg", fs::copy_options::recursive);
  const fs::path chunk = scratch / "cseg" / "8_8_40" / "96-128_32-50_23-37.gz";
  REQUIRE(fs::exists(chunk));
  bytes = read_file(chunk);
  write_file_atomic(chunk, std::span(bytes).first(bytes.size() - 9));
  auto rc = open_precomputed((scratch / "cseg").string());
  CHECK_THAT(error_of([&] { rc->read_as<uint64_t>(rc->bounds()); }),
             Catch::StartsWith("precomputed: " + chunk.string()) && Catch::Contains("gzip"));
  // A cseg chunk whose content is cut short (valid gzip of truncated data).
  const fs::path plain = scratch / "cseg" / "8_8_40" / "96-128_32-50_23-37";
  write_file_atomic(plain, std::span(bytes).first(0));
  fs::remove(chunk);
  write_file_atomic(plain, std::vector<std::byte>(64, std::byte{1}));
  CHECK_THAT(error_of([&] { rc->read_as<uint64_t>(rc->bounds()); }),
             Catch::StartsWith("precomputed: " + plain.string()) && Catch::Contains("compressed segmentation"));
}
