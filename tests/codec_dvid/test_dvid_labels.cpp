#include <catch2/catch.hpp>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <random>
#include <set>
#include <unordered_map>

#include <zlib.h>

#include "codec/dvid_labels.hpp"
#include "core/error.hpp"
#include "core/files.hpp"

using namespace dflow;
namespace fs = std::filesystem;

namespace {

fs::path dvid_test_data() {
  const char* d = std::getenv("DVID_TEST_DATA");
  if (!d || !*d) FAIL("DVID_TEST_DATA is not set (scripts/setup.sh passes the DVID module's test_data/ to cmake)");
  return d;
}

std::vector<std::byte> gunzip_file(const fs::path& p) {
  gzFile f = gzopen(p.c_str(), "rb");
  REQUIRE(f != nullptr);
  std::vector<std::byte> out;
  std::byte buf[1 << 16];
  int n;
  while ((n = gzread(f, buf, sizeof buf)) > 0) out.insert(out.end(), buf, buf + n);
  gzclose(f);
  return out;
}

std::vector<std::byte> gunzip_bytes(std::span<const std::byte> in) {
  z_stream s{};
  REQUIRE(inflateInit2(&s, 16 + MAX_WBITS) == Z_OK);
  std::vector<std::byte> out;
  std::byte buf[1 << 16];
  s.next_in = reinterpret_cast<Bytef*>(const_cast<std::byte*>(in.data()));
  s.avail_in = static_cast<uInt>(in.size());
  int rc;
  do {
    s.next_out = reinterpret_cast<Bytef*>(buf);
    s.avail_out = sizeof buf;
    rc = inflate(&s, Z_NO_FLUSH);
    REQUIRE((rc == Z_OK || rc == Z_STREAM_END));
    out.insert(out.end(), buf, buf + (sizeof buf - s.avail_out));
  } while (rc != Z_STREAM_END);
  inflateEnd(&s);
  return out;
}

std::vector<uint64_t> as_labels(const std::vector<std::byte>& raw) {
  std::vector<uint64_t> v(raw.size() / 8);
  std::memcpy(v.data(), raw.data(), v.size() * 8);
  return v;
}

const Vec3 k64{64, 64, 64};

void check_round_trip(const std::vector<uint64_t>& vol, const Vec3& shape = k64) {
  const auto enc = dvidlabels::encode_block(vol, shape);
  REQUIRE(dvidlabels::block_shape(enc) == shape);
  REQUIRE(dvidlabels::decode_block(enc) == vol);
}

}  // namespace

TEST_CASE("DVID fixture block decodes exactly to its raw volume") {
  const auto dir = dvid_test_data();
  const auto block = gunzip_file(dir / "fib19-64x64x64-sample1-block.dat.gz");
  const auto raw = as_labels(gunzip_file(dir / "fib19-64x64x64-sample1.dat.gz"));
  REQUIRE(block.size() == 22512);
  REQUIRE(dvidlabels::block_shape(block) == k64);
  REQUIRE(dvidlabels::block_labels(block).size() == 18);
  REQUIRE(dvidlabels::decode_block(block) == raw);
}

TEST_CASE("our encoding of the fixture volumes has DVID's sizes and round-trips") {
  const auto dir = dvid_test_data();
  const std::map<std::string, size_t> expected = {{"fib19-64x64x64-sample1.dat.gz", 22512},
                                                   {"fib19-64x64x64-sample2.dat.gz", 29356},
                                                   {"cx-64x64x64-sample1.dat.gz", 26396},
                                                   {"cx-64x64x64-sample2.dat.gz", 8660}};
  for (const auto& [name, size] : expected) {
    INFO(name);
    const auto raw = as_labels(gunzip_file(dir / name));
    const auto enc = dvidlabels::encode_block(raw, k64);
    CHECK(enc.size() == size);
    CHECK(dvidlabels::decode_block(enc) == raw);
  }
}

