// Precomputed reader and writer on self-made volumes: round trips through our writer, hand-built
// shard files, and every bad-input case with the file/chunk it must name.
#include <catch2/catch.hpp>

#include <cstring>
#include <fstream>
#include <functional>
#include <atomic>
#include <thread>
#include <map>
#include <random>

#include <nlohmann/json.hpp>

#include "codec/gzip.hpp"
#include "codec/jpeg.hpp"
#include "core/error.hpp"
#include "core/files.hpp"
#include "io/precomputed/metadata.hpp"
#include "io/precomputed/precomputed.hpp"
#include "io/precomputed/sharding.hpp"
#include "io/precomputed/unsharded.hpp"
#include "io/precomputed/writer.hpp"
#include "test_support.hpp"

using namespace dflow;
using test::error_of;
using namespace dflow::precomputed;
namespace fs = std::filesystem;

namespace {

Info make_info(DType dt, Encoding enc, Vec3 size, Vec3 offset, Vec3 chunk) {
  Info info;
  info.type = (dt == DType::uint64 || dt == DType::uint32) ? "segmentation" : "image";
  info.dtype = dt;
  Scale s;
  s.key = "s0";
  s.size = size;
  s.voxel_offset = offset;
  s.chunk_size = chunk;
  s.encoding = enc;
  s.resolution = {8, 8, 8};
  info.scales.push_back(s);
  return info;
}

template <typename T>
Array3<T> pattern(const Box& box, uint64_t seed) {
  Array3<T> a(box);
  std::mt19937_64 rng(seed);
  for (int64_t z = box.lo.z; z < box.hi.z; ++z)
    for (int64_t y = box.lo.y; y < box.hi.y; ++y)
      for (int64_t x = box.lo.x; x < box.hi.x; ++x) {
        if constexpr (sizeof(T) == 8) a.at({x, y, z}) = (uint64_t(1) << 45) + uint64_t(x / 5) * 100 + uint64_t(y / 3) + uint64_t(z / 4) * 7;
        else if constexpr (sizeof(T) == 1) a.at({x, y, z}) = static_cast<T>(100 + 50 * ((x / 8 + y / 8 + z) % 3) + rng() % 3);
        else a.at({x, y, z}) = static_cast<T>(rng());
      }
  return a;
}

std::vector<Box> test_boxes(const Box& b) {
  const Vec3 s = b.shape();
  std::vector<Box> boxes = {b,
                            {b.lo, b.lo + Vec3{1, 1, 1}},
                            {b.hi - Vec3{1, 1, 1}, b.hi},
                            {b.lo + Vec3{s.x / 3, s.y / 4, s.z / 5}, b.hi - Vec3{s.x / 5, 1, s.z / 3}}};
  std::mt19937 rng(5);
  for (int i = 0; i < 8; ++i) {
    Vec3 lo, hi;
    for (int d = 0; d < 3; ++d) {
      int64_t a = b.lo[d] + rng() % s[d], c = b.lo[d] + rng() % s[d];
      lo[d] = std::min(a, c);
      hi[d] = std::max(a, c) + 1;
    }
    boxes.push_back({lo, hi});
  }
  return boxes;
}

template <typename T>
void check_reads(const VolumeReader& r, const Array3<T>& expected, int tolerance = 0) {
  for (const Box& box : test_boxes(expected.box())) {
    INFO("box " << to_string(box));
    const auto got = r.read_as<T>(box);
    const auto want = expected.crop(box);
    if (tolerance == 0) {
      REQUIRE(got.vec() == want.vec());
    } else {
      int m = 0;
      for (size_t i = 0; i < got.size(); ++i) m = std::max(m, std::abs(int(got.data()[i]) - int(want.data()[i])));
      REQUIRE(m <= tolerance);
    }
  }
}

std::vector<std::byte> gz(std::span<const std::byte> in) { return dflow::gzip::compress(in, dflow::gzip::Format::gzip); }

// A valid grayscale JPEG of 10x10 pixels (the wrong size for any chunk used here).
std::vector<std::byte> jpeg_other_size() {
  std::vector<uint8_t> px(100, 77);
  return jpeg::encode(px.data(), 10, 10, 1, 90);
}
void put_text(const fs::path& p, const std::string& t) { write_text_atomic(p, t); }
void put(const fs::path& p, std::span<const std::byte> b) { write_file_atomic(p, b); }
std::vector<std::byte> head(std::vector<std::byte> b, size_t n) {
  b.resize(std::min(n, b.size()));
  return b;
}

// Builds shard files for `chunks` (id -> encoded bytes) under `dir`, as neuroglancer's spec
// describes: shard index, then per minishard the chunk data and its minishard index.
void build_shards(const fs::path& dir, const ShardingSpec& spec, const std::map<uint64_t, std::vector<std::byte>>& chunks) {
  std::map<uint64_t, std::map<uint64_t, std::vector<uint64_t>>> by_shard;  // shard -> minishard -> ids
  for (const auto& [id, _] : chunks) {
    const auto loc = locate(spec, id);
    by_shard[loc.shard][loc.minishard].push_back(id);
  }
  const size_t index_bytes = size_t(16) << spec.minishard_bits;
  for (const auto& [shard, minishards] : by_shard) {
    std::vector<std::byte> file(index_bytes);
    for (const auto& [ms, ids] : minishards) {
      const size_t n = ids.size();
      std::vector<uint64_t> rows(3 * n);
      uint64_t prev_id = 0, prev_end = 0;
      for (size_t i = 0; i < n; ++i) {
        auto data = chunks.at(ids[i]);
        if (spec.data_gzip) data = gz(data);
        const uint64_t start = file.size() - index_bytes;
        rows[i] = ids[i] - prev_id;
        rows[n + i] = start - prev_end;
        rows[2 * n + i] = data.size();
        prev_id = ids[i];
        prev_end = start + data.size();
        file.insert(file.end(), data.begin(), data.end());
      }
      std::vector<std::byte> index(24 * n);
      for (size_t i = 0; i < 3 * n; ++i) store_le64(index.data() + 8 * i, rows[i]);
      if (spec.minishard_index_gzip) index = gz(index);
      const uint64_t start = file.size() - index_bytes;
      store_le64(file.data() + 16 * ms, start);
      store_le64(file.data() + 16 * ms + 8, start + index.size());
      file.insert(file.end(), index.begin(), index.end());
    }
    put(dir / shard_file_name(spec, shard), file);
  }
}

}  // namespace

