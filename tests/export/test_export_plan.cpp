// export-grayscale's pieces without MPI runs: pyramid geometry and passes, igneous' sharding
// parameters, shard assembly (read back by our ShardedReader), info comparison, and the sinks'
// chunk/shard writing through a directory store.
#include <catch2/catch.hpp>

#include <filesystem>

#include "codec/gzip.hpp"
#include "core/files.hpp"
#include "kvstore/stores.hpp"
#include "export/precomputed_sink.hpp"
#include "export/pyramid_plan.hpp"
#include "export/shard_writer.hpp"
#include "io/precomputed/precomputed.hpp"
#include "io/precomputed/sharding.hpp"
#include "ops/downsample.hpp"
#include "test_support.hpp"

using namespace dflow;
using namespace dflow::exporter;
using precomputed::Encoding;

TEST_CASE("scale boxes round outwards from global 0") {
  const Box b{{3, 10, 5}, {301, 250, 231}};
  CHECK(scale_box(b, 0) == b);
  CHECK(scale_box(b, 1) == Box{{1, 5, 2}, {151, 125, 116}});
  CHECK(scale_box(b, 3) == Box{{0, 1, 0}, {38, 32, 29}});
  CHECK(scale_box(Box{{0, 0, 0}, {330, 290, 256}}, 5) == Box{{0, 0, 0}, {11, 10, 8}});
  CHECK(scale_box(Box{{-5, 0, 0}, {1, 1, 1}}, 1) == Box{{-3, 0, 0}, {1, 1, 1}});
}

namespace {
PlanInputs chunked(const Box& box0, int max_scale, int64_t budget_mib, Vec3 chunk = Vec3::fill(64)) {
  PlanInputs in;
  in.box0 = box0;
  in.max_scale = max_scale;
  in.memory_budget = budget_mib << 20;
  in.grid = [box0, chunk](int s) {
    const Box b = scale_box(box0, s);
    return LevelGrid{b.lo, chunk, b};
  };
  return in;
}
}  // namespace

TEST_CASE("passes: bricks carry as many levels as the budget allows") {
  const Box box{{0, 0, 0}, {330, 290, 256}};
  // 1 GiB: 512^3 bricks (128 MiB + 16 MiB + a 16 MiB slab) carry scales 0..3.
  auto passes = plan_pyramid(chunked(box, 6, 1024));
  REQUIRE(passes.size() == 2);
  CHECK(passes[0].base == 0);
  CHECK(passes[0].first == 0);
  CHECK(passes[0].last == 3);
  CHECK(passes[0].plan.brick_shape == Vec3::fill(512));
  CHECK(passes[0].plan.bricks.size() == 1);
  // ... and the budget also holds the next brick and its slab, read while this one is processed.
  CHECK(passes[0].read_ahead);
  CHECK(passes[0].memory_bytes == (int64_t{1} << 27) + (int64_t{1} << 27) / 7 + (int64_t{1} << 24) + (int64_t{1} << 27) + (int64_t{1} << 24));
  CHECK(passes[1].base == 3);
  CHECK(passes[1].first == 4);
  CHECK(passes[1].last == 6);
  // 16 MiB: 128^3 bricks with scales 0..1, then one level per pass (256^3 bricks would not fit).
  passes = plan_pyramid(chunked(box, 4, 16));
  REQUIRE(passes.size() == 4);
  CHECK(passes[0].last == 1);
  CHECK(passes[0].plan.bricks.size() == 18);
  CHECK(passes[1].first == 2);
  CHECK(passes[1].last == 2);
  CHECK(passes[3].last == 4);
  for (const auto& p : passes) CHECK(p.memory_bytes <= (int64_t{16} << 20));
  // Brick boxes at every scale of a pass.
  const PyramidPass& p0 = passes[0];
  const mpi::Brick& b = p0.plan.bricks.back();
  CHECK(p0.logical_at(b, 1) == Box{floor_div(b.logical.lo, Vec3::fill(2)), floor_div(b.logical.hi, Vec3::fill(2))});
}

TEST_CASE("passes: the next brick is read meanwhile only when the budget holds it too") {
  const Box box{{0, 0, 0}, {330, 290, 256}};
  // 16 MiB: 128^3 bricks (2 MiB, levels, a 1 MiB slab) leave room for another brick and slab.
  auto passes = plan_pyramid(chunked(box, 1, 16));
  REQUIRE(passes.size() == 1);
  CHECK(passes[0].read_ahead);
  CHECK(passes[0].memory_bytes == estimate_memory(passes[0].plan.brick_shape, 64, false) + (int64_t{1} << 21) + (int64_t{1} << 20));
  CHECK(describe(passes[0], 2).find("(with the next brick read meanwhile)") != std::string::npos);
  // 1 MiB: one 64^3 brick with its slab (0.55 MiB) fits, two do not: read after processing, same plan.
  passes = plan_pyramid(chunked(box, 0, 1));
  REQUIRE(passes.size() == 1);
  CHECK(passes[0].plan.brick_shape == Vec3::fill(64));
  CHECK_FALSE(passes[0].read_ahead);
  CHECK(passes[0].memory_bytes == estimate_memory(Vec3::fill(64), 64, false));
  CHECK(passes[0].memory_bytes <= (int64_t{1} << 20));
  CHECK(describe(passes[0], 2).find("(no read-ahead: the budget holds one brick)") != std::string::npos);
}

