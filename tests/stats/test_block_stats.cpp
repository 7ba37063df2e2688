#include <catch2/catch.hpp>

#include <cstdlib>
#include <fstream>
#include <map>
#include <tuple>

#include "core/error.hpp"
#include "core/files.hpp"
#include <fmt/format.h>

#include "stats/block_stats.hpp"
#include "stats/block_stats_parallel.hpp"
#include "test_support.hpp"

using namespace dflow;
using stats::BlockStat;

namespace {
std::filesystem::path data_dir() {
  const char* d = std::getenv("DFLOW_BLOCK_STATS_DIR");
  REQUIRE(d != nullptr);
  return d;
}

// Brute force: one map entry per (label, block corner) over every voxel inside `valid`.
std::vector<BlockStat> brute(const Array3<uint64_t>& a, const Box& valid, Vec3 bs) {
  std::map<std::tuple<uint64_t, int64_t, int64_t, int64_t>, uint32_t> m;
  const Box r = a.box().intersect(valid);
  for (int64_t z = r.lo.z; z < r.hi.z; ++z)
    for (int64_t y = r.lo.y; y < r.hi.y; ++y)
      for (int64_t x = r.lo.x; x < r.hi.x; ++x) {
        const uint64_t v = a.at({x, y, z});
        if (v) ++m[{v, floor_div(z, bs.z) * bs.z, floor_div(y, bs.y) * bs.y, floor_div(x, bs.x) * bs.x}];
      }
  std::vector<BlockStat> rows;
  for (auto& [k, c] : m) rows.push_back({std::get<0>(k), int32_t(std::get<1>(k)), int32_t(std::get<2>(k)), int32_t(std::get<3>(k)), c});
  return rows;
}
}  // namespace

TEST_CASE("block_stats counts each label per block, skipping 0 and voxels outside the volume") {
  const Vec3 bs = Vec3::fill(16);
  const Box box{{-16, 0, 32}, {48, 32, 80}};  // block-aligned, includes negative x
  Array3<uint64_t> a(box);
  uint64_t s = 12345;
  for (auto& v : a.vec()) {
    s = s * 6364136223846793005ull + 1442695040888963407ull;
    const uint64_t r = (s >> 33) % 10;
    v = r < 3 ? 0 : (r < 6 ? 5 : (r == 9 ? (uint64_t(1) << 60) + r : r));
  }
  SECTION("whole array") {
    auto rows = stats::block_stats(a, box, bs);
    CHECK(rows == brute(a, box, bs));
    uint64_t total = 0, zeros = 0;
    for (auto& r : rows) total += r.count;
    for (auto v : a.vec()) zeros += v == 0;
    CHECK(total + zeros == a.size());
  }
  SECTION("padding outside `valid` is not counted") {
    const Box valid{{-10, 3, 32}, {40, 30, 77}};
    auto rows = stats::block_stats(a, valid, bs);
    CHECK(rows == brute(a, valid, bs));
    for (auto& r : rows) CHECK(r.x % 16 == 0);
  }
  SECTION("an unaligned array is refused") {
    Array3<uint64_t> b(Box{{1, 0, 0}, {17, 16, 16}});
    CHECK_THROWS_AS(stats::block_stats(b, b.box(), bs), Error);
  }
}

TEST_CASE("sort_rows orders by segment_id, z, y, x") {
  std::vector<BlockStat> rows{{5, 0, 0, 64, 1}, {5, 0, 0, 0, 2}, {1, 64, 0, 0, 3}, {5, -64, 0, 0, 4}};
  stats::sort_rows(rows);
  CHECK(rows == std::vector<BlockStat>{{1, 64, 0, 0, 3}, {5, -64, 0, 0, 4}, {5, 0, 0, 0, 2}, {5, 0, 0, 64, 1}});
}

TEST_CASE("read_block_stats_h5 reads a table appended by h5py as flyemflows does") {
  auto rows = stats::read_block_stats_h5(data_dir() / "reference.h5");
  const std::string json = read_text(data_dir() / "reference.json");
  // Expected rows, as written by block_stats_h5.py (kept in sync by that script's rows_example()).
  std::vector<BlockStat> want{{1, 0, 0, 0, 262144}, {(uint64_t(1) << 63) + 5, 64, 128, 192, 7}, {42, -64, 0, 64, 1}, {7, 1024, 2048, 4096, 100000}};
  CHECK(rows == want);
  CHECK(json.find("9223372036854775813") != std::string::npos);
}

