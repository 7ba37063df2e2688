// N5Writer: round trips through our reader, the attribute checks on reopening, and output that
// tests/golden/check_n5_writer.py then reads with tensorstore and zarr (ctest step n5_writer_check).
#include <catch2/catch.hpp>

#include <algorithm>
#include <cstdlib>
#include <fstream>

#include <nlohmann/json.hpp>

#include "core/files.hpp"
#include "io/n5/n5.hpp"
#include "test_support.hpp"

using namespace dflow;
using Catch::Matchers::Contains;
namespace fs = std::filesystem;

namespace {

const Vec3 kShape{45, 30, 21};
const Vec3 kChunk{16, 12, 8};

template <typename T>
Array3<T> make_volume() {
  Array3<T> a(Box{{0, 0, 0}, kShape});
  for (int64_t z = 0; z < kShape.z; ++z)
    for (int64_t y = 0; y < kShape.y; ++y)
      for (int64_t x = 0; x < kShape.x; ++x) {
        if constexpr (sizeof(T) == 8) a(x, y, z) = ~uint64_t{0} - uint64_t(x / 3) - uint64_t(y / 4) * 1000 - uint64_t(z) * 1000000007ull;
        else a(x, y, z) = static_cast<T>(x * 7 + y * 13 + z * 29 + 1);
      }
  return a;
}

fs::path output_root() {
  const char* out = std::getenv("DFLOW_N5WRITER_OUT");
  fs::path root = out ? fs::path(out) : test::scratch_dir("n5writer-out");
  fs::remove_all(root);
  fs::create_directories(root);
  return root;
}

// Writes `vol` slab by slab (z), skipping the chunk-aligned box `skip` (left as a missing chunk,
// i.e. zeros), then checks every voxel through our reader.
template <typename T>
Array3<T> write_and_check(const fs::path& container, const std::string& ds, const std::string& compression, int level) {
  Array3<T> vol = make_volume<T>();
  N5Writer w(container, ds, {.shape = kShape, .chunk_shape = kChunk, .dtype = dtype_of<T>(), .compression = compression, .level = level});
  const Box skip{{16, 12, 8}, {32, 24, 16}};
  for (int64_t z0 = 0; z0 < kShape.z; z0 += kChunk.z) {
    const int64_t z1 = std::min(z0 + kChunk.z, kShape.z);
    for (int64_t y0 = 0; y0 < kShape.y; y0 += kChunk.y)
      for (int64_t x0 = 0; x0 < kShape.x; x0 += 2 * kChunk.x) {  // two chunks along x per write where possible
        const Box b{{x0, y0, z0}, vmin(Vec3{x0 + 2 * kChunk.x, y0 + kChunk.y, z1}, kShape)};
        if (b.intersect(skip) == b) continue;
        if (!b.intersect(skip).empty()) {  // write the two chunks separately, skipping `skip`
          for (int64_t x = x0; x < b.hi.x; x += kChunk.x) {
            const Box c{{x, y0, z0}, vmin(Vec3{x + kChunk.x, y0 + kChunk.y, z1}, kShape)};
            if (c != skip) w.write(vol.crop(c));
          }
          continue;
        }
        w.write(vol.crop(b));
      }
  }
  Array3<T> expected = vol;
  Array3<T> zeros(skip);
  expected.paste(zeros);

  const auto r = open_n5(container, ds);
  CHECK(r->bounds() == Box{{0, 0, 0}, kShape});
  CHECK(r->chunk_shape() == kChunk);
  CHECK(r->dtype() == dtype_of<T>());
  CHECK(r->read_as<T>(r->bounds()).vec() == expected.vec());
  const Box inner{{5, 7, 3}, {41, 29, 20}};
  CHECK(r->read_as<T>(inner).vec() == expected.crop(inner).vec());
  CHECK_FALSE(fs::exists(container / ds / "1" / "1" / "1"));
  return expected;
}

}  // namespace

