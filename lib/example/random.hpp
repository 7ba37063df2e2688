#pragma once
// Hashing and random numbers for the example generator. Everything is integer arithmetic on
// uint64 (splitmix64 mixing), so the generated data is bit-identical on every platform, compiler
// and standard library, and any voxel can be computed without generating the ones before it.
#include <cstdint>

namespace dflow::example {

// splitmix64's finalizer (Steele, Lea, Flood 2014): a bijective 64-bit mixer.
constexpr uint64_t mix64(uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

// A hash of a seed and three (possibly negative) integers.
constexpr uint64_t hash3(uint64_t seed, int64_t x, int64_t y, int64_t z) {
  return mix64(seed ^ mix64(uint64_t(x) ^ mix64(uint64_t(y) ^ mix64(uint64_t(z)))));
}
constexpr uint64_t hash2(uint64_t seed, uint64_t a, uint64_t b) { return mix64(seed ^ mix64(a ^ mix64(b))); }

// Independent streams derived from the user's seed, one per purpose.
enum class Stream : uint64_t { cells = 1, ids, warp_x, warp_y, warp_z, mask, texture1, texture2, voxel_noise, agglo, score, contact };
constexpr uint64_t stream_seed(uint64_t seed, Stream s) { return mix64(seed * 0x100000001b3ULL ^ mix64(uint64_t(s))); }

// Uniform integer in [0, n) from a hash (n small compared with 2^64, so the bias is negligible).
constexpr uint64_t uniform(uint64_t h, uint64_t n) { return h % n; }

}  // namespace dflow::example