TEST_CASE("after putting labels in DVID's table order, our block is byte-identical to DVID's") {
  const auto dir = dvid_test_data();
  const auto dvid_block = gunzip_file(dir / "fib19-64x64x64-sample1-block.dat.gz");
  const auto raw = as_labels(gunzip_file(dir / "fib19-64x64x64-sample1.dat.gz"));
  auto ours = dvidlabels::encode_block(raw, k64);
  const auto our_table = dvidlabels::block_labels(ours);
  const auto dvid_table = dvidlabels::block_labels(dvid_block);
  REQUIRE(std::set(our_table.begin(), our_table.end()) == std::set(dvid_table.begin(), dvid_table.end()));
  // Rewrite our label table and idx entries into DVID's order.
  std::unordered_map<uint64_t, uint32_t> dvid_pos;
  for (uint32_t i = 0; i < dvid_table.size(); ++i) dvid_pos[dvid_table[i]] = i;
  const size_t n = our_table.size(), nsb = 512;
  for (size_t i = 0; i < n; ++i) store_le64(ours.data() + 16 + 8 * i, dvid_table[i]);
  size_t total = 0;
  for (size_t i = 0; i < nsb; ++i) {
    const std::byte* q = ours.data() + 16 + 8 * n + 2 * i;
    total += uint16_t(q[0]) | uint16_t(q[1]) << 8;
  }
  std::byte* idx = ours.data() + 16 + 8 * n + 2 * nsb;
  for (size_t k = 0; k < total; ++k) store_le32(idx + 4 * k, dvid_pos.at(our_table[load_le32(idx + 4 * k)]));
  REQUIRE(ours == dvid_block);
}

TEST_CASE("stream_1block.dat: a POST /blocks body from DVID's tests") {
  const auto body = read_file(dvid_test_data() / "stream_1block.dat");
  REQUIRE(body.size() == 114184);
  REQUIRE(load_le32(body.data()) == 0);
  REQUIRE(load_le32(body.data() + 4) == 0);
  REQUIRE(load_le32(body.data() + 8) == 0);
  const uint32_t n = load_le32(body.data() + 12);
  REQUIRE(n == 114168);
  const auto block = gunzip_bytes(std::span(body).subspan(16, n));
  REQUIRE(block.size() == 152672);
  REQUIRE(dvidlabels::block_labels(block).size() == 10);
  const auto vol = dvidlabels::decode_block(block);
  // Re-encoding gives the same voxels and the same size (size does not depend on label order).
  const auto enc = dvidlabels::encode_block(vol, k64);
  CHECK(enc.size() == block.size());
  CHECK(dvidlabels::decode_block(enc) == vol);
}

TEST_CASE("solid blocks are DVID's 24-byte form") {
  std::vector<uint64_t> v(64 * 64 * 64, 0xFFFFFFFFFFFFFFFEull);
  const auto enc = dvidlabels::encode_block(v, k64);
  REQUIRE(enc.size() == 24);
  REQUIRE(enc == dvidlabels::solid_block(0xFFFFFFFFFFFFFFFEull, k64));
  // DVID's TestBlockCompression hand-built solid block: gx=gy=gz=8, N=1, label 2.
  const auto s = dvidlabels::solid_block(2, k64);
  const uint8_t expect[24] = {8, 0, 0, 0, 8, 0, 0, 0, 8, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0};
  REQUIRE(std::memcmp(s.data(), expect, 24) == 0);
  check_round_trip(v);
}