TEST_CASE("N5Writer output reads back and is described for the python checker", "[n5][writer]") {
  const fs::path root = output_root();
  nlohmann::json manifest = nlohmann::json::array();
  auto record = [&](const std::string& container, const std::string& ds, const std::string& dtype, auto& expected) {
    std::string bin = container + "." + ds + ".expected.bin";
    std::replace(bin.begin(), bin.end(), '/', '_');
    std::ofstream(root / bin, std::ios::binary)
        .write(reinterpret_cast<const char*>(expected.data()), static_cast<std::streamsize>(expected.bytes().size()));
    manifest.push_back({{"container", container}, {"dataset", ds}, {"dtype", dtype},
                        {"shape", {kShape.x, kShape.y, kShape.z}}, {"expected", bin}});
  };
  for (const std::string comp : {"raw", "gzip", "zlib", "zstd", "blosc", "blosc-zstd"}) {
    INFO(comp);
    const std::string container = "ours_" + comp + ".n5";
    auto e8 = write_and_check<uint8_t>(root / container, "s0", comp, -1);
    record(container, "s0", "uint8", e8);
    auto e64 = write_and_check<uint64_t>(root / container, "labels/s0", comp, comp == "gzip" ? 9 : -1);
    record(container, "labels/s0", "uint64", e64);
    auto e16 = write_and_check<uint16_t>(root / container, "u16", comp, -1);
    record(container, "u16", "uint16", e16);
    const auto root_attrs = nlohmann::json::parse(read_text(root / container / "attributes.json"));
    CHECK(root_attrs["n5"] == "2.5.0");
  }
  std::ofstream(root / "manifest.json") << manifest.dump(1);

  // Edge chunks are truncated to the volume, as n5-java writes them: header sizes [13,6,5].
  const auto edge = read_file(root / "ours_raw.n5" / "s0" / "2" / "2" / "2");
  REQUIRE(edge.size() == 16 + 13 * 6 * 5);
  CHECK(load_be16(edge.data()) == 0);
  CHECK(load_be16(edge.data() + 2) == 3);
  CHECK(load_be32(edge.data() + 4) == 13);
  CHECK(load_be32(edge.data() + 8) == 6);
  CHECK(load_be32(edge.data() + 12) == 5);
  // Big-endian payload: the first uint64 of chunk (0,0,0) is ~0.
  const auto first = read_file(root / "ours_raw.n5" / "labels" / "s0" / "0" / "0" / "0");
  CHECK(first[16] == std::byte{0xff});
  const auto attrs = nlohmann::json::parse(read_text(root / "ours_gzip.n5" / "labels" / "s0" / "attributes.json"));
  CHECK(attrs["dimensions"] == nlohmann::json({45, 30, 21}));
  CHECK(attrs["blockSize"] == nlohmann::json({16, 12, 8}));
  CHECK(attrs["dataType"] == "uint64");
  CHECK(attrs["compression"] == nlohmann::json({{"type", "gzip"}, {"level", 9}, {"useZlib", false}}));
}

TEST_CASE("N5Writer refuses mismatched datasets and unaligned writes", "[n5][writer][errors]") {
  const fs::path dir = test::scratch_dir("n5writer-errors");
  const N5Spec spec{.shape = kShape, .chunk_shape = kChunk, .dtype = DType::uint8, .compression = "gzip"};
  N5Writer w(dir / "a.n5", "s0", spec);
  CHECK_NOTHROW(N5Writer(dir / "a.n5", "s0", spec));  // identical: reopens

  N5Spec other = spec;
  other.shape = {46, 30, 21};
  CHECK_THROWS_WITH(N5Writer(dir / "a.n5", "s0", other),
                    Contains((dir / "a.n5" / "s0" / "attributes.json").string()) &&
                        Contains("dataset exists with different attributes: dimensions [45,30,21] (requested [46,30,21])"));
  other = spec;
  other.compression = "zstd";
  other.dtype = DType::uint64;
  CHECK_THROWS_WITH(N5Writer(dir / "a.n5", "s0", other), Contains("dataType uint8 (requested uint64)") && Contains("compression"));
  other = spec;
  other.compression = "lz4";
  CHECK_THROWS_WITH(N5Writer(dir / "b.n5", "s0", other), Contains("compression 'lz4' is not supported"));
  other.compression = "gzip";
  other.chunk_shape = {0, 12, 8};
  CHECK_THROWS_WITH(N5Writer(dir / "b.n5", "s0", other), Contains("chunk shape"));

  Array3<uint8_t> a(Box{{8, 0, 0}, {24, 12, 8}}, 1);
  CHECK_THROWS_WITH(w.write(a), Contains("not aligned to the chunk shape [16,12,8]"));
  Array3<uint8_t> b(Box{{32, 24, 16}, {48, 36, 24}}, 1);
  CHECK_THROWS_WITH(w.write(b), Contains("outside the dataset"));
  Array3<uint8_t> c(Box{{32, 24, 16}, {45, 30, 21}}, 3);  // edge chunk: fine
  CHECK_NOTHROW(w.write(c));
  CHECK(open_n5(dir / "a.n5", "s0")->read_as<uint8_t>(c.box()).vec() == c.vec());
  CHECK_THROWS_WITH(w.write(Box{{0, 0, 0}, {16, 12, 8}}, std::span<const std::byte>(c.bytes()).subspan(0, 10)),
                    Contains("10 bytes given"));
}
