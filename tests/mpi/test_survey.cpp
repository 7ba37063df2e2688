// survey-volume's stage logic at 1, 2 and 4 ranks, on the example volume held in memory.
#include <catch2/catch.hpp>

#include <map>

#include <nlohmann/json.hpp>

#include "core/files.hpp"
#include "example/example.hpp"
#include "mpi_test_support.hpp"
#include "survey/survey.hpp"
#include "stats/block_stats.hpp"

using namespace dflow;
using namespace dflow::stages;

namespace {

// A VolumeReader over an array in memory.
template <typename T>
class MemoryReader : public VolumeReader {
 public:
  explicit MemoryReader(Array3<T> a) : a_(std::move(a)) {}
  DType dtype() const override { return dtype_of<T>(); }
  Box bounds() const override { return a_.box(); }
  Vec3 chunk_shape() const override { return Vec3::fill(64); }
  std::string describe() const override { return "memory:test"; }
  void read(const Box& box, std::span<std::byte> out) const override {
    check_box(box);
    copy_region_bytes(reinterpret_cast<const std::byte*>(a_.data()), a_.box(), out.data(), box, box, sizeof(T));
  }

 private:
  Array3<T> a_;
};

const example::ExampleData& data() {
  static const example::ExampleData d = [] {
    example::ExampleParams p;
    p.size = {200, 150, 130};
    p.threads = 1;  // the ranks share the cores already
    return example::generate_example(p);
  }();
  return d;
}

template <typename T>
SurveySource memory_source(const Array3<T>& a, Box box = {}) {
  SurveySource s;
  s.open = [&a] { return std::unique_ptr<VolumeReader>(new MemoryReader<T>(a)); };
  if (!box.empty()) s.bounding_box = [box](const VolumeReader&) { return box; };
  return s;
}

}  // namespace

TEST_CASE("survey: kind resolution") {
  CHECK(resolve_kind("auto", DType::uint8, "x") == SurveyKind::grayscale);
  CHECK(resolve_kind("auto", DType::uint16, "x") == SurveyKind::grayscale);
  CHECK(resolve_kind("auto", DType::uint64, "x") == SurveyKind::segmentation);
  CHECK(resolve_kind("segmentation", DType::uint8, "x") == SurveyKind::segmentation);
  CHECK_THROWS_WITH(resolve_kind("grayscale", DType::uint64, "n5:/a/b"),
                    "n5:/a/b: survey.kind grayscale needs uint8 or uint16 voxels, not uint64");
  CHECK_THROWS_WITH(resolve_kind("auto", DType::float32, "n5:/a/b"), Catch::Contains("neither grayscale"));
}

TEST_CASE("survey: grayscale brick statistics") {
  std::vector<uint8_t> v8{0, 5, 5, 255, 7};
  const GrayStats s = gray_stats(std::as_bytes(std::span(v8)), DType::uint8);
  CHECK(s.voxels == 5);
  CHECK(s.sum == 272);
  CHECK(s.min == 0);
  CHECK(s.max == 255);
  CHECK(s.histogram[5] == 2);
  CHECK(s.histogram[255] == 1);
  const GrayStats back = decode_gray(encode(s));
  CHECK(back.histogram == s.histogram);
  CHECK(back.sum == s.sum);
  CHECK(back.min == 0);
  std::vector<uint16_t> v16{256, 511, 65535, 3};
  const GrayStats t = gray_stats(std::as_bytes(std::span(v16)), DType::uint16);
  CHECK(t.histogram[1] == 2);  // bins of 256 values
  CHECK(t.histogram[255] == 1);
  CHECK(t.histogram[0] == 1);
  CHECK(t.max == 65535);
  CHECK(t.min == 3);
}

TEST_CASE("survey: segmentation rows of a partial, offset brick") {
  // A box straddling the block boundary at x=64 and not starting on the block grid.
  const Box box{{60, 10, 0}, {70, 13, 2}};
  Array3<uint32_t> a(box);
  for (int64_t z = 0; z < 2; ++z)
    for (int64_t y = 0; y < 3; ++y)
      for (int64_t x = 0; x < 10; ++x) a(x, y, z) = x < 2 ? 0 : uint32_t(7 + (x + y) % 2);
  const auto rows = segmentation_rows(a.bytes(), DType::uint32, box, Vec3::fill(64));
  std::map<std::tuple<uint64_t, int32_t>, uint32_t> expect;  // (id, block x) -> count
  for (int64_t z = 0; z < 2; ++z)
    for (int64_t y = 0; y < 3; ++y)
      for (int64_t x = 0; x < 10; ++x)
        if (a(x, y, z)) ++expect[{a(x, y, z), (60 + x) / 64 * 64}];
  REQUIRE(rows.size() == expect.size());
  for (const auto& r : rows) {
    CHECK(r.z == 0);
    CHECK(r.y == 0);
    CHECK(r.count == expect.at({r.segment_id, r.x}));
  }
  const SegBrickSummary s = summarize(rows);
  CHECK(s.rows == rows.size());
  CHECK(s.blocks_with_labels == 2);  // blocks x=0 and x=64
  uint64_t labeled = 0;
  for (const auto& [k, n] : expect) labeled += n;
  CHECK(s.labeled_voxels == labeled);
  const SegBrickSummary back = decode_seg(encode(s));
  CHECK(back.rows == s.rows);
  CHECK(back.labeled_voxels == s.labeled_voxels);
  CHECK(back.blocks_with_labels == s.blocks_with_labels);
  CHECK_THROWS_WITH(decode_seg(std::vector<std::byte>(25)), Catch::Contains("not a brick summary"));
}

