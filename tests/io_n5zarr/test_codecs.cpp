// gzip/zlib/zstd/blosc: known byte vectors from python (zlib, gzip, numcodecs), round trips, and
// corrupt or truncated input, which must raise dflow::Error naming the codec, never crash.
#include <catch2/catch.hpp>

#include <cstring>
#include <numeric>
#include <random>

#include <zstd.h>

#include "codec/blosc.hpp"
#include "codec/compressor.hpp"
#include "codec/gzip.hpp"
#include "codec/zstd.hpp"
#include "golden_n5zarr.hpp"

using namespace dflow;
using Catch::Matchers::Contains;

namespace {

template <typename... B>
std::vector<std::byte> bytes(B... b) {
  return {static_cast<std::byte>(b)...};
}
std::vector<std::byte> text(const std::string& s) {
  std::vector<std::byte> v(s.size());
  std::memcpy(v.data(), s.data(), s.size());
  return v;
}

const std::string kHello = "hello, dvidflow! hello, dvidflow!\n";
// python: gzip.compress(d, mtime=0), zlib.compress(d), numcodecs Zstd(3) / Blosc(lz4, shuffle=1).
const auto kGzipHello = bytes(0x1f, 0x8b, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x03, 0xcb, 0x48, 0xcd, 0xc9, 0xc9,
                              0xd7, 0x51, 0x48, 0x29, 0xcb, 0x4c, 0x49, 0xcb, 0xc9, 0x2f, 0x57, 0x54, 0xc8, 0x40, 0x13,
                              0xe0, 0x02, 0x00, 0xe3, 0x00, 0x3d, 0x43, 0x22, 0x00, 0x00, 0x00);
const auto kZlibHello = bytes(0x78, 0x9c, 0xcb, 0x48, 0xcd, 0xc9, 0xc9, 0xd7, 0x51, 0x48, 0x29, 0xcb, 0x4c, 0x49, 0xcb,
                              0xc9, 0x2f, 0x57, 0x54, 0xc8, 0x40, 0x13, 0xe0, 0x02, 0x00, 0xd7, 0x44, 0x0b, 0xeb);
const auto kZstdHello = bytes(0x28, 0xb5, 0x2f, 0xfd, 0x20, 0x22, 0xc5, 0x00, 0x00, 0x90, 0x68, 0x65, 0x6c, 0x6c, 0x6f,
                              0x2c, 0x20, 0x64, 0x76, 0x69, 0x64, 0x66, 0x6c, 0x6f, 0x77, 0x21, 0x20, 0x0a, 0x01, 0x00,
                              0x09, 0x99, 0x4b);

std::vector<std::byte> sample(size_t n) {
  // Compressible but not trivial: runs of labels with noise.
  std::vector<std::byte> v(n);
  std::mt19937 rng(7);
  for (size_t i = 0; i < n; ++i) v[i] = std::byte(((i / 97) * 13 + (rng() % 4 == 0 ? rng() : 0)) & 0xff);
  return v;
}

}  // namespace

TEST_CASE("gzip and zlib decode python's byte vectors", "[codec][gzip]") {
  const auto want = text(kHello);
  CHECK(gzip::detect(kGzipHello) == gzip::Format::gzip);
  CHECK(gzip::detect(kZlibHello) == gzip::Format::zlib);
  CHECK(gzip::decompress(kGzipHello) == want);                       // zlib streaming, size unknown
  CHECK(gzip::decompress(kGzipHello, want.size()) == want);          // libdeflate, size known
  CHECK(gzip::decompress(kZlibHello) == want);
  CHECK(gzip::decompress(kZlibHello, gzip::Format::zlib, want.size()) == want);
  // Raw deflate = the zlib stream without its 2-byte header and 4-byte adler32.
  std::span<const std::byte> raw(kZlibHello.data() + 2, kZlibHello.size() - 6);
  CHECK(gzip::decompress(raw, gzip::Format::raw) == want);
  CHECK(gzip::decompress(raw, gzip::Format::raw, want.size()) == want);
}

TEST_CASE("gzip round trips at every level, multi-member streams decode", "[codec][gzip]") {
  const auto plain = sample(200000);
  for (int level : {-1, 0, 1, 6, 9, 12})
    for (auto f : {gzip::Format::gzip, gzip::Format::zlib, gzip::Format::raw}) {
      const auto c = gzip::compress(plain, f, level);
      CHECK(gzip::decompress(c, f, plain.size()) == plain);
      CHECK(gzip::decompress(c, f) == plain);
    }
  const std::span<const std::byte> p(plain);
  auto multi = gzip::compress(p.subspan(0, 1000), gzip::Format::gzip);
  const auto second = gzip::compress(p.subspan(1000), gzip::Format::gzip);
  multi.insert(multi.end(), second.begin(), second.end());
  CHECK(gzip::decompress(multi, plain.size()) == plain);  // libdeflate stops after member 1: zlib fallback
  CHECK(gzip::decompress(multi) == plain);
  CHECK_THROWS_WITH(gzip::compress(plain, gzip::Format::gzip, 13), Contains("level 13"));
}