TEST_CASE("precomputed: writer/reader round trip, raw uint16, offset, partial chunks") {
  const fs::path dir = test::scratch_dir("pc_raw16");
  const Info info = make_info(DType::uint16, Encoding::raw, {50, 37, 21}, {-7, 12, 3}, {16, 16, 8});
  write_info(dir.string(), info);
  const auto data = pattern<uint16_t>(info.scales[0].bounds(), 1);
  write_region(dir.string(), info, 0, data.box(), data.bytes());
  REQUIRE(fs::exists(dir / "s0" / "-7-9_12-28_3-11"));
  REQUIRE(fs::exists(dir / "s0" / "41-43_44-49_19-24"));  // truncated edge chunk, true end in name
  REQUIRE(fs::file_size(dir / "s0" / "41-43_44-49_19-24") == 2 * 5 * 5 * 2);

  for (const std::string& url : {dir.string(), "file://" + dir.string(), "precomputed://file://" + dir.string() + "/",
                                 "precomputed://" + dir.string()}) {
    auto r = open_precomputed(url);
    REQUIRE(r->dtype() == DType::uint16);
    REQUIRE(r->bounds() == data.box());
    REQUIRE(r->chunk_shape() == Vec3{16, 16, 8});
    REQUIRE(r->describe() == "precomputed:" + (dir / "s0").string());
  }
  check_reads(*open_precomputed(dir.string()), data);
}

