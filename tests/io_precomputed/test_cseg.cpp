// compressed_segmentation codec: the spec's worked example, round trips, table reuse and
// corrupt input.
#include <catch2/catch.hpp>

#include <random>

#include "codec/compressed_segmentation.hpp"
#include "core/error.hpp"
#include "core/files.hpp"

using namespace dflow;

namespace {

std::vector<uint32_t> words(const std::vector<std::byte>& b) {
  std::vector<uint32_t> w(b.size() / 4);
  for (size_t i = 0; i < w.size(); ++i) w[i] = load_le32(b.data() + 4 * i);
  return w;
}

template <typename T>
std::vector<T> blocky(const Vec3& s, size_t channels, uint32_t seed, int distinct) {
  std::mt19937_64 rng(seed);
  std::vector<T> v(static_cast<size_t>(s.prod()) * channels);
  for (size_t c = 0; c < channels; ++c)
    for (int64_t z = 0; z < s.z; ++z)
      for (int64_t y = 0; y < s.y; ++y)
        for (int64_t x = 0; x < s.x; ++x) {
          const uint64_t base = sizeof(T) == 8 ? (uint64_t(1) << 40) : 7;
          const uint64_t pick = (x / 3 + y / 2 + z + rng() % 2) % static_cast<uint64_t>(distinct);
          v[c * s.prod() + (z * s.y + y) * s.x + x] = static_cast<T>(base + pick * 1000 + c);
        }
  return v;
}

template <typename T>
void round_trip(const Vec3& size, const Vec3& block, size_t channels, int distinct) {
  const auto in = blocky<T>(size, channels, static_cast<uint32_t>(size.prod() + distinct), distinct);
  const auto enc = cseg::encode<T>(in, size, block, channels);
  std::vector<T> out(in.size(), T(12345));
  cseg::decode<T>(enc, size, block, channels, std::span<T>(out));
  REQUIRE(out == in);
  // Channel prefix: channel 0 starts right after the offsets.
  REQUIRE(load_le32(enc.data()) == channels);
}

}  // namespace

TEST_CASE("cseg: worked example from the spec (8^3 uint64, all 5) is 20 bytes") {
  std::vector<uint64_t> in(512, 5);
  const auto enc = cseg::encode<uint64_t>(in, {8, 8, 8}, {8, 8, 8});
  REQUIRE(enc.size() == 20);
  REQUIRE(words(enc) == std::vector<uint32_t>{1, 2, 2, 5, 0});
  std::vector<uint64_t> out(512);
  cseg::decode<uint64_t>(enc, {8, 8, 8}, {8, 8, 8}, 1, std::span<uint64_t>(out));
  REQUIRE(out == in);
}

TEST_CASE("cseg: hand-packed 2-value block decodes LSB first") {
  // 1 channel, 4x1x1 volume, block 4x1x1, values [9,7,7,9] -> table [7,9], bits 1, indices 1,0,0,1.
  // words: [1] header [3 | 1<<24, 2] values [0b1001] table [7, 9] (offsets from the channel start)
  std::vector<uint32_t> w = {1, 3u | (1u << 24), 2, 0b1001, 7, 9};
  std::vector<std::byte> b(w.size() * 4);
  for (size_t i = 0; i < w.size(); ++i) store_le32(b.data() + 4 * i, w[i]);
  std::vector<uint32_t> out(4);
  cseg::decode<uint32_t>(b, {4, 1, 1}, {4, 1, 1}, 1, std::span<uint32_t>(out));
  REQUIRE(out == std::vector<uint32_t>{9, 7, 7, 9});
  // And the encoder produces exactly these words.
  REQUIRE(words(cseg::encode<uint32_t>(std::vector<uint32_t>{9, 7, 7, 9}, {4, 1, 1}, {4, 1, 1})) == w);
}

TEST_CASE("cseg: round trips") {
  round_trip<uint64_t>({64, 64, 64}, {8, 8, 8}, 1, 5);
  round_trip<uint32_t>({64, 64, 64}, {8, 8, 8}, 1, 3);
  round_trip<uint64_t>({13, 9, 5}, {8, 8, 8}, 1, 4);      // partial blocks everywhere
  round_trip<uint32_t>({17, 11, 7}, {4, 2, 3}, 1, 17);    // 17 values -> 8 bits
  round_trip<uint64_t>({30, 20, 10}, {7, 5, 3}, 2, 2);    // two channels, odd block
  round_trip<uint64_t>({16, 16, 16}, {16, 16, 16}, 1, 300);  // 300 values -> 16 bits
  round_trip<uint32_t>({1, 1, 1}, {8, 8, 8}, 1, 1);
}