TEST_CASE("gzip rejects corrupt, truncated and wrongly sized streams", "[codec][gzip]") {
  const auto plain = sample(50000);
  const auto c = gzip::compress(plain, gzip::Format::gzip, 6);
  const std::span<const std::byte> cs(c);
  CHECK_THROWS_WITH(gzip::decompress(cs.subspan(0, c.size() / 2), plain.size()), Contains("gzip: truncated stream"));
  CHECK_THROWS_WITH(gzip::decompress(cs.subspan(0, c.size() / 2)), Contains("gzip: truncated stream"));
  CHECK_THROWS_WITH(gzip::decompress(cs.subspan(0, 1)), Contains("neither a gzip nor a zlib header"));
  CHECK_THROWS_WITH(gzip::decompress(std::span<const std::byte>{}), Contains("gzip"));
  CHECK_THROWS_WITH(gzip::decompress(c, plain.size() - 1), Contains("more than the expected"));
  CHECK_THROWS_WITH(gzip::decompress(c, plain.size() + 1), Contains("expected"));
  auto garbled = c;
  for (size_t i = 20; i < 60; ++i) garbled[i] ^= std::byte{0x5a};
  CHECK_THROWS_WITH(gzip::decompress(garbled, plain.size()), Contains("gzip: corrupt stream"));
  CHECK_THROWS_WITH(gzip::decompress(garbled), Contains("gzip: corrupt stream"));
  auto bad_crc = c;
  bad_crc[bad_crc.size() - 6] ^= std::byte{1};  // CRC32 trailer
  CHECK_THROWS_WITH(gzip::decompress(bad_crc, plain.size()), Contains("gzip: corrupt stream"));
  auto trailing = c;
  trailing.push_back(std::byte{0x42});
  CHECK_THROWS_WITH(gzip::decompress(trailing, plain.size()), Contains("unexpected bytes after the end"));
}

TEST_CASE("zstd decodes numcodecs output, streams without a content size, rejects damage", "[codec][zstd]") {
  const auto want = text(kHello);
  CHECK(zstd::decompress(kZstdHello) == want);
  CHECK(zstd::decompress(kZstdHello, want.size()) == want);
  CHECK_THROWS_WITH(zstd::decompress(kZstdHello, want.size() - 1), Contains("zstd:"));

  const auto plain = sample(300000);
  for (int level : {0, 1, 3, 19, -5}) CHECK(zstd::decompress(zstd::compress(plain, level), plain.size()) == plain);

  // A frame without the content size (streaming compressor, size never pledged).
  ZSTD_CCtx* cctx = ZSTD_createCCtx();
  ZSTD_CCtx_setParameter(cctx, ZSTD_c_contentSizeFlag, 0);
  std::vector<std::byte> frame(ZSTD_compressBound(plain.size()));
  ZSTD_outBuffer ob{frame.data(), frame.size(), 0};
  ZSTD_inBuffer ib{plain.data(), plain.size(), 0};
  while (ZSTD_compressStream2(cctx, &ob, &ib, ZSTD_e_end) != 0) {}
  ZSTD_freeCCtx(cctx);
  frame.resize(ob.pos);
  REQUIRE(ZSTD_getFrameContentSize(frame.data(), frame.size()) == ZSTD_CONTENTSIZE_UNKNOWN);
  CHECK(zstd::decompress(frame) == plain);
  CHECK(zstd::decompress(frame, plain.size()) == plain);
  CHECK_THROWS_WITH(zstd::decompress(frame, plain.size() - 10), Contains("more than the expected"));

  const auto c = zstd::compress(plain, 3);
  const std::span<const std::byte> cs(c);
  CHECK_THROWS_WITH(zstd::decompress(cs.subspan(0, c.size() - 10), plain.size()), Contains("zstd:"));
  CHECK_THROWS_WITH(zstd::decompress(std::span(frame).subspan(0, frame.size() / 2)), Contains("zstd: truncated"));
  CHECK_THROWS_WITH(zstd::decompress(text("not zstd at all"), 10), Contains("zstd: corrupt stream"));
  auto bad_magic = c;
  bad_magic[1] ^= std::byte{0x01};
  CHECK_THROWS_WITH(zstd::decompress(bad_magic, plain.size()), Contains("zstd: corrupt stream"));
  CHECK_THROWS_WITH(zstd::decompress(bad_magic), Contains("zstd: corrupt stream"));
  auto garbled = c;  // without a checksum not every change is detectable; none may crash
  for (size_t i = 30; i < garbled.size(); i += 5) garbled[i] ^= std::byte{0x33};
  try {
    const auto d = zstd::decompress(garbled, plain.size());
    CHECK(d.size() == plain.size());
  } catch (const Error& e) {
    CHECK_THAT(e.what(), Contains("zstd:"));
  }
}