TEST_CASE("precomputed: writer/reader round trip, cseg uint64 and uint32") {
  for (const DType dt : {DType::uint64, DType::uint32}) {
    const fs::path dir = test::scratch_dir("pc_cseg");
    Info info = make_info(dt, Encoding::compressed_segmentation, {40, 30, 19}, {0, 64, 8}, {16, 16, 16});
    info.scales[0].cseg_block_size = {8, 4, 6};
    write_info(dir.string(), info);
    auto r0 = [&] { return open_precomputed(dir.string()); };
    if (dt == DType::uint64) {
      const auto data = pattern<uint64_t>(info.scales[0].bounds(), 2);
      write_region(dir.string(), info, 0, data.box(), data.bytes());
      check_reads(*r0(), data);
    } else {
      const auto data = pattern<uint32_t>(info.scales[0].bounds(), 3);
      write_region(dir.string(), info, 0, data.box(), data.bytes());
      check_reads(*r0(), data);
    }
  }
}

TEST_CASE("precomputed: writer/reader round trip, jpeg uint8") {
  const fs::path dir = test::scratch_dir("pc_jpeg");
  Info info = make_info(DType::uint8, Encoding::jpeg, {70, 40, 20}, {0, 0, 0}, {32, 32, 16});
  info.scales[0].jpeg_quality = 95;
  write_info(dir.string(), info);
  const auto data = pattern<uint8_t>(info.scales[0].bounds(), 4);
  write_region(dir.string(), info, 0, data.box(), data.bytes());
  check_reads(*open_precomputed(dir.string()), data, 12);
  // Reading the same chunk twice gives identical voxels (deterministic decode).
  auto r = open_precomputed(dir.string());
  REQUIRE(r->read_as<uint8_t>(data.box()).vec() == r->read_as<uint8_t>(data.box()).vec());
  // cloud-volume's layout: width X, height Y*Z, grayscale.
  const auto bytes = read_file(dir / "s0" / "64-70_32-40_16-20");
  REQUIRE(bytes.size() > 4);
  REQUIRE(bytes[0] == std::byte{0xff});
  REQUIRE(bytes[1] == std::byte{0xd8});
}

TEST_CASE("precomputed: missing chunks read as zeros; .gz names and gzip'd content are accepted") {
  const fs::path dir = test::scratch_dir("pc_missing");
  const Info info = make_info(DType::uint64, Encoding::raw, {32, 16, 16}, {0, 0, 0}, {16, 16, 16});
  write_info(dir.string(), info);
  const auto data = pattern<uint64_t>(info.scales[0].bounds(), 5);
  // Chunk 0 as a CloudFiles ".gz" object, chunk 1 absent.
  const Box c0{{0, 0, 0}, {16, 16, 16}};
  const auto a0 = data.crop(c0);
  put(dir / "s0" / "0-16_0-16_0-16.gz", gz(a0.bytes()));
  auto r = open_precomputed(dir.string());
  auto got = r->read_as<uint64_t>(data.box());
  Array3<uint64_t> want(data.box(), 0);
  want.paste(a0);
  REQUIRE(got.vec() == want.vec());
  // Gzip'd content under the plain name is detected by its magic bytes.
  fs::remove(dir / "s0" / "0-16_0-16_0-16.gz");
  put(dir / "s0" / "0-16_0-16_0-16", gz(a0.bytes()));
  REQUIRE(open_precomputed(dir.string())->read_as<uint64_t>(data.box()).vec() == want.vec());
  // Raw bytes that merely start with 1f 8b but have the exact raw size stay raw.
  auto tricky = a0;
  std::memcpy(tricky.data(), "\x1f\x8b\x08\x00", 4);
  put(dir / "s0" / "0-16_0-16_0-16", tricky.bytes());
  REQUIRE(open_precomputed(dir.string())->read_as<uint64_t>(c0).vec() == tricky.vec());
}

