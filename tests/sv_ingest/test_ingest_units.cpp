// ingest-supervoxels pieces that need no DVID: pass planning, block selection, batches, reports,
// widening, and the workflow.yaml schema.
#include <catch2/catch.hpp>

#include "config/workflows.hpp"
#include "core/error.hpp"
#include "ops/downsample.hpp"
#include "ingest/block_poster.hpp"
#include "ingest/brick_ops.hpp"
#include "ingest/header.hpp"
#include "ingest/ingest.hpp"

using namespace dflow;
using namespace dflow::ingest;

TEST_CASE("choose_pyramid_depth follows neuclease: max(0, ceil(log2(longest / 512)))") {
  CHECK(choose_pyramid_depth({{0, 0, 0}, {330, 290, 256}}) == 0);
  CHECK(choose_pyramid_depth({{0, 0, 0}, {512, 10, 10}}) == 0);
  CHECK(choose_pyramid_depth({{0, 0, 0}, {513, 10, 10}}) == 1);
  CHECK(choose_pyramid_depth({{100, 0, 0}, {1124, 10, 10}}) == 1);  // the box's extent, not its corner
  CHECK(choose_pyramid_depth({{0, 0, 0}, {10, 10, 34427}}) == 7);  // hemibrain-like: ceil(log2(67.2))
}

TEST_CASE("brick_levels: how many scales a brick computes by itself") {
  CHECK(brick_levels({64, 64, 64}) == 0);
  CHECK(brick_levels({128, 128, 128}) == 1);
  CHECK(brick_levels({256, 256, 256}) == 2);
  CHECK(brick_levels({512, 512, 64}) == 0);
  CHECK(brick_levels({192, 256, 256}) == 0);
  CHECK(brick_levels({1024, 512, 256}) == 2);
  CHECK_THROWS_WITH(brick_levels({100, 64, 64}), Catch::Contains("brick-shape [100,64,64] must be a multiple of 64"));
}

TEST_CASE("plan_passes: scales 0..L from the input, then passes over coarser grids") {
  SECTION("deep bricks: one pass") {
    auto p = plan_passes(2, {256, 256, 256});
    REQUIRE(p.size() == 1);
    CHECK(p[0].source_scale == 0);
    CHECK(p[0].top_scale == 2);
    CHECK(p[0].stage == "ingest-supervoxels");
    CHECK(p[0].first);
  }
  SECTION("no pyramid") {
    auto p = plan_passes(0, {64, 64, 64});
    REQUIRE(p.size() == 1);
    CHECK(p[0].top_scale == 0);
  }
  SECTION("128 bricks, 3 scales: 0..1, 1->2, 2->3") {
    auto p = plan_passes(3, {128, 128, 128});
    REQUIRE(p.size() == 3);
    CHECK((p[0].source_scale == 0 && p[0].top_scale == 1));
    CHECK((p[1].source_scale == 1 && p[1].top_scale == 2 && p[1].stage == "ingest-supervoxels-from-s1"));
    CHECK((p[2].source_scale == 2 && p[2].top_scale == 3));
  }
  SECTION("flat bricks get rounded up to 128 after the first pass") {
    auto p = plan_passes(4, {512, 512, 64});
    REQUIRE(p.size() == 5);
    CHECK(p[0].top_scale == 0);
    CHECK(p[1].brick_shape == Vec3{512, 512, 128});
    // Scale 0 again as the source, but this pass writes only scale 1 (and counts no statistics).
    CHECK((p[1].source_scale == 0 && p[1].top_scale == 1 && !p[1].first));
    CHECK(first_written_scale(p[0], false) == 0);
    CHECK(first_written_scale(p[0], true) == 1);
    CHECK(first_written_scale(p[1], false) == 1);
    CHECK(first_written_scale(p[2], false) == 2);
    CHECK(p.back().top_scale == 4);
  }
  SECTION("256 bricks, 5 scales") {
    auto p = plan_passes(5, {256, 256, 256});
    REQUIRE(p.size() == 3);
    CHECK(p[1].source_scale == 2);
    CHECK(p[1].top_scale == 4);
    CHECK(p[2].top_scale == 5);
  }
}

TEST_CASE("scaled_box rounds outwards") {
  CHECK(scaled_box({{0, 0, 0}, {330, 290, 256}}, 0) == Box{{0, 0, 0}, {330, 290, 256}});
  CHECK(scaled_box({{0, 0, 0}, {330, 290, 256}}, 1) == Box{{0, 0, 0}, {165, 145, 128}});
  CHECK(scaled_box({{0, 0, 0}, {330, 290, 256}}, 3) == Box{{0, 0, 0}, {42, 37, 32}});
  CHECK(scaled_box({{3, 5, 9}, {10, 10, 10}}, 2) == Box{{0, 1, 2}, {3, 3, 3}});
}

