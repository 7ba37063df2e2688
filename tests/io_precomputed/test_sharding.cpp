// Sharding building blocks: murmurhash3_x86_128 vectors, compressed Morton code, shard naming,
// minishard index decoding.
#include <catch2/catch.hpp>

#include "core/error.hpp"
#include "core/files.hpp"
#include "io/precomputed/sharding.hpp"

using namespace dflow;
using namespace dflow::precomputed;

TEST_CASE("murmurhash3_x86_128: spec test vectors (seed 0, low 64 bits)") {
  CHECK(murmurhash3_x86_128_hash64(0) == 0x4772b084e028ae41ull);
  CHECK(murmurhash3_x86_128_hash64(1) == 0xe8bd67d616d4ce9aull);
  CHECK(murmurhash3_x86_128_hash64(2) == 0xd62f9cd21b013f5aull);
  CHECK(murmurhash3_x86_128_hash64(12345) == 0x1d31307e3a65e510ull);
  CHECK(murmurhash3_x86_128_hash64(uint64_t(1) << 32) == 0xbbb12d133b78fd64ull);
  CHECK(murmurhash3_x86_128_hash64(~uint64_t(0)) == 0x574f66bd212b5d1aull);
  CHECK(murmurhash3_x86_128_hash64(864691135000000000ull) == 0xdc172ad06cb3848eull);
}

TEST_CASE("murmurhash3_x86_128: smhasher verification value 0xB3ECE62A") {
  // smhasher VerificationTest: hash keys {}, {0}, {0,1}, ... (len i, seed 256-i), concatenate the
  // 16-byte results, hash that with seed 0; the first 4 bytes little-endian are the value.
  std::vector<std::byte> key(256), hashes(256 * 16);
  for (int i = 0; i < 256; ++i) {
    key[i] = std::byte(i);
    const auto h = murmurhash3_x86_128(std::span(key).first(i), static_cast<uint32_t>(256 - i));
    for (int k = 0; k < 4; ++k) store_le32(hashes.data() + 16 * i + 4 * k, h[k]);
  }
  REQUIRE(murmurhash3_x86_128(hashes, 0)[0] == 0xB3ECE62Au);
}

TEST_CASE("compressed Morton code: spec examples") {
  const Vec3 grid{4, 2, 8};
  CHECK(compressed_morton_code({0, 0, 0}, grid) == 0);
  CHECK(compressed_morton_code({1, 0, 0}, grid) == 1);
  CHECK(compressed_morton_code({0, 1, 0}, grid) == 2);
  CHECK(compressed_morton_code({0, 0, 1}, grid) == 4);
  CHECK(compressed_morton_code({2, 0, 4}, grid) == 40);
  CHECK(compressed_morton_code({3, 1, 7}, grid) == 63);
  // A dimension of grid size 1 contributes no bits; non-powers of two round up.
  CHECK(compressed_morton_code({5, 0, 1}, {6, 1, 2}) == 0b1011);  // x bits 3, z bits 1: x0 z0 x1 x2
  CHECK_THROWS_AS(compressed_morton_code({4, 0, 0}, grid), Error);
}

TEST_CASE("shard location and file names") {
  ShardingSpec s;
  s.preshift_bits = 2;
  s.minishard_bits = 3;
  s.shard_bits = 5;
  // id 0b101_10101_101_11: >>2 drops 11; minishard 101 = 5, shard 10101 = 21, the top bit ignored.
  const auto loc = locate(s, 0b1011010110111ull);
  CHECK(loc.minishard == 5);
  CHECK(loc.shard == 21);
  CHECK(shard_file_name(s, 13) == "0d.shard");
  s.shard_bits = 0;
  CHECK(shard_file_name(s, 0) == "0.shard");
  s.shard_bits = 8;
  CHECK(shard_file_name(s, 255) == "ff.shard");
  s.shard_bits = 11;
  CHECK(shard_file_name(s, 0x7ff) == "7ff.shard");
  s.hash = ShardingSpec::Hash::murmurhash3_x86_128;
  s.preshift_bits = 0;
  s.minishard_bits = 4;
  s.shard_bits = 8;
  const auto m = locate(s, 1);  // hash 0xe8bd67d616d4ce9a
  CHECK(m.minishard == 0xa);
  CHECK(m.shard == 0xe9);
}

TEST_CASE("minishard index decoding") {
  // Chunks 5 (10 bytes at index_end+0), 9 (4 bytes right after), 12 (7 bytes after a 3-byte gap).
  const uint64_t rows[3][3] = {{5, 4, 3}, {0, 0, 3}, {10, 4, 7}};
  std::vector<std::byte> b(72);
  for (int r = 0; r < 3; ++r)
    for (int i = 0; i < 3; ++i) store_le64(b.data() + 8 * (3 * r + i), rows[r][i]);
  const auto e = decode_minishard_index(b, 64, "test");
  REQUIRE(e.size() == 3);
  CHECK((e[0].id == 5 && e[0].offset == 64 && e[0].size == 10));
  CHECK((e[1].id == 9 && e[1].offset == 74 && e[1].size == 4));
  CHECK((e[2].id == 12 && e[2].offset == 81 && e[2].size == 7));
  REQUIRE_THROWS_WITH(decode_minishard_index(std::span(b).first(70), 64, "x.shard"),
                      Catch::Contains("x.shard") && Catch::Contains("not a multiple of 24"));
}