TEST_CASE("precomputed: sharded reading (hand-built shards, identity and murmurhash)") {
  for (const bool murmur : {false, true}) {
    for (const bool gz : {false, true}) {
      const fs::path dir = test::scratch_dir("pc_shard");
      Info info = make_info(DType::uint8, Encoding::raw, {70, 50, 33}, {10, 0, 5}, {16, 16, 8});
      ShardingSpec spec;
      spec.hash = murmur ? ShardingSpec::Hash::murmurhash3_x86_128 : ShardingSpec::Hash::identity;
      spec.preshift_bits = 1;
      spec.minishard_bits = 2;
      spec.shard_bits = 2;
      spec.minishard_index_gzip = gz;
      spec.data_gzip = gz;
      info.scales[0].sharding = spec;
      write_info(dir.string(), info);
      const Scale& s = info.scales[0];
      const auto data = pattern<uint8_t>(s.bounds(), 6);
      Array3<uint8_t> want(s.bounds(), 0);
      std::map<uint64_t, std::vector<std::byte>> chunks;
      const Vec3 grid = s.grid_shape();
      for (int64_t z = 0; z < grid.z; ++z)
        for (int64_t y = 0; y < grid.y; ++y)
          for (int64_t x = 0; x < grid.x; ++x) {
            if ((x + y + z) % 4 == 3) continue;  // some chunks missing
            const auto c = data.crop(s.chunk_box({x, y, z}));
            want.paste(c);
            chunks[compressed_morton_code({x, y, z}, grid)] = std::vector<std::byte>(c.bytes().begin(), c.bytes().end());
          }
      build_shards(dir / "s0", spec, chunks);
      auto r = open_precomputed(dir.string());
      check_reads(*r, want);
      // Concurrent reads through one reader (shared minishard cache) agree with the data.
      std::vector<std::thread> threads;
      std::atomic<int> wrong{0};
      for (int t = 0; t < 4; ++t)
        threads.emplace_back([&, t] {
          std::mt19937 rng(t);
          for (int i = 0; i < 30; ++i) {
            const Box b = s.bounds();
            Vec3 lo, hi;
            for (int d = 0; d < 3; ++d) {
              lo[d] = b.lo[d] + rng() % b.shape()[d];
              hi[d] = std::min(b.hi[d], lo[d] + 1 + static_cast<int64_t>(rng() % 40));
            }
            if (r->read_as<uint8_t>({lo, hi}).vec() != want.crop({lo, hi}).vec()) ++wrong;
          }
        });
      for (auto& th : threads) th.join();
      REQUIRE(wrong == 0);
    }
  }
}