TEST_CASE("blocks_in: blocks of a brick that touch the volume, z-major") {
  const Box vol{{0, 0, 0}, {200, 180, 150}};
  auto b = blocks_in({{128, 128, 128}, {256, 256, 256}}, vol);
  // x: blocks 2,3 (3 starts at 192 < 200); y: 2 (128..192 touches 180); z: 2 (128..192 touches 150)
  CHECK(b == std::vector<Vec3>{{2, 2, 2}, {3, 2, 2}});
  CHECK(blocks_in({{256, 0, 0}, {512, 256, 256}}, vol).empty());
  auto all = blocks_in({{0, 0, 0}, {128, 128, 64}}, vol);
  CHECK(all == std::vector<Vec3>{{0, 0, 0}, {1, 0, 0}, {0, 1, 0}, {1, 1, 0}});
  CHECK(corner_blocks(vol) == std::pair<Vec3, Vec3>{{0, 0, 0}, {3, 2, 2}});
  CHECK(corner_blocks({{64, 70, 0}, {65, 128, 1}}) == std::pair<Vec3, Vec3>{{1, 1, 0}, {1, 1, 0}});
}

TEST_CASE("split_batches keeps every thread busy and respects the batch size") {
  std::vector<Vec3> blocks;
  for (int i = 0; i < 10; ++i) blocks.push_back({i, 0, 0});
  auto four = split_batches(blocks, 64, 4);  // fewer blocks than a batch: one request per thread
  REQUIRE(four.size() == 4);
  CHECK(four[0].size() == 3);
  CHECK(four[3].size() == 2);
  auto small = split_batches(blocks, 3, 2);  // ceil(10/3) = 4 requests of <= 3
  REQUIRE(small.size() == 4);
  size_t n = 0;
  for (auto& b : small) {
    CHECK(b.size() <= 3);
    n += b.size();
  }
  CHECK(n == 10);
  CHECK(small[0].front() == Vec3{0, 0, 0});
  CHECK(small[3].back() == Vec3{9, 0, 0});
  CHECK(split_batches({}, 64, 4).empty());
  CHECK(split_batches({{1, 2, 3}}, 64, 4).size() == 1);
}

TEST_CASE("brick reports round-trip") {
  BrickReport r;
  r.scales[0] = {10, 2, 1, 12345, 3};
  r.scales[3] = {1, 0, 0, 99, 1};
  r.rows = (uint64_t(1) << 40) + 7;
  const BrickReport back = decode_report(encode_report(r));
  CHECK(back.rows == r.rows);
  CHECK(back.scales[0].written == 10);
  CHECK(back.scales[0].empty_skipped == 2);
  CHECK(back.scales[0].identical_skipped == 1);
  CHECK(back.scales[0].bytes == 12345);
  CHECK(back.scales[3].requests == 1);
  CHECK_THROWS_WITH(decode_report(std::vector<std::byte>(5)), Catch::Contains("not a report"));
}

TEST_CASE("paste_as_uint64 widens any unsigned dtype into a padded brick") {
  Array3<uint64_t> out(Box{{0, 0, 0}, {4, 4, 4}}, 0);
  const Box in{{1, 2, 3}, {3, 4, 4}};
  std::vector<uint16_t> v{1, 2, 65535, 4};
  paste_as_uint64(std::as_bytes(std::span(v)), DType::uint16, in, out);
  CHECK(out(1, 2, 3) == 1);
  CHECK(out(2, 2, 3) == 2);
  CHECK(out(1, 3, 3) == 65535);
  CHECK(out(2, 3, 3) == 4);
  CHECK(out(0, 0, 0) == 0);
  std::vector<float> f(4);
  CHECK_THROWS_WITH(paste_as_uint64(std::as_bytes(std::span(f)), DType::float32, in, out), Catch::Contains("unsigned"));
}

