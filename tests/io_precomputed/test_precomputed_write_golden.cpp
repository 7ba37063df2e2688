// Writes precomputed volumes with OUR writer for tests/golden/check_precomputed_written.py, which
// reads them with cloud-volume and tensorstore. Expected voxels (what our own reader returns) go
// next to them as .bin files plus manifest.json, in the format gen_precomputed.py uses.
#include <catch2/catch.hpp>

#include <random>

#include <nlohmann/json.hpp>

#include "core/files.hpp"
#include "io/precomputed/metadata.hpp"
#include "io/precomputed/precomputed.hpp"
#include "io/precomputed/writer.hpp"
#include "test_support.hpp"

using namespace dflow;
using namespace dflow::precomputed;
namespace fs = std::filesystem;
using nlohmann::json;

namespace {

Scale scale(std::string key, Vec3 size, Vec3 offset, Vec3 chunk, Encoding enc, std::array<double, 3> res) {
  Scale s;
  s.key = std::move(key);
  s.size = size;
  s.voxel_offset = offset;
  s.chunk_size = chunk;
  s.encoding = enc;
  s.resolution = res;
  return s;
}

template <typename T>
Array3<T> make_data(const Box& box, bool labels) {
  Array3<T> a(box);
  std::mt19937_64 rng(box.volume());
  for (int64_t z = box.lo.z; z < box.hi.z; ++z)
    for (int64_t y = box.lo.y; y < box.hi.y; ++y)
      for (int64_t x = box.lo.x; x < box.hi.x; ++x) {
        if (labels)
          a.at({x, y, z}) = static_cast<T>((sizeof(T) == 8 ? (uint64_t(7) << 50) : 100000u) + uint64_t(x / 6) * 37 +
                                           uint64_t(y / 5) * 5 + uint64_t(z / 4) + (((x + 2 * y) % 29 == 0) ? 1 : 0));
        else
          a.at({x, y, z}) = static_cast<T>(128 + 90 * std::sin(x / 8.0) * std::cos(y / 10.0) + (z % 5) + rng() % 3);
      }
  return a;
}

json entries = json::array();

template <typename T>
void write_volume(const fs::path& root, const std::string& name, const Info& info, bool labels, int tolerance) {
  const fs::path dir = root / name;
  write_info(dir.string(), info);
  for (size_t si = 0; si < info.scales.size(); ++si) {
    const Scale& s = info.scales[si];
    const auto data = make_data<T>(s.bounds(), labels);
    write_region(dir.string(), info, static_cast<int>(si), data.box(), data.bytes());
    // Our reader reads back exactly what was written (lossless) or close to it (jpeg).
    const auto back = open_precomputed("precomputed://file://" + dir.string(), static_cast<int>(si))->read_as<T>(s.bounds());
    if (s.encoding != Encoding::jpeg) {
      REQUIRE(back.vec() == data.vec());
    } else {
      int m = 0;
      for (size_t i = 0; i < back.size(); ++i) m = std::max(m, std::abs(int(back.data()[i]) - int(data.data()[i])));
      REQUIRE(m <= 16);
    }
    const std::string expected = fmt::format("{}.s{}.bin", name, si);
    write_file_atomic(root / expected, back.bytes());
    entries.push_back({{"name", name},
                       {"path", dir.string()},
                       {"scale", si},
                       {"dtype", std::string(dtype_name(info.dtype))},
                       {"bounds", {{s.bounds().lo.x, s.bounds().lo.y, s.bounds().lo.z}, {s.bounds().hi.x, s.bounds().hi.y, s.bounds().hi.z}}},
                       {"chunk", {s.chunk_size.x, s.chunk_size.y, s.chunk_size.z}},
                       {"expected", expected},
                       {"writer", "dvidflow"},
                       {"encoding", std::string(encoding_name(s.encoding))},
                       {"cseg_block_size", {s.cseg_block_size.x, s.cseg_block_size.y, s.cseg_block_size.z}},
                       {"sharded", false},
                       {"max_abs_diff", tolerance}});
  }
}

}  // namespace

TEST_CASE("precomputed: write volumes for the cloud-volume/tensorstore check") {
  REQUIRE(!test::golden_dir().empty());
  const fs::path root = test::golden_dir() / "precomputed-written";
  fs::remove_all(root);
  fs::create_directories(root);

  Info raw;
  raw.dtype = DType::uint8;
  raw.scales = {scale("8_8_40", {70, 45, 20}, {5, 0, 2}, {32, 32, 16}, Encoding::raw, {8, 8, 40}),
                scale("16_16_40", {35, 23, 20}, {2, 0, 2}, {16, 16, 16}, Encoding::raw, {16, 16, 40})};
  write_volume<uint8_t>(root, "w_u8_raw", raw, false, 0);

  Info jpg;
  jpg.dtype = DType::uint8;
  jpg.scales = {scale("8_8_40", {96, 70, 40}, {0, 64, 0}, {64, 64, 16}, Encoding::jpeg, {8, 8, 40})};
  jpg.scales[0].jpeg_quality = 90;
  // cloud-volume (simplejpeg) and tensorstore decode with libjpeg-turbo's default integer IDCT
  // too, so their voxels must equal our decode exactly.
  write_volume<uint8_t>(root, "w_u8_jpeg", jpg, false, 0);

  Info seg;
  seg.type = "segmentation";
  seg.dtype = DType::uint64;
  seg.scales = {scale("8_8_8", {50, 40, 30}, {0, 0, 10}, {32, 32, 16}, Encoding::compressed_segmentation, {8, 8, 8})};
  write_volume<uint64_t>(root, "w_u64_cseg", seg, true, 0);

  Info seg32;
  seg32.type = "segmentation";
  seg32.dtype = DType::uint32;
  seg32.scales = {scale("4_4_4", {33, 21, 17}, {3, 3, 3}, {16, 16, 16}, Encoding::compressed_segmentation, {4, 4, 4})};
  seg32.scales[0].cseg_block_size = {6, 5, 4};
  write_volume<uint32_t>(root, "w_u32_cseg", seg32, true, 0);

  Info raw64;
  raw64.type = "segmentation";
  raw64.dtype = DType::uint64;
  raw64.scales = {scale("s0", {20, 20, 9}, {-8, 4, 0}, {8, 8, 8}, Encoding::raw, {1, 1, 1})};
  write_volume<uint64_t>(root, "w_u64_raw", raw64, true, 0);

  write_text_atomic(root / "manifest.json", json({{"volumes", entries}}).dump(1));
}