TEST_CASE("passes: levels whose chunk grids do not nest are split") {
  // Offset 3 in x: scale 1 starts at 1, not 3/2, so scale 1's chunks are not scale 0's halved.
  const Box box{{3, 10, 5}, {301, 250, 231}};
  auto passes = plan_pyramid(chunked(box, 3, 1024));
  REQUIRE(passes.size() == 4);
  for (int k = 0; k < 4; ++k) {
    CHECK(passes[size_t(k)].first == k);
    CHECK(passes[size_t(k)].last == k);
  }
  CHECK(passes[0].origin == box.lo);
  CHECK(passes[1].origin == Vec3{2, 10, 4});  // scale 1's chunk origin [1,5,2], at scale 0
  // Offset 64: all levels nest up to 2^6.
  passes = plan_pyramid(chunked(Box{{64, 64, 64}, {400, 400, 400}}, 3, 1024));
  REQUIRE(passes.size() == 1);
  CHECK(passes[0].last == 3);
}

TEST_CASE("passes: every chunk of every scale lies in exactly one brick") {
  const Box box{{0, 0, 0}, {330, 290, 256}};
  for (int64_t mib : {16, 64, 1024}) {
    const auto passes = plan_pyramid(chunked(box, 5, mib, {32, 64, 16}));
    for (const PyramidPass& p : passes)
      for (int s = p.first; s <= p.last; ++s) {
        const Box sb = scale_box(box, s);
        int64_t covered = 0;
        for (const mpi::Brick& b : p.plan.bricks) {
          const Box l = p.logical_at(b, s);
          CHECK((l.lo.x - sb.lo.x) % 32 == 0);
          CHECK((l.lo.y - sb.lo.y) % 64 == 0);
          CHECK((l.lo.z - sb.lo.z) % 16 == 0);
          covered += l.intersect(sb).volume();
        }
        CHECK(covered == sb.volume());
      }
  }
}

