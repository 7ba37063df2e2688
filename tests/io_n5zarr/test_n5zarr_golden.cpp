// Our N5 and Zarr readers against arrays written by zarr 2.18.3 and tensorstore 0.1.86
// (tests/golden/gen_n5_zarr.py): every voxel of several boxes, then the error paths.
#include <catch2/catch.hpp>

#include <fstream>
#include <thread>

#include "golden_n5zarr.hpp"
#include "io/n5/n5.hpp"
#include "io/zarr/zarr.hpp"
#include "core/files.hpp"
#include "core/log.hpp"
#include "test_support.hpp"

using namespace dflow;
using Catch::Matchers::Contains;
namespace fs = std::filesystem;

namespace {

std::unique_ptr<VolumeReader> open_case(const nlohmann::json& c, Vec3 offset = {}) {
  const fs::path path = test::n5zarr_dir() / c["path"].get<std::string>();
  const std::string ds = c["dataset"];
  if (c["kind"] == "n5") return open_n5(path, ds);
  return open_zarr(path, ds, parse_zarr_store(c["store"].get<std::string>()), offset);
}

// Boxes (in array coordinates) that cover the whole volume, unaligned interiors, the far edges,
// a stored-nowhere chunk and single voxels. Volume is 45x30x21, chunks 16x12x8.
const std::vector<Box> kBoxes = {
    {{0, 0, 0}, {45, 30, 21}},   {{3, 5, 2}, {40, 27, 19}},   {{30, 20, 10}, {45, 30, 21}},
    {{0, 0, 0}, {17, 13, 9}},    {{16, 12, 8}, {32, 24, 16}}, {{44, 29, 20}, {45, 30, 21}},
    {{15, 11, 7}, {17, 13, 9}},  {{0, 29, 0}, {45, 30, 21}},  {{31, 0, 15}, {33, 30, 17}},
};

template <typename T>
void compare_boxes(const nlohmann::json& c, const VolumeReader& r, Vec3 offset) {
  const Vec3 shape = test::vec3(c["shape"]);
  const auto expected = test::load_expected<T>(c["expected"], shape);
  for (const Box& b : kBoxes) {
    INFO(c["name"].get<std::string>() << " box " << to_string(b) << " offset " << to_string(offset));
    const auto got = r.read_as<T>(b.translate(offset));
    const auto want = expected.crop(b);
    size_t bad = 0;
    for (size_t i = 0; i < got.size(); ++i) bad += got.data()[i] != want.data()[i];
    CHECK(bad == 0);
  }
}

void check_case(const nlohmann::json& c, Vec3 offset = {}) {
  INFO(c["name"].get<std::string>() << " (" << c["writer"].get<std::string>() << ")");
  const auto r = open_case(c, offset);
  const Vec3 shape = test::vec3(c["shape"]);
  CHECK(r->bounds() == Box{offset, offset + shape});
  CHECK(r->chunk_shape() == test::vec3(c["chunks"]));
  const std::string dt = c["dtype"];
  CHECK(dtype_name(r->dtype()) == dt);
  if (dt == "uint8") compare_boxes<uint8_t>(c, *r, offset);
  else if (dt == "uint16") compare_boxes<uint16_t>(c, *r, offset);
  else if (dt == "uint64") compare_boxes<uint64_t>(c, *r, offset);
  else FAIL("unexpected dtype " << dt);
}

const nlohmann::json& find_case(const nlohmann::json& m, const std::string& name) {
  for (const auto& c : m["arrays"])
    if (c["name"] == name) return c;
  throw std::runtime_error("no golden case " + name);
}

fs::path copy_case(const nlohmann::json& c, const std::string& scratch) {
  const fs::path dst = test::scratch_dir(scratch) / fs::path(c["path"].get<std::string>()).filename();
  fs::copy(test::n5zarr_dir() / c["path"].get<std::string>(), dst, fs::copy_options::recursive);
  return dst;
}

void truncate_file(const fs::path& p, size_t keep) { fs::resize_file(p, keep); }

void garble_file(const fs::path& p, size_t from) {
  auto b = read_file(p);
  for (size_t i = from; i < b.size(); i += 3) b[i] ^= std::byte{0x5a};
  std::ofstream(p, std::ios::binary).write(reinterpret_cast<const char*>(b.data()), static_cast<std::streamsize>(b.size()));
}

void write_text(const fs::path& p, const std::string& s) { std::ofstream(p) << s; }

}  // namespace