TEST_CASE("precomputed: sharded corruption names the shard file and chunk") {
  const fs::path dir = test::scratch_dir("pc_shard_bad");
  Info info = make_info(DType::uint8, Encoding::raw, {32, 32, 16}, {0, 0, 0}, {16, 16, 16});
  ShardingSpec spec;
  spec.minishard_bits = 1;
  spec.shard_bits = 0;
  spec.data_gzip = true;
  spec.minishard_index_gzip = true;
  info.scales[0].sharding = spec;
  write_info(dir.string(), info);
  const auto data = pattern<uint8_t>(info.scales[0].bounds(), 7);
  std::map<uint64_t, std::vector<std::byte>> chunks;
  for (int64_t y = 0; y < 2; ++y)
    for (int64_t x = 0; x < 2; ++x) {
      const auto c = data.crop(info.scales[0].chunk_box({x, y, 0}));
      chunks[compressed_morton_code({x, y, 0}, {2, 2, 1})] = std::vector<std::byte>(c.bytes().begin(), c.bytes().end());
    }
  build_shards(dir / "s0", spec, chunks);
  const fs::path shard = dir / "s0" / "0.shard";
  const auto good = read_file(shard);
  REQUIRE(open_precomputed(dir.string())->read_as<uint8_t>(data.box()).vec() == data.vec());
  auto read_all = [&] { open_precomputed(dir.string())->read_as<uint8_t>(data.box()); };

  put(shard, std::span(good).first(20));
  auto msg = error_of(read_all);
  CHECK_THAT(msg, Catch::Contains(shard.string()) && Catch::Contains("shorter than its 32-byte shard index"));

  put(shard, std::span(good).first(good.size() - 10));  // minishard 1's index cut off
  msg = error_of(read_all);
  CHECK_THAT(msg, Catch::Contains(shard.string()) && Catch::Contains("shard index entry") && Catch::Contains("chunk [1,0,0]"));

  auto bad = good;
  const uint64_t ms0_start = load_le64(bad.data());
  // Point minishard 0's index at chunk bytes: gunzip of the chunk's gzip data yields a
  // non-multiple-of-24 index.
  store_le64(bad.data(), 0);
  store_le64(bad.data() + 8, ms0_start);
  put(shard, bad);
  msg = error_of(read_all);
  CHECK_THAT(msg, Catch::Contains(shard.string()) && Catch::Contains("minishard 0"));

  bad = good;
  bad[40] ^= std::byte{0xff};  // inside the first chunk's gzip data
  bad[41] ^= std::byte{0xff};
  bad[45] ^= std::byte{0xff};
  put(shard, bad);
  msg = error_of(read_all);
  CHECK_THAT(msg, Catch::Contains(shard.string()) && Catch::Contains("chunk [0,0,0] (id 0"));
}

