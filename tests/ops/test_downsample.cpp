#include <catch2/catch.hpp>

#include <map>
#include <random>

#include "core/error.hpp"
#include "ops/downsample.hpp"

using namespace dflow;

// A slow, obviously-correct statement of DVID's rule to check the fast one against.
static uint64_t reference_mode(const std::vector<uint64_t>& v) {
  std::map<uint64_t, int> counts;  // ordered: ties resolve to the smallest id
  for (uint64_t l : v)
    if (l) counts[l]++;
  uint64_t best = 0;
  int n = 0;
  for (auto [l, c] : counts)
    if (c > n) best = l, n = c;
  return best;
}

TEST_CASE("DVID's 2x2x2 label rule") {
  auto m = [](std::initializer_list<uint64_t> l) {
    uint64_t v[8];
    std::copy(l.begin(), l.end(), v);
    return mode_nonzero_smallest(v);
  };
  CHECK(m({0, 0, 0, 0, 0, 0, 0, 0}) == 0);
  CHECK(m({0, 0, 0, 0, 0, 0, 0, 9}) == 9);          // zero never wins against a label
  CHECK(m({5, 5, 3, 3, 0, 0, 0, 0}) == 3);          // tie -> smallest id
  CHECK(m({7, 7, 7, 2, 2, 0, 0, 0}) == 7);
  CHECK(m({~0ull, ~0ull, 1, 2, 3, 4, 5, 6}) == ~0ull);
  CHECK(m({8, 7, 6, 5, 4, 3, 2, 1}) == 1);
}

TEST_CASE("label downsampling matches the reference rule on random volumes") {
  std::mt19937_64 rng(3);
  Array3<uint64_t> a(Box{{64, 0, 128}, {128, 32, 160}});
  for (auto& v : a.vec()) v = rng() % 4 == 0 ? 0 : rng() % 5 + (rng() % 2 ? 1ull << 40 : 0);
  const auto d = downsample_labels_2x(a);
  REQUIRE(d.box() == Box{{32, 0, 64}, {64, 16, 80}});
  for (int64_t z = 0; z < 16; ++z)
    for (int64_t y = 0; y < 16; ++y)
      for (int64_t x = 0; x < 32; ++x) {
        std::vector<uint64_t> cube;
        for (int dz = 0; dz < 2; ++dz)
          for (int dy = 0; dy < 2; ++dy)
            for (int dx = 0; dx < 2; ++dx) cube.push_back(a(2 * x + dx, 2 * y + dy, 2 * z + dz));
        REQUIRE(d(x, y, z) == reference_mode(cube));
      }
}

TEST_CASE("a 40^3 cube halves exactly (DVID TestMultiscaleIngest)") {
  Array3<uint64_t> a(Box{{0, 0, 0}, {128, 128, 128}});
  for (int64_t z = 40; z < 80; ++z)
    for (int64_t y = 40; y < 80; ++y)
      for (int64_t x = 40; x < 80; ++x) a(x, y, z) = 3;
  auto s1 = downsample_labels_2x(a);
  auto s2 = downsample_labels_2x(s1);
  size_t n1 = 0, n2 = 0;
  for (auto v : s1.vec()) n1 += v == 3;
  for (auto v : s2.vec()) n2 += v == 3;
  CHECK(n1 == 20 * 20 * 20);
  CHECK(n2 == 10 * 10 * 10);
}

TEST_CASE("grayscale block mean truncates like flyemflows") {
  Array3<uint8_t> a(Box{{0, 0, 0}, {2, 2, 2}});
  const uint8_t vals[8] = {255, 255, 255, 255, 255, 255, 255, 254};
  std::copy(vals, vals + 8, a.data());
  CHECK(downsample_mean_2x(a)(0, 0, 0) == 254);  // 2039/8 = 254.875 -> 254
  Array3<uint8_t> odd(Box{{0, 0, 0}, {3, 2, 2}});
  CHECK_THROWS_AS(downsample_mean_2x(odd), Error);
}