TEST_CASE("every golden array reads back voxel for voxel", "[n5][zarr][golden]") {
  const auto m = test::n5zarr_manifest();
  REQUIRE(m["arrays"].size() >= 40);
  size_t n5 = 0, zarr = 0, missing = 0;
  for (const auto& c : m["arrays"]) {
    check_case(c);
    (c["kind"] == "n5" ? n5 : zarr)++;
    if (!c["missing_chunk"].is_null()) {
      CHECK_FALSE(fs::exists(test::n5zarr_dir() / c["missing_chunk"].get<std::string>()));
      ++missing;
    }
  }
  CHECK(n5 >= 12);
  CHECK(zarr >= 25);
  CHECK(missing == m["arrays"].size());
}

TEST_CASE("global_offset shifts zarr and N5Store bounds", "[zarr][golden]") {
  const auto m = test::n5zarr_manifest();
  const Vec3 offset{100, -20, 5};
  for (const char* name : {"dir_blosc_zstd_bitshuffle_uint64", "n5store_gzip_uint8", "dir_fill_uint64"})
    check_case(find_case(m, name), offset);
  const auto r = open_case(find_case(m, "dir_zlib_uint8"), offset);
  CHECK_THROWS_WITH(r->read_as<uint8_t>(Box{{0, 0, 0}, {10, 10, 10}}), Contains("outside the volume"));
}

TEST_CASE("concurrent reads from one reader agree", "[n5][zarr][golden]") {
  const auto m = test::n5zarr_manifest();
  for (const char* name : {"ts_blosc_zstd_uint64", "dir_gzip_uint64"}) {
    const auto& c = find_case(m, name);
    const auto r = open_case(c);
    const auto expected = test::load_expected<uint64_t>(c["expected"], test::vec3(c["shape"]));
    std::vector<int> bad(4, 0);
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t)
      threads.emplace_back([&, t] {
        for (int rep = 0; rep < 20; ++rep) {
          const Box b = kBoxes[(t + rep) % kBoxes.size()];
          if (r->read_as<uint64_t>(b).vec() != expected.crop(b).vec()) ++bad[t];
        }
      });
    for (auto& th : threads) th.join();
    CHECK(bad == std::vector<int>(4, 0));
  }
}