TEST_CASE("precomputed: bad metadata gives one clear error naming the info file") {
  const fs::path dir = test::scratch_dir("pc_info");
  CHECK_THAT(error_of([&] { open_precomputed((dir / "nope").string()); }),
             Catch::Contains((dir / "nope").string()) && Catch::Contains("no such directory"));
  CHECK_THAT(error_of([&] { open_precomputed(dir.string()); }),
             Catch::Contains((dir / "info").string()) && Catch::Contains("no info file"));
  CHECK_THAT(error_of([&] { open_precomputed("http://host/vol"); }),
             Catch::Contains("http://host/vol") && Catch::Contains("only local paths"));

  const Info base = make_info(DType::uint8, Encoding::raw, {10, 10, 10}, {0, 0, 0}, {8, 8, 8});
  const std::string good = info_to_json(base);
  const std::string info_path = (dir / "info").string();
  // Writes the good info edited by `edit` and returns the error opening it.
  auto with = [&](const std::function<void(nlohmann::json&)>& edit) {
    auto j = nlohmann::json::parse(good);
    edit(j);
    put_text(dir / "info", j.dump());
    return error_of([&] { open_precomputed(dir.string()); });
  };
  auto s0 = [](nlohmann::json& j) -> nlohmann::json& { return j["scales"][0]; };
  CHECK_THAT(with([&](auto& j) { s0(j)["encoding"] = "png"; }),
             Catch::Contains(info_path) && Catch::Contains("unsupported encoding \"png\""));
  CHECK(with([&](auto& j) { s0(j)["encoding"] = "JPEG"; }) == "(no error)");
  CHECK_THAT(with([&](auto& j) { j["num_channels"] = 3; }), Catch::Contains(info_path) && Catch::Contains("num_channels is 3"));
  CHECK_THAT(with([&](auto& j) { j["data_type"] = "float64"; }), Catch::Contains("unsupported data_type"));
  CHECK_THAT(with([&](auto& j) { j["type"] = "mesh"; }), Catch::Contains("\"type\" is \"mesh\""));
  CHECK_THAT(with([&](auto& j) { j.erase("scales"); }), Catch::Contains("missing \"scales\""));
  CHECK_THAT(with([&](auto& j) { s0(j).erase("key"); }), Catch::Contains("missing \"key\""));
  CHECK_THAT(with([&](auto& j) { s0(j)["size"][1] = -4; }), Catch::Contains("(scale 0 \"s0\")") && Catch::Contains("must be positive"));
  CHECK_THAT(with([&](auto& j) { s0(j)["chunk_sizes"] = nlohmann::json::array(); }), Catch::Contains("chunk_sizes"));
  CHECK_THAT(with([&](auto& j) { s0(j)["encoding"] = "compressed_segmentation"; }), Catch::Contains("compressed_segmentation needs"));
  CHECK_THAT(with([&](auto& j) {
               j["data_type"] = "uint64";
               s0(j)["encoding"] = "compressed_segmentation";
             }),
             Catch::Contains("missing \"compressed_segmentation_block_size\""));
  CHECK_THAT(with([&](auto& j) { j["data_type"] = "uint16"; s0(j)["encoding"] = "jpeg"; }),
             Catch::Contains("jpeg encoding needs data_type uint8"));
  const nlohmann::json sharding = {{"@type", "neuroglancer_uint64_sharded_v1"}, {"hash", "identity"}, {"preshift_bits", 0},
                                   {"minishard_bits", 1}, {"shard_bits", 1}};
  CHECK(with([&](auto& j) { s0(j)["sharding"] = sharding; }) == "(no error)");
  CHECK_THAT(with([&](auto& j) { s0(j)["sharding"] = sharding; s0(j)["sharding"]["hash"] = "md5"; }),
             Catch::Contains("unsupported sharding hash \"md5\""));
  CHECK_THAT(with([&](auto& j) { s0(j)["sharding"] = sharding; s0(j)["sharding"]["data_encoding"] = "lz4"; }),
             Catch::Contains("unsupported sharding \"data_encoding\" \"lz4\""));
  CHECK_THAT(with([&](auto& j) { s0(j)["sharding"] = sharding; s0(j)["sharding"]["@type"] = "v2"; }),
             Catch::Contains("unsupported sharding \"@type\""));
  CHECK_THAT(with([&](auto& j) { s0(j)["sharding"] = sharding; s0(j)["sharding"]["shard_bits"] = 64; }),
             Catch::Contains("exceeds 64"));
  CHECK_THAT(with([&](auto& j) {
               s0(j)["sharding"] = sharding;
               s0(j)["chunk_sizes"].push_back({4, 4, 4});
             }),
             Catch::Contains("exactly one entry"));
  put_text(dir / "info", "{\"type\": ");
  CHECK_THAT(error_of([&] { open_precomputed(dir.string()); }), Catch::Contains(info_path) && Catch::Contains("not valid JSON"));
  put_text(dir / "info", good);
  CHECK_THAT(error_of([&] { open_precomputed(dir.string(), 1); }), Catch::Contains("scale 1 requested"));

}