TEST_CASE("blosc round trips every cname and shuffle, rejects damage", "[codec][blosc]") {
  std::vector<uint64_t> labels(40000);
  for (size_t i = 0; i < labels.size(); ++i) labels[i] = 0xfffffffffffff000ull - (i / 50);
  const auto plain = std::as_bytes(std::span(labels));
  for (std::string cname : {"lz4", "lz4hc", "zstd", "zlib", "blosclz"})
    for (int shuffle : {0, 1, 2}) {
      const auto c = blosc::compress(plain, {.cname = cname, .clevel = 5, .shuffle = shuffle, .typesize = 8});
      CHECK(blosc::frame_info(c).nbytes == plain.size());
      const auto d = blosc::decompress(c);
      CHECK(std::equal(d.begin(), d.end(), plain.begin(), plain.end()));
    }
  const auto c = blosc::compress(plain, {.cname = "lz4", .clevel = 5, .shuffle = 1, .typesize = 8});
  std::vector<std::byte> out(plain.size());
  CHECK_THROWS_WITH(blosc::decompress(std::span(c).subspan(0, 10)), Contains("blosc: truncated frame"));
  CHECK_THROWS_WITH(blosc::decompress(std::span(c).subspan(0, c.size() / 2)), Contains("blosc: truncated frame"));
  std::vector<std::byte> small(plain.size() - 8);
  CHECK_THROWS_WITH(blosc::decompress_into(c, small), Contains("expected"));
  auto garbled = c;
  for (size_t i = 16; i < garbled.size(); i += 7) garbled[i] ^= std::byte{0xa5};
  try {  // c-blosc cannot checksum data; it must not crash and must report what it detects
    blosc::decompress_into(garbled, out);
  } catch (const Error& e) {
    CHECK_THAT(e.what(), Contains("blosc:"));
  }
  CHECK_THROWS_WITH(blosc::compress(plain, {.cname = "snappy-ish"}), Contains("not available"));
}

TEST_CASE("codecs decode numcodecs / python golden vectors", "[codec][golden]") {
  const auto m = test::n5zarr_manifest();
  REQUIRE(m["codecs"].size() >= 18);
  for (const auto& c : m["codecs"]) {
    INFO(c["name"].get<std::string>());
    const auto data = read_file(test::n5zarr_dir() / c["file"].get<std::string>());
    const auto plain = read_file(test::n5zarr_dir() / c["plain"].get<std::string>());
    const std::string codec = c["codec"];
    Compressor comp;
    comp.kind = codec == "blosc" ? Compressor::Kind::blosc
              : codec == "zstd"  ? Compressor::Kind::zstd
              : codec == "zlib"  ? Compressor::Kind::zlib
                                 : Compressor::Kind::gzip;
    std::vector<std::byte> out(plain.size());
    comp.decompress_into(data, out);
    CHECK(out == plain);
    if (codec == "gzip" || codec == "zlib") CHECK(gzip::decompress(data) == plain);
    if (codec == "zstd") CHECK(zstd::decompress(data) == plain);
    if (codec == "blosc") CHECK(blosc::decompress(data) == plain);
  }
}

TEST_CASE("randomly damaged frames of every codec raise Error or decode, never crash", "[codec][fuzz]") {
  std::vector<uint64_t> labels(8192);
  for (size_t i = 0; i < labels.size(); ++i) labels[i] = 0xfffffffffffff000ull - (i / 50) * 977;
  const auto plain = std::as_bytes(std::span(labels));
  std::vector<Compressor> codecs(6);
  codecs[0].kind = Compressor::Kind::gzip;
  codecs[1].kind = Compressor::Kind::zlib;
  codecs[2].kind = Compressor::Kind::zstd;
  codecs[3].kind = Compressor::Kind::blosc;
  codecs[3].blosc = {.cname = "lz4", .clevel = 5, .shuffle = 1, .typesize = 8};
  codecs[4].kind = Compressor::Kind::blosc;
  codecs[4].blosc = {.cname = "zstd", .clevel = 5, .shuffle = 2, .typesize = 8};
  codecs[5].kind = Compressor::Kind::blosc;
  codecs[5].blosc = {.cname = "blosclz", .clevel = 9, .shuffle = 0, .typesize = 8};
  std::mt19937 rng(20261125);
  std::vector<std::byte> out(plain.size());
  size_t errors = 0, decoded = 0;
  for (const Compressor& c : codecs) {
    const auto good = c.compress(plain);
    for (int trial = 0; trial < 300; ++trial) {
      auto bad = good;
      const int mode = trial % 3;
      if (mode == 0) {  // flip a few random bytes anywhere (headers included)
        for (int k = 0; k < 1 + trial % 4; ++k) bad[rng() % bad.size()] ^= std::byte(1 + rng() % 255);
      } else if (mode == 1) {  // truncate
        bad.resize(rng() % bad.size());
      } else {  // overwrite a run with random bytes
        const size_t at = rng() % bad.size(), len = std::min<size_t>(1 + rng() % 64, bad.size() - at);
        for (size_t k = 0; k < len; ++k) bad[at + k] = std::byte(rng());
      }
      try {
        c.decompress_into(bad, out);
        ++decoded;
      } catch (const Error&) {
        ++errors;
      }
    }
  }
  CHECK(errors + decoded == codecs.size() * 300);
  CHECK(errors > codecs.size() * 100);  // at least every truncation is caught
}