TEST_CASE("workflow.yaml of ingest-supervoxels: defaults and errors") {
  const auto wc = config::parse_workflow_config(
      "workflow-name: ingest-supervoxels\n"
      "input: {n5: {path: a.n5, dataset: s0}}\n"
      "output: {server: 'http://127.0.0.1:8000', uuid: abc, segmentation-name: seg}\n",
      "tmpl/workflow.yaml");
  CHECK(wc.workflow.executable == "ingest-supervoxels");
  const YAML::Node o = wc.config["options"];
  CHECK(o["pyramid-depth"].as<int>() == -1);
  CHECK(o["concurrency"].as<int>() == 4);
  CHECK(o["batch-blocks"].as<int>() == 64);
  CHECK(o["gzip-level"].as<int>() == 6);
  CHECK_FALSE(o["write-empty-blocks"].as<bool>());
  CHECK_FALSE(o["dont-overwrite-identical-blocks"].as<bool>());
  CHECK_FALSE(o["skip-scale-0-write"].as<bool>());
  CHECK(o["block-statistics-file"].as<std::string>() == "block-statistics.h5");
  CHECK_FALSE(o["block-statistics-csv"].as<bool>());
  CHECK(wc.config["output"]["max-scale"].as<int>() == -1);
  CHECK_FALSE(wc.config["output"]["create-if-necessary"].as<bool>());
  try {
    config::parse_workflow_config("workflow-name: ingest-supervoxels\ninput: {n5: {path: a.n5, dataset: s0}}\n"
                                  "output: {server: x, uuid: abc}\n",
                                  "tmpl/workflow.yaml");
    FAIL("no error");
  } catch (const Error& e) {
    CHECK(std::string(e.what()) == "tmpl/workflow.yaml: output.segmentation-name: required value is missing");
  }
  CHECK_THROWS_WITH(config::parse_workflow_config("workflow-name: ingest-supervoxels\ninput: {n5: {path: a.n5, dataset: s0}}\n"
                                                  "output: {server: x, uuid: abc, segmentation-name: s}\noptions: {brick-shape: [32,64,64]}\n",
                                                  "w.yaml"),
                    Catch::Contains("options.brick-shape"));
}

TEST_CASE("the threaded brick operations equal the single-threaded ones") {
  const Box box{{64, 0, 128}, {192, 128, 256}};
  Array3<uint64_t> a(box);
  uint64_t s = 99;
  for (auto& v : a.vec()) {
    s = s * 6364136223846793005ull + 1442695040888963407ull;
    const uint64_t r = (s >> 40) % 7;
    v = r < 2 ? 0 : r;  // few labels, many ties and zeros
  }
  const Box valid{{70, 3, 130}, {190, 128, 250}};
  for (int t : {1, 2, 3, 8}) {
    INFO(t << " threads");
    CHECK(downsample_labels_2x_parallel(a, t).vec() == downsample_labels_2x(a).vec());
    CHECK(downsample_labels_2x_parallel(a, t).box() == downsample_labels_2x(a).box());
    CHECK(block_stats_parallel(a, valid, Vec3::fill(64), t) == stats::block_stats(a, valid, Vec3::fill(64)));
  }
  std::vector<int> hits(1000, 0);
  parallel_for(hits.size(), 4, [&](size_t i) { ++hits[i]; });
  CHECK(std::all_of(hits.begin(), hits.end(), [](int h) { return h == 1; }));
  CHECK_THROWS_WITH(parallel_for(10, 3, [](size_t i) { if (i == 7) fail("seven"); }), "seven");
}

namespace {
// A uint16 or uint64 volume in memory, with a chunk depth, for read_into.
template <typename T>
class MemReader : public VolumeReader {
 public:
  explicit MemReader(Array3<T> a) : a_(std::move(a)) {}
  DType dtype() const override { return dtype_of<T>(); }
  Box bounds() const override { return a_.box(); }
  Vec3 chunk_shape() const override { return {16, 16, 16}; }
  std::string describe() const override { return "memory"; }
  void read(const Box& box, std::span<std::byte> out) const override {
    check_box(box);
    REQUIRE(out.size() == size_t(box.volume()) * sizeof(T));
    copy_region(a_.data(), a_.box(), reinterpret_cast<T*>(out.data()), box, box);
  }

 private:
  Array3<T> a_;
};
}  // namespace

TEST_CASE("read_into widens and places slabs of any unsigned input") {
  const Box vol{{0, 0, 0}, {40, 30, 50}};
  Array3<uint16_t> a16(vol);
  Array3<uint64_t> a64(vol);
  for (size_t i = 0; i < a16.size(); ++i) {
    a16.vec()[i] = uint16_t(i * 7919 % 65536);
    a64.vec()[i] = (uint64_t(1) << 40) + i;
  }
  const MemReader<uint16_t> r16(a16);
  const MemReader<uint64_t> r64(a64);
  for (int t : {1, 3}) {
    Array3<uint64_t> out(Box{{0, 0, 0}, {64, 64, 64}});
    read_into(r16, vol, out, t);
    bool same = true;
    for (int64_t z = 0; z < 64; ++z)
      for (int64_t y = 0; y < 64; ++y)
        for (int64_t x = 0; x < 64; ++x)
          same &= out(x, y, z) == (vol.contains(Vec3{x, y, z}) ? uint64_t(a16.at({x, y, z})) : 0);
    CHECK(same);
    // uint64 with the brick as wide as the box: slabs are read straight into the brick.
    const Box part{{0, 0, 5}, {40, 30, 47}};
    Array3<uint64_t> direct(Box{{0, 0, 0}, {40, 30, 64}});
    read_into(r64, part, direct, t);
    CHECK(direct.crop(part).vec() == a64.crop(part).vec());
    CHECK(direct(0, 0, 4) == 0);
    CHECK(direct(39, 29, 47) == 0);
  }
}