TEST_CASE("precomputed: corrupt chunks name the chunk file; dtype and box errors name the volume") {
  const fs::path dir = test::scratch_dir("pc_bad_chunks");
  const Info info = make_info(DType::uint8, Encoding::raw, {16, 16, 16}, {0, 0, 0}, {8, 8, 8});
  write_info(dir.string(), info);
  const auto data = pattern<uint8_t>(info.scales[0].bounds(), 8);
  write_region(dir.string(), info, 0, data.box(), data.bytes());
  const fs::path c = dir / "s0" / "8-16_0-8_0-8";
  put(c, head(read_file(c), 100));
  auto r = open_precomputed(dir.string());
  CHECK_THAT(error_of([&] { r->read_as<uint8_t>(data.box()); }),
             Catch::Contains(c.string()) && Catch::Contains("raw chunk is 100 bytes, expected 512"));
  // A chunk not touched by the box is not read.
  REQUIRE(r->read_as<uint8_t>({{0, 0, 0}, {8, 8, 8}}).vec() == data.crop({{0, 0, 0}, {8, 8, 8}}).vec());

  const fs::path gz_path = dir / "s0" / "8-16_0-8_0-8.gz";
  fs::remove(c);
  auto z = gz(data.crop({{8, 0, 0}, {16, 8, 8}}).bytes());
  put(gz_path, std::span(z).first(z.size() / 2));
  CHECK_THAT(error_of([&] { r->read_as<uint8_t>(data.box()); }),
             Catch::Contains(gz_path.string()) && Catch::Contains("gzip data is corrupt or truncated"));

  CHECK_THAT(error_of([&] { r->read_as<uint64_t>(data.box()); }),
             Catch::Contains("precomputed:" + (dir / "s0").string()) && Catch::Contains("data type is uint8"));
  CHECK_THAT(error_of([&] { r->read_as<uint8_t>({{0, 0, 0}, {17, 1, 1}}); }), Catch::Contains("outside the volume"));

  // jpeg and cseg chunks that are corrupt.
  const fs::path jdir = test::scratch_dir("pc_bad_jpeg");
  Info ji = make_info(DType::uint8, Encoding::jpeg, {16, 16, 16}, {0, 0, 0}, {8, 8, 8});
  write_info(jdir.string(), ji);
  write_region(jdir.string(), ji, 0, data.box(), data.bytes());
  const fs::path jc = jdir / "s0" / "0-8_8-16_0-8";
  put(jc, head(read_file(jc), 150));
  CHECK_THAT(error_of([&] { open_precomputed(jdir.string())->read_as<uint8_t>(data.box()); }),
             Catch::Contains(jc.string()) && Catch::Contains("jpeg:"));
  const auto other = jpeg_other_size();
  put(jc, other);
  CHECK_THAT(error_of([&] { open_precomputed(jdir.string())->read_as<uint8_t>(data.box()); }),
             Catch::Contains(jc.string()) && Catch::Contains("pixels, expected 512"));

  const fs::path cdir = test::scratch_dir("pc_bad_cseg");
  Info ci = make_info(DType::uint64, Encoding::compressed_segmentation, {16, 16, 16}, {0, 0, 0}, {8, 8, 8});
  write_info(cdir.string(), ci);
  const auto labels = pattern<uint64_t>(ci.scales[0].bounds(), 9);
  write_region(cdir.string(), ci, 0, labels.box(), labels.bytes());
  const fs::path cc = cdir / "s0" / "0-8_0-8_8-16";
  put(cc, head(read_file(cc), 12));
  CHECK_THAT(error_of([&] { open_precomputed(cdir.string())->read_as<uint64_t>(labels.box()); }),
             Catch::Contains(cc.string()) && Catch::Contains("compressed segmentation"));
}

TEST_CASE("precomputed: writer refuses misaligned regions and sharded scales") {
  const fs::path dir = test::scratch_dir("pc_writer_bad");
  Info info = make_info(DType::uint8, Encoding::raw, {20, 20, 20}, {0, 0, 0}, {8, 8, 8});
  Array3<uint8_t> a({{4, 0, 0}, {12, 8, 8}});
  CHECK_THAT(error_of([&] { write_region(dir.string(), info, 0, a.box(), a.bytes()); }), Catch::Contains("not aligned"));
  Array3<uint8_t> tail({{16, 16, 16}, {20, 20, 20}});
  write_region(dir.string(), info, 0, tail.box(), tail.bytes());  // ends at the volume end: fine
  REQUIRE(fs::exists(dir / "s0" / "16-20_16-20_16-20"));
  info.scales[0].sharding = ShardingSpec{};
  CHECK_THAT(error_of([&] { write_chunk(dir.string(), info, 0, {0, 0, 0}, tail.bytes()); }), Catch::Contains("sharded"));
}