TEST_CASE("N5 errors name the dataset or chunk file", "[n5][errors]") {
  const auto m = test::n5zarr_manifest();
  const auto& c = find_case(m, "ts_gzip_uint8");
  const fs::path golden = test::n5zarr_dir() / c["path"].get<std::string>();

  CHECK_THROWS_WITH(open_n5(golden, "s9"), Contains((golden / "s9").string()) && Contains("no such dataset"));
  CHECK_THROWS_WITH(open_n5(golden / "nothere.n5", "s0"), Contains("no such N5 container"));
  CHECK_THROWS_WITH(open_n5(golden, ""), Contains("not an N5 dataset (no attributes.json)"));

  const auto r = open_n5(golden, "s0");
  CHECK_THROWS_WITH(r->read_as<uint32_t>(Box{{0, 0, 0}, {4, 4, 4}}),
                    Contains("n5:" + (golden / "s0").string()) && Contains("data type is uint8") && Contains("uint32"));
  CHECK_THROWS_WITH(r->read_as<uint8_t>(Box{{0, 0, 0}, {46, 30, 21}}), Contains("outside the volume"));
  CHECK_THROWS_WITH(r->read_as<uint8_t>(Box{{-1, 0, 0}, {4, 4, 4}}), Contains("outside the volume"));
  CHECK_THROWS_WITH(r->read_as<uint8_t>(Box{{4, 4, 4}, {4, 8, 8}}), Contains("is empty"));

  const fs::path copy = copy_case(c, "n5-corrupt");
  const fs::path chunk = copy / "s0" / "1" / "0" / "0";
  const Box touching{{16, 0, 0}, {20, 4, 4}};
  {
    const auto ok = open_n5(copy, "s0");
    CHECK_NOTHROW(ok->read_as<uint8_t>(touching));
  }
  const auto size = fs::file_size(chunk);
  truncate_file(chunk, size / 2);
  auto rc = open_n5(copy, "s0");
  CHECK_THROWS_WITH(rc->read_as<uint8_t>(touching),
                    Contains("n5: " + chunk.string() + ": chunk (x,y,z) [1,0,0] is corrupt: gzip: truncated stream"));
  CHECK_NOTHROW(rc->read_as<uint8_t>(Box{{0, 0, 0}, {16, 12, 8}}));  // other chunks still read
  truncate_file(chunk, 10);
  CHECK_THROWS_WITH(rc->read_as<uint8_t>(touching), Contains(chunk.string()) && Contains("is truncated (header needs 16 bytes"));
  truncate_file(chunk, 3);
  CHECK_THROWS_WITH(rc->read_as<uint8_t>(touching), Contains(chunk.string()) && Contains("is truncated"));

  const fs::path chunk2 = copy / "s0" / "0" / "1" / "0";
  garble_file(chunk2, 30);
  CHECK_THROWS_WITH(rc->read_as<uint8_t>(Box{{0, 12, 0}, {4, 16, 4}}),
                    Contains(chunk2.string()) && Contains("chunk (x,y,z) [0,1,0] is corrupt: gzip: corrupt stream"));
  const fs::path chunk3 = copy / "s0" / "2" / "1" / "0";
  garble_file(chunk3, 2);  // header: ndim and sizes
  CHECK_THROWS_WITH(rc->read_as<uint8_t>(Box{{32, 12, 0}, {36, 16, 4}}), Contains(chunk3.string()) && Contains("chunk (x,y,z) [2,1,0]"));

  write_text(copy / "s0" / "attributes.json", "{\"dimensions\": [45, 30");
  CHECK_THROWS_WITH(open_n5(copy, "s0"), Contains((copy / "s0" / "attributes.json").string()) && Contains("invalid JSON"));
  write_text(copy / "s0" / "attributes.json",
             R"({"dimensions":[45,30,21],"blockSize":[16,12,8],"dataType":"uint8","compression":{"type":"xz"}})");
  CHECK_THROWS_WITH(open_n5(copy, "s0"), Contains("compression type 'xz' is not supported"));
  write_text(copy / "s0" / "attributes.json",
             R"({"dimensions":[45,30],"blockSize":[16,12],"dataType":"uint8","compression":{"type":"raw"}})");
  CHECK_THROWS_WITH(open_n5(copy, "s0"), Contains("only 3-D datasets"));
  write_text(copy / "s0" / "attributes.json",
             R"({"dimensions":[45,30,21],"blockSize":[16,12,8],"dataType":"complex64","compression":{"type":"raw"}})");
  CHECK_THROWS_WITH(open_n5(copy, "s0"), Contains("unsupported data type 'complex64'"));
}