TEST_CASE("igneous' sharding parameters (precomputed.md §2.7 table)") {
  struct Row {
    Vec3 size, chunk;
    Encoding enc;
    int preshift, minishard, shard;
  };
  const Row rows[] = {
      {{8192, 8192, 8192}, {64, 64, 64}, Encoding::jpeg, 11, 2, 8},
      {{40960, 40960, 990}, {128, 128, 20}, Encoding::raw, 11, 2, 11},
      {{100000, 100000, 20000}, {128, 128, 64}, Encoding::jpeg, 11, 0, 18},
  };
  for (const Row& r : rows) {
    const auto spec = igneous_image_sharding(r.size, r.chunk, r.enc, 3'500'000'000);
    CHECK(spec.preshift_bits == r.preshift);
    CHECK(spec.minishard_bits == r.minishard);
    CHECK(spec.shard_bits == r.shard);
    CHECK(spec.hash == precomputed::ShardingSpec::Hash::identity);
    CHECK(spec.minishard_index_gzip);
    CHECK(spec.data_gzip == (r.enc != Encoding::jpeg));
  }
  // 8192^3 jpeg: 2^13 chunks per shard = 2048 x 1024 x 1024 voxels.
  const auto spec = igneous_image_sharding({8192, 8192, 8192}, {64, 64, 64}, Encoding::jpeg, 3'500'000'000);
  CHECK(shard_shape_in_chunks(spec, {128, 128, 128}) == Vec3{32, 16, 16});
  // A grid that is not a power of two: every Morton bit is a preshift, minishard or shard bit.
  const auto small = igneous_image_sharding({330, 290, 256}, {64, 64, 64}, Encoding::raw, 2'000'000);
  CHECK(small.preshift_bits + small.minishard_bits + small.shard_bits == 3 + 3 + 2);
  CHECK(shard_shape_in_chunks(small, {6, 5, 4}) == Vec3{2, 2, 2});
}

TEST_CASE("assembled shards read back through the sharded reader") {
  const auto dir = test::scratch_dir("export-shard");
  precomputed::ShardingSpec spec;
  spec.preshift_bits = 3;
  spec.minishard_bits = 2;
  spec.shard_bits = 2;
  spec.minishard_index_gzip = true;
  spec.data_gzip = false;
  // Ids 32..63 share shard 1 (bits 5..6 of the id), minishards 0..3 (bits 3..4).
  std::vector<ShardChunk> chunks;
  for (uint64_t id = 63; id >= 32; id -= 3) {
    ShardChunk c;
    c.id = id;
    c.data.assign(size_t(id % 7 + 1), std::byte(id));
    chunks.push_back(std::move(c));
  }
  const auto bytes = assemble_shard(spec, chunks);
  write_file_atomic(dir / precomputed::shard_file_name(spec, 1), bytes);
  precomputed::ShardedReader reader(kv::open_kvstore(dir.string()), spec);
  for (const ShardChunk& c : chunks) {
    const auto got = reader.read_chunk(c.id, "test");
    REQUIRE(got);
    CHECK(*got == c.data);
  }
  CHECK_FALSE(reader.read_chunk(34, "absent"));  // 34 is in the shard's range but was not written
}

TEST_CASE("info comparison names the first difference") {
  PrecomputedOutput o;
  const auto a = make_info({Box{{0, 0, 0}, {100, 100, 100}}, Box{{0, 0, 0}, {50, 50, 50}}}, o);
  auto b = a;
  CHECK(info_difference(a, b).empty());
  b.scales[1].size.z = 51;
  CHECK(info_difference(a, b) == "scales[1].size[2]: 50 in this export, 51 in the existing info");
  b = a;
  b.scales[0].encoding = Encoding::raw;
  b.scales[0].jpeg_quality.reset();
  CHECK(info_difference(a, b).find("scales[0].encoding: \"jpeg\" in this export, \"raw\" in the existing info") == 0);
  CHECK(a.scales[1].key == "16_16_16");
  CHECK(a.scales[1].resolution[0] == 16.0);
  CHECK(*a.scales[0].jpeg_quality == 85);
}

TEST_CASE("the precomputed sink writes a brick's chunks, truncated at the volume end") {
  const auto dir = test::scratch_dir("export-sink");
  PrecomputedOutput o;
  o.encoding = Encoding::raw;
  o.chunk_size = {32, 32, 32};
  const Box box0{{0, 0, 0}, {70, 40, 33}};
  PrecomputedSink sink(std::make_shared<kv::FileStore>(dir), make_info({box0, scale_box(box0, 1)}, o));
  sink.prepare();
  Array3<uint8_t> level(Box{{0, 0, 0}, {128, 64, 64}}, 0);
  for (size_t i = 0; i < level.size(); ++i) level.data()[i] = uint8_t(i * 7 % 251);
  const LevelStats st = sink.write(0, LevelView{level.box(), level.data()});
  CHECK(st.objects == 3 * 2 * 2);
  CHECK(std::filesystem::file_size(dir / "8_8_8" / "64-70_32-40_32-33") == 6 * 8 * 1);
  // Read back with our reader: the box's voxels, exactly.
  const auto reader = open_precomputed(dir.string(), 0);
  const auto got = reader->read_as<uint8_t>(box0);
  CHECK(got.vec() == level.crop(box0).vec());
  // A second prepare() with the same info is fine; a different one is refused.
  sink.prepare();
  PrecomputedSink other(std::make_shared<kv::FileStore>(dir), make_info({Box{{0, 0, 0}, {70, 40, 34}}}, o));
  CHECK_THROWS_WITH(other.prepare(), Catch::Contains("an existing output with a different info") &&
                                         Catch::Contains((dir / "info").string()));
}

TEST_CASE("block_mean_2x equals ops/downsample_mean_2x; zero_outside zeros exactly the outside") {
  Array3<uint8_t> a(Box{{-4, 2, 6}, {60, 34, 20}});
  for (size_t i = 0; i < a.size(); ++i) a.data()[i] = uint8_t((i * 2654435761u) >> 13);
  LevelBuffer out;
  block_mean_2x(LevelView{a.box(), a.data()}, out);
  const Array3<uint8_t> ref = downsample_mean_2x(a);
  REQUIRE(out.box() == ref.box());
  CHECK(std::equal(ref.data(), ref.data() + ref.size(), out.data()));
  CHECK(ref.at({-2, 1, 3}) == uint8_t((unsigned(a.at({-4, 2, 6})) + a.at({-3, 2, 6}) + a.at({-4, 3, 6}) + a.at({-3, 3, 6}) +
                                       a.at({-4, 2, 7}) + a.at({-3, 2, 7}) + a.at({-4, 3, 7}) + a.at({-3, 3, 7})) / 8));

  LevelBuffer buf;
  const Box box{{0, 0, 0}, {10, 8, 6}}, inner{{2, 3, 1}, {7, 8, 4}};
  buf.reset(box);
  std::fill(buf.data(), buf.data() + buf.size(), uint8_t(9));
  buf.zero_outside(inner);
  for (int64_t z = 0; z < 6; ++z)
    for (int64_t y = 0; y < 8; ++y)
      for (int64_t x = 0; x < 10; ++x)
        CHECK(buf.data()[(z * 8 + y) * 10 + x] == (inner.contains(Vec3{x, y, z}) ? 9 : 0));
}