TEST_CASE("round trips on random and adversarial blocks") {
  std::mt19937_64 rng(42);
  const size_t n = 64 * 64 * 64;
  SECTION("two labels, one bit") {
    std::vector<uint64_t> v(n);
    for (auto& x : v) x = rng() & 1 ? 7 : 0;
    check_round_trip(v);
  }
  SECTION("every voxel distinct (identity volume, as DVID's TestBlockCompression)") {
    std::vector<uint64_t> v(n);
    for (size_t i = 0; i < n; ++i) v[i] = i;
    check_round_trip(v);
  }
  SECTION("512 labels in one sub-block, ids near 2^64") {
    std::vector<uint64_t> v(n, 5);
    int k = 0;
    for (int z = 8; z < 16; ++z)
      for (int y = 16; y < 24; ++y)
        for (int x = 24; x < 32; ++x) v[size_t(z) * 4096 + size_t(y) * 64 + size_t(x)] = ~uint64_t(0) - uint64_t(k++);
    check_round_trip(v);
    const auto enc = dvidlabels::encode_block(v, k64);
    CHECK(dvidlabels::block_labels(enc).size() == 513);
  }
  SECTION("each bit width 1..9 (2..512 labels per sub-block)") {
    for (int labels : {2, 3, 4, 5, 8, 9, 16, 17, 33, 65, 129, 257, 511, 512}) {
      std::vector<uint64_t> v(n);
      for (auto& x : v) x = (rng() % uint64_t(labels)) * 0x100000001ull + 1;
      check_round_trip(v);
    }
  }
  SECTION("non-cubic block shapes") {
    for (Vec3 s : {Vec3{32, 64, 16}, Vec3{16, 16, 16}, Vec3{128, 32, 8}}) {
      std::vector<uint64_t> v(size_t(s.prod()));
      for (auto& x : v) x = rng() % 3;
      check_round_trip(v, s);
    }
  }
}

TEST_CASE("corrupt and truncated blocks are errors, never crashes") {
  std::mt19937_64 rng(7);
  std::vector<uint64_t> v(64 * 64 * 64);
  // A third of the voxels small ids, the rest large ones: both halves of the label table are used.
  for (size_t i = 0; i < v.size(); ++i) v[i] = rng() % 40 + (i % 3 == 0 ? 0 : 1000000000000ull);
  const auto good = dvidlabels::encode_block(v, k64);
  std::vector<uint64_t> out(v.size());

  SECTION("every truncation length fails cleanly") {
    for (size_t len = 0; len < good.size(); len += std::max<size_t>(1, len / 50))
      CHECK_THROWS_AS(dvidlabels::decode_block(std::span(good).first(len), out.data()), Error);
  }
  SECTION("random byte flips either throw a named error or decode to a block that round-trips") {
    int refused = 0, accepted = 0;
    for (int trial = 0; trial < 3000; ++trial) {
      auto bad = good;
      const int flips = 1 + int(rng() % 4);
      for (int f = 0; f < flips; ++f) bad[rng() % std::min<size_t>(bad.size(), 16 + 8 * 40 + 1024 + 400)] ^= std::byte(1 + rng() % 255);
      bool ok = true;
      try {
        dvidlabels::decode_block(bad, out.data());
      } catch (const Error& e) {
        ok = false;
        ++refused;
        CHECK(std::string(e.what()).size() > 10);  // a message, not an empty throw
      }
      if (!ok) continue;
      ++accepted;
      // What the decoder accepted is a valid block: its voxels encode and decode back exactly.
      const auto again = dvidlabels::decode_block(dvidlabels::encode_block(out, k64));
      REQUIRE(again == out);
    }
    // Both outcomes occur: flips in the voxel bits still decode, flips in the header are refused.
    CHECK(refused > 0);
    CHECK(accepted > 0);
  }
  SECTION("specific corruptions name the problem") {
    auto bad = good;
    store_le32(bad.data() + 12, 0);
    CHECK_THROWS_WITH(dvidlabels::decode_block(bad, out.data()), Catch::Contains("0 labels"));
    bad = good;
    store_le32(bad.data(), 200);
    CHECK_THROWS_WITH(dvidlabels::decode_block(bad, out.data()), Catch::Contains("sub-block grid"));
    bad = good;
    bad.push_back(std::byte{0});
    CHECK_THROWS_WITH(dvidlabels::decode_block(bad, out.data()), Catch::Contains("trailing"));
  }
}