TEST_CASE("Zarr errors name the array or chunk file", "[zarr][errors]") {
  const auto m = test::n5zarr_manifest();
  const auto& c = find_case(m, "dir_blosc_lz4_shuffle_uint64");
  const fs::path golden = test::n5zarr_dir() / c["path"].get<std::string>();

  CHECK_THROWS_WITH(open_zarr(golden, "nope", ZarrStore::directory), Contains((golden / "nope").string()) && Contains("no .zarray"));
  const fs::path n5store = test::n5zarr_dir() / find_case(m, "n5store_gzip_uint8")["path"].get<std::string>();
  CHECK_THROWS_WITH(open_zarr(n5store, "vol", ZarrStore::nested), Contains("use store type N5Store"));
  CHECK_THROWS_WITH(parse_zarr_store("ZipStore"), Contains("'ZipStore' is not supported"));
  CHECK(parse_zarr_store("NestedDirectoryStore") == ZarrStore::nested);

  const auto r = open_zarr(golden, "vol", ZarrStore::directory);
  CHECK_THROWS_WITH(r->read_as<uint8_t>(Box{{0, 0, 0}, {4, 4, 4}}), Contains("zarr:" + (golden / "vol").string()) && Contains("uint64"));

  const fs::path copy = copy_case(c, "zarr-corrupt");
  const fs::path chunk = copy / "vol" / "0.0.1";  // keys are z.y.x: grid x=1
  fs::resize_file(chunk, fs::file_size(chunk) - 100);
  auto rc = open_zarr(copy, "vol", ZarrStore::directory);
  CHECK_THROWS_WITH(rc->read_as<uint64_t>(Box{{16, 0, 0}, {20, 4, 4}}),
                    Contains("zarr: " + chunk.string() + ": chunk (x,y,z) [1,0,0] is corrupt: blosc:"));
  fs::resize_file(chunk, 5);
  CHECK_THROWS_WITH(rc->read_as<uint64_t>(Box{{16, 0, 0}, {20, 4, 4}}), Contains(chunk.string()) && Contains("blosc: truncated frame"));

  const auto& raw = find_case(m, "dir_raw_uint8");
  const fs::path rawcopy = copy_case(raw, "zarr-corrupt-raw");
  fs::resize_file(rawcopy / "vol" / "2.1.0", 100);
  CHECK_THROWS_WITH(open_zarr(rawcopy, "vol", ZarrStore::directory)->read_as<uint8_t>(Box{{0, 12, 16}, {4, 16, 20}}),
                    Contains((rawcopy / "vol" / "2.1.0").string()) && Contains("raw: truncated data (100 bytes, expected 1536)"));

  const fs::path zarray = copy / "vol" / ".zarray";
  auto j = nlohmann::json::parse(read_text(zarray));
  j["filters"] = nlohmann::json::array({{{"id", "delta"}, {"dtype", "<u8"}}});
  write_text(zarray, j.dump());
  CHECK_THROWS_WITH(open_zarr(copy, "vol", ZarrStore::directory), Contains(zarray.string()) && Contains("filters") && Contains("not supported"));
  j["filters"] = nullptr;
  j["compressor"] = {{"id", "lzma"}};
  write_text(zarray, j.dump());
  CHECK_THROWS_WITH(open_zarr(copy, "vol", ZarrStore::directory), Contains("compressor 'lzma' is not supported"));
  j["compressor"] = nullptr;
  j["fill_value"] = -1;
  write_text(zarray, j.dump());
  CHECK_THROWS_WITH(open_zarr(copy, "vol", ZarrStore::directory), Contains("fill_value -1 does not fit"));
  j["fill_value"] = 0;
  j["dtype"] = "<c8";
  write_text(zarray, j.dump());
  CHECK_THROWS_WITH(open_zarr(copy, "vol", ZarrStore::directory), Contains("unsupported data type"));
  j["dtype"] = "<u8";
  j["zarr_format"] = 3;
  write_text(zarray, j.dump());
  CHECK_THROWS_WITH(open_zarr(copy, "vol", ZarrStore::directory), Contains("zarr_format is 3"));
}

TEST_CASE("zarr: an array at the container root needs dataset \"\"; a dimension_separator that disagrees with store-type is reported") {
  const auto dir = dflow::test::scratch_dir("zarr-root");
  // A 4x4x4 uint8 array at the root of the container (as zarr.open("c.zarr", shape=...) writes it), one
  // uncompressed chunk, keys separated by "/" although the caller says DirectoryStore.
  write_text_atomic(dir / "c.zarr" / ".zarray",
                    R"({"zarr_format":2,"shape":[4,4,4],"chunks":[4,4,4],"dtype":"|u1","compressor":null,)"
                    R"("fill_value":0,"order":"C","filters":null,"dimension_separator":"/"})");
  std::vector<std::byte> chunk(64);
  for (size_t i = 0; i < chunk.size(); ++i) chunk[i] = std::byte(i);
  write_file_atomic(dir / "c.zarr" / "0" / "0" / "0", chunk);

  CHECK_THROWS_WITH(open_zarr(dir / "c.zarr", "s0", ZarrStore::directory),
                    Contains("c.zarr/s0: not a zarr array (no .zarray); the container") &&
                        Contains("is itself an array: set dataset: \"\""));

  const auto log_file = dir / "log.txt";
  dflow::log::add_file(log_file);
  const auto r = open_zarr(dir / "c.zarr", "", ZarrStore::directory);
  CHECK(r->read_as<uint8_t>(Box{{0, 0, 0}, {4, 4, 4}}).vec()[63] == 63);  // keys read with "/", as the file says
  CHECK_THAT(read_text(log_file), Contains("dimension_separator \"/\" overrides store-type DirectoryStore (which implies \".\")"));
}