TEST_CASE("cseg: 32-bit blocks (more than 65536 distinct values)") {
  const Vec3 s{64, 64, 20};
  std::vector<uint64_t> in(static_cast<size_t>(s.prod()));
  for (size_t i = 0; i < in.size(); ++i) in[i] = (uint64_t(1) << 50) + i * 3;
  const auto enc = cseg::encode<uint64_t>(in, s, s);
  REQUIRE(words(enc)[1] >> 24 == 32);
  std::vector<uint64_t> out(in.size());
  cseg::decode<uint64_t>(enc, s, s, 1, std::span<uint64_t>(out));
  REQUIRE(out == in);
}

TEST_CASE("cseg: tables are sorted and identical tables are written once per channel") {
  // Two 2x1x1 blocks with the same values in different order: one table [3, 8].
  const std::vector<uint32_t> in = {8, 3, 3, 8};
  const auto w = words(cseg::encode<uint32_t>(in, {4, 1, 1}, {2, 1, 1}));
  // [1] hdr0 hdr0' hdr1 hdr1' | vals0 table(3,8) | vals1
  REQUIRE(w.size() == 1 + 4 + 1 + 2 + 1);
  const uint32_t table0 = w[1] & 0xffffff, table1 = w[3] & 0xffffff;
  REQUIRE(table0 == table1);
  REQUIRE(w[1 + table0] == 3);
  REQUIRE(w[1 + table0 + 1] == 8);
  REQUIRE(w[1 + w[2]] == 0b01);  // 8,3 -> indices 1,0
  REQUIRE(w[1 + w[4]] == 0b10);  // 3,8 -> indices 0,1
}

TEST_CASE("cseg: corrupt input throws, never crashes") {
  const Vec3 s{20, 12, 9}, blk{8, 8, 8};
  const auto in = blocky<uint64_t>(s, 1, 7, 6);
  const auto enc = cseg::encode<uint64_t>(in, s, blk);
  std::vector<uint64_t> out(in.size());
  auto dec = [&](std::span<const std::byte> d) { cseg::decode<uint64_t>(d, s, blk, 1, std::span<uint64_t>(out)); };

  REQUIRE_THROWS_WITH(dec(std::span(enc).first(enc.size() - 2)), Catch::Contains("not a multiple of 4"));
  REQUIRE_THROWS_WITH(dec(std::span(enc).first(12)), Catch::Contains("truncated"));
  REQUIRE_THROWS_WITH(dec(std::span<const std::byte>()), Catch::Contains("compressed segmentation"));
  {
    auto bad = enc;
    store_le32(bad.data() + 4, (load_le32(bad.data() + 4) & 0xffffff) | (3u << 24));
    REQUIRE_THROWS_WITH(dec(bad), Catch::Contains("invalid encoded bits 3") && Catch::Contains("block [0,0,0]"));
  }
  {
    auto bad = enc;
    store_le32(bad.data(), 1000000);
    REQUIRE_THROWS_WITH(dec(bad), Catch::Contains("past the end"));
  }
  {
    auto bad = enc;
    store_le32(bad.data() + 8, 0xfffffff0u);  // values offset of block 0
    REQUIRE_THROWS_WITH(dec(bad), Catch::Contains("run past the end"));
  }
  // Every truncation (multiple of 4) and many random corruptions: only dflow::Error or success.
  for (size_t n = 0; n < enc.size(); n += 4) REQUIRE_THROWS_AS(dec(std::span(enc).first(n)), Error);
  std::mt19937 rng(1);
  for (int i = 0; i < 2000; ++i) {
    auto bad = enc;
    for (int k = 0; k < 3; ++k) bad[rng() % bad.size()] = std::byte(rng());
    try {
      dec(bad);
    } catch (const Error&) {
    }
  }
  // Wrong output size is a caller error, reported.
  std::vector<uint64_t> small(3);
  REQUIRE_THROWS_AS(cseg::decode<uint64_t>(enc, s, blk, 1, std::span<uint64_t>(small)), Error);
}