TEST_CASE("the h5py-written table read in chunks equals the whole read") {
  const auto path = data_dir() / "reference.h5";
  const auto whole = stats::read_block_stats_h5(path);
  REQUIRE(stats::block_stats_h5_rows(path) == whole.size());
  for (uint64_t chunk : {uint64_t{1}, uint64_t{7}, uint64_t{whole.size()}, uint64_t{whole.size() + 5}}) {
    std::vector<stats::BlockStat> joined;
    uint64_t expect_first = 0;
    stats::read_block_stats_h5_chunks(path, chunk, [&](std::span<const stats::BlockStat> rows, uint64_t first) {
      CHECK(first == expect_first);
      CHECK(rows.size() <= chunk);
      expect_first += rows.size();
      joined.insert(joined.end(), rows.begin(), rows.end());
    });
    CHECK(joined == whole);
  }
}

TEST_CASE("write_block_stats_h5 / csv produce the reference layout (checked by h5py afterwards)") {
  std::vector<BlockStat> rows{{1, 0, 0, 0, 262144}, {(uint64_t(1) << 63) + 5, 64, 128, 192, 7}, {42, -64, 0, 64, 1}, {7, 1024, 2048, 4096, 100000}};
  stats::write_block_stats_h5(data_dir() / "written.h5", rows);
  stats::write_block_stats_csv(data_dir() / "written.csv", rows);
  write_text_atomic(data_dir() / "written.json",
                    "[[1,0,0,0,262144],[9223372036854775813,64,128,192,7],[42,-64,0,64,1],[7,1024,2048,4096,100000]]");
  CHECK(stats::read_block_stats_h5(data_dir() / "written.h5") == rows);
  CHECK_FALSE(std::filesystem::exists(data_dir() / "written.h5.tmp"));
}

TEST_CASE("empty tables and bad files") {
  const auto dir = test::scratch_dir("block-stats");
  stats::write_block_stats_h5(dir / "empty.h5", {});
  CHECK(stats::read_block_stats_h5(dir / "empty.h5").empty());
  CHECK_THROWS_WITH(stats::read_block_stats_h5(dir / "missing.h5"), Catch::Contains("missing.h5"));
  write_text_atomic(dir / "not.h5", "hello");
  CHECK_THROWS_WITH(stats::read_block_stats_h5(dir / "not.h5"), Catch::Contains("not.h5"));
}

TEST_CASE("a table kept in brick files: shares per rank, streaming across files, missing and short files") {
  const auto dir = test::scratch_dir("block-stats-bricks");
  const std::vector<BlockStat> a{{1, 0, 0, 0, 5}, {2, 0, 0, 64, 7}};
  const std::vector<BlockStat> c{{3, 64, 0, 0, 1}, {4, 64, 0, 0, 2}, {(uint64_t(1) << 63) + 9, 64, 64, -64, 3}};
  stats::BrickTable t;
  t.ids = {10, 11, 12};
  t.rows = {2, 0, 3};
  t.path_of = [&](uint64_t id) { return dir / fmt::format("{}.rows", id); };
  stats::write_brick_rows(t.path_of(10), a);
  stats::write_brick_rows(t.path_of(11), {});
  stats::write_brick_rows(t.path_of(12), c);
  CHECK(std::filesystem::file_size(t.path_of(12)) == 72);

  // Contiguous runs in brick order; every brick in exactly one share.
  for (int n : {1, 2, 3, 5}) {
    INFO(n << " ranks");
    size_t next = 0;
    uint64_t rows = 0;
    for (int r = 0; r < n; ++r) {
      const stats::Share s = stats::share_of(t, r, n);
      if (s.begin == s.end) continue;
      CHECK(s.begin == next);
      CHECK(s.first_row == rows);
      next = s.end;
      rows += s.rows;
    }
    CHECK(next == 3);
    CHECK(rows == 5);
  }

  // One stream over all three files, in any batch sizes, and again from the start.
  const stats::Share all = stats::share_of(t, 0, 1);
  const stats::RowSource src = stats::brick_rows_source(t, all);
  std::vector<BlockStat> got(5);
  src(0, std::span(got.data(), 1));
  src(1, std::span(got.data() + 1, 3));  // crosses the empty brick 11 into brick 12
  src(4, std::span(got.data() + 4, 1));
  std::vector<BlockStat> want = a;
  want.insert(want.end(), c.begin(), c.end());
  CHECK(got == want);
  std::vector<BlockStat> again(2);
  src(3, again);  // a seek back into the middle of brick 12
  CHECK(again[0] == c[1]);
  CHECK(again[1] == c[2]);

  // A rows file that does not hold what the brick's result says: one line naming it.
  stats::write_brick_rows(t.path_of(12), std::span(c.data(), 2));
  CHECK_THROWS_WITH(stats::brick_rows_source(t, all)(0, got),
                    Catch::Contains(t.path_of(12).string() + ": 48 bytes, but brick 12 reported 3 rows (72 bytes)"));
  std::filesystem::remove(t.path_of(10));
  CHECK_THROWS_WITH(stats::brick_rows_source(t, all)(0, got),
                    Catch::Contains(t.path_of(10).string() + ": the block statistics of brick 10 are missing"));
}