TEST_CASE("survey: segmentation survey equals whole-volume block statistics at any rank count") {
  const auto dir = test::shared_scratch_dir("survey-seg");
  const auto& d = data();
  SurveySettings s;
  s.exec_dir = dir;
  s.brick_shape = {128, 64, 64};
  const std::string json = survey_volume(MPI_COMM_WORLD, memory_source(d.segmentation), s);
  if (test::mpi_rank() != 0) {
    CHECK(json.empty());
    return;
  }
  const auto j = nlohmann::json::parse(json);
  CHECK(j["kind"] == "segmentation");
  CHECK(j["bricks"] == 2 * 3 * 3);
  CHECK(j["labels"]["count"] == d.summary.supervoxels);
  CHECK(j["labels"]["labeled-voxels"] == d.summary.labeled_voxels);
  CHECK(j["labels"]["background-voxels"] == d.summary.background_voxels);
  CHECK(j["labels"]["max-id"].get<uint64_t>() == example::kNearInt64MaxId);
  CHECK(j["labels"]["min-id"].get<uint64_t>() == d.summary.min_id);
  // The biggest label really is the biggest.
  uint64_t biggest = 0;
  for (const auto& [id, n] : d.summary.label_voxels) biggest = std::max(biggest, n);
  CHECK(j["labels"]["largest"][0]["voxels"].get<uint64_t>() == biggest);
  // block-statistics.h5 = the table computed over the whole volume at once (in brick order in the
  // file, so compared in the canonical order); no CSV unless asked.
  Array3<uint64_t> padded(d.segmentation.box().round_out(Vec3::fill(64)), 0);
  padded.paste(d.segmentation);
  auto rows = stats::block_stats(padded, d.segmentation.box());
  stats::sort_rows(rows);
  auto written = stats::read_block_stats_h5(dir / "block-statistics.h5");
  stats::sort_rows(written);
  CHECK(written == rows);
  CHECK(!std::filesystem::exists(dir / "block-statistics.csv"));
  CHECK(j["block-statistics"]["rows"] == rows.size());
  CHECK(read_text(dir / "survey.json") == json);
}

TEST_CASE("survey: grayscale survey of a sub-box") {
  const auto dir = test::shared_scratch_dir("survey-gray");
  const auto& d = data();
  const Box box{{30, 20, 10}, {190, 140, 100}};
  SurveySettings s;
  s.exec_dir = dir;
  s.brick_shape = Vec3::fill(64);
  const std::string json = survey_volume(MPI_COMM_WORLD, memory_source(d.grayscale, box), s);
  if (test::mpi_rank() != 0) return;
  const auto j = nlohmann::json::parse(json);
  GrayStats expect;
  const Array3<uint8_t> part = d.grayscale.crop(box);
  expect = gray_stats(part.bytes(), DType::uint8);
  CHECK(j["kind"] == "grayscale");
  CHECK(j["voxels"] == box.volume());
  CHECK(j["bricks"] == 3 * 3 * 2);
  CHECK(j["bounding-box"] == nlohmann::json::parse("[[30,20,10],[190,140,100]]"));
  CHECK(j["grayscale"]["histogram"].get<std::vector<uint64_t>>() == expect.histogram);
  CHECK(j["grayscale"]["min"] == expect.min);
  CHECK(j["grayscale"]["max"] == expect.max);
  CHECK(j["grayscale"]["sum"] == expect.sum);
  CHECK(!std::filesystem::exists(dir / "block-statistics.csv"));
}

TEST_CASE("survey: dry run plans but reads and writes nothing") {
  const auto dir = test::shared_scratch_dir("survey-dry");
  SurveySettings s;
  s.exec_dir = dir;
  s.dry_run = true;
  s.brick_shape = {128, 128, 128};
  CHECK(survey_volume(MPI_COMM_WORLD, memory_source(data().segmentation), s).empty());
  CHECK(!std::filesystem::exists(dir / "survey.json"));
  CHECK(!std::filesystem::exists(dir / "journal"));
  s.brick_shape = {100, 128, 128};
  if (test::mpi_rank() == 0)  // a bad plan is the same error on every rank; check one
    CHECK_THROWS_WITH(survey_volume(MPI_COMM_SELF, memory_source(data().segmentation), s),
                      Catch::Contains("not a multiple of the block shape"));
}
