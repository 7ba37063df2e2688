// JPEG codec (libjpeg-turbo through the libjpeg API): round trip, header checks, corrupt data.
#include <catch2/catch.hpp>

#include <cmath>
#include <cstdlib>

#include "codec/jpeg.hpp"
#include "core/error.hpp"

using namespace dflow;

namespace {
std::vector<uint8_t> gradient(int w, int h) {
  std::vector<uint8_t> p(static_cast<size_t>(w) * h);
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x) p[static_cast<size_t>(y) * w + x] = static_cast<uint8_t>(128 + 100 * std::sin(x / 7.0 + y / 11.0));
  return p;
}
int max_diff(const std::vector<uint8_t>& a, const std::vector<uint8_t>& b) {
  int m = 0;
  for (size_t i = 0; i < a.size(); ++i) m = std::max(m, std::abs(int(a[i]) - int(b[i])));
  return m;
}
}  // namespace

TEST_CASE("jpeg: grayscale round trip (width X, height Y*Z)") {
  const int w = 64, h = 64 * 16;
  const auto px = gradient(w, h);
  const auto enc = jpeg::encode(px.data(), w, h, 1, 95);
  const auto hdr = jpeg::read_header(enc);
  REQUIRE(hdr.width == w);
  REQUIRE(hdr.height == h);
  REQUIRE(hdr.components == 1);
  std::vector<uint8_t> out(px.size());
  jpeg::decode(enc, px.size(), 1, out);
  REQUIRE(max_diff(px, out) <= 4);
  // Decoding is deterministic.
  std::vector<uint8_t> again(px.size());
  jpeg::decode(enc, px.size(), 1, again);
  REQUIRE(again == out);
  // Quality matters: q=100 is closer than q=20.
  std::vector<uint8_t> lo(px.size()), hi(px.size());
  jpeg::decode(jpeg::encode(px.data(), w, h, 1, 20), px.size(), 1, lo);
  jpeg::decode(jpeg::encode(px.data(), w, h, 1, 100), px.size(), 1, hi);
  REQUIRE(max_diff(px, hi) < max_diff(px, lo));
}

TEST_CASE("jpeg: RGB round trip") {
  const int w = 16, h = 8;
  std::vector<uint8_t> px(static_cast<size_t>(w) * h * 3, 90);
  const auto enc = jpeg::encode(px.data(), w, h, 3, 95);
  REQUIRE(jpeg::read_header(enc).components == 3);
  std::vector<uint8_t> out(px.size());
  jpeg::decode(enc, static_cast<size_t>(w) * h, 3, out);
  REQUIRE(max_diff(px, out) <= 2);
  // A 3-component image is refused where 1 is expected.
  std::vector<uint8_t> gray(static_cast<size_t>(w) * h);
  REQUIRE_THROWS_WITH(jpeg::decode(enc, gray.size(), 1, gray), Catch::Contains("3 components, expected 1"));
}

TEST_CASE("jpeg: wrong size, corrupt and truncated data throw dflow::Error") {
  const int w = 32, h = 96;
  const auto px = gradient(w, h);
  const auto enc = jpeg::encode(px.data(), w, h, 1, 85);
  std::vector<uint8_t> out(px.size());
  std::vector<uint8_t> bigger(px.size() * 2);
  REQUIRE_THROWS_WITH(jpeg::decode(enc, bigger.size(), 1, bigger), Catch::Contains("32x96 = 3072 pixels, expected 6144"));
  REQUIRE_THROWS_WITH(jpeg::decode(std::span(enc).first(enc.size() / 2), px.size(), 1, out), Catch::StartsWith("jpeg: "));
  REQUIRE_THROWS_WITH(jpeg::decode(std::span(enc).first(10), px.size(), 1, out), Catch::StartsWith("jpeg: "));
  REQUIRE_THROWS_WITH(jpeg::decode({}, px.size(), 1, out), Catch::Contains("empty"));
  std::vector<std::byte> junk(300, std::byte{0x42});
  REQUIRE_THROWS_WITH(jpeg::read_header(junk), Catch::Contains("Not a JPEG file"));
  // Every truncation fails cleanly (libjpeg's "premature end" warning is an error here).
  for (size_t n = 0; n + 2 < enc.size(); n += 7) REQUIRE_THROWS_AS(jpeg::decode(std::span(enc).first(n), px.size(), 1, out), Error);
  // Corrupting entropy-coded bytes never crashes.
  for (size_t i = 200; i < enc.size(); i += 13) {
    auto bad = enc;
    bad[i] = std::byte{0xff};
    try {
      jpeg::decode(bad, px.size(), 1, out);
    } catch (const Error&) {
    }
  }
  REQUIRE_THROWS_AS(jpeg::encode(px.data(), 0, 10, 1, 85), Error);
  REQUIRE_THROWS_AS(jpeg::encode(px.data(), 10, 70000, 1, 85), Error);
  REQUIRE_THROWS_AS(jpeg::encode(px.data(), 10, 10, 2, 85), Error);
}
