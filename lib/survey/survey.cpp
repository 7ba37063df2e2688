// survey-volume orchestration: plan, run the bricks, aggregate on rank 0, write the outputs.
#include "survey/survey.hpp"

#include <algorithm>
#include <unordered_map>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "core/error.hpp"
#include "core/files.hpp"
#include "core/log.hpp"
#include "mpi/brick_runner.hpp"
#include "mpi/bricks.hpp"
#include "mpi/gather.hpp"
#include "mpi/journal.hpp"
#include "mpi/mpi_env.hpp"

namespace dflow::stages {

namespace {

using nlohmann::ordered_json;

constexpr const char* kStage = "survey-volume";
const Vec3 kBlockShape = Vec3::fill(64);  // DVID's block

ordered_json xyz(const Vec3& v) { return ordered_json::array({v.x, v.y, v.z}); }
ordered_json box_json(const Box& b) { return ordered_json::array({xyz(b.lo), xyz(b.hi)}); }

// Everything all ranks must agree on, decided on rank 0 and broadcast.
struct Header {
  DType dtype;
  Box box;
  std::string describe;
};

ordered_json common_json(const Header& h, SurveyKind kind, const mpi::BrickPlan& plan) {
  ordered_json j;
  j["source"] = h.describe;
  j["dtype"] = dtype_name(h.dtype);
  j["kind"] = kind == SurveyKind::grayscale ? "grayscale" : "segmentation";
  j["bounding-box"] = box_json(h.box);
  j["shape"] = xyz(h.box.shape());
  j["voxels"] = h.box.volume();
  j["brick-shape"] = xyz(plan.brick_shape);
  j["bricks"] = plan.bricks.size();
  return j;
}

std::string finish_gray(const Header& h, const mpi::BrickPlan& plan, const std::vector<mpi::Blob>& results) {
  GrayStats total;
  for (const mpi::Blob& b : results) total.add(decode_gray(b.data));
  if (total.voxels != uint64_t(h.box.volume()))
    fail("{}: brick results cover {} voxels, the volume has {}", kStage, total.voxels, h.box.volume());
  ordered_json j = common_json(h, SurveyKind::grayscale, plan);
  ordered_json g;
  g["min"] = total.min;
  g["max"] = total.max;
  g["mean"] = double(total.sum) / double(total.voxels);
  g["sum"] = total.sum;
  g["histogram-bin-width"] = h.dtype == DType::uint16 ? 256 : 1;
  g["histogram"] = total.histogram;
  j["grayscale"] = std::move(g);
  return j.dump(2) + "\n";
}

std::string finish_segmentation(const Header& h, const mpi::BrickPlan& plan, std::vector<mpi::Blob>& results,
                                 const fs::path& exec_dir) {
  std::vector<stats::BlockStat> rows;
  for (mpi::Blob& b : results) {
    const auto part = decode_rows(b.data);
    rows.insert(rows.end(), part.begin(), part.end());
    std::vector<std::byte>().swap(b.data);
  }
  stats::sort_rows(rows);
  stats::write_block_stats_csv(exec_dir / "block-statistics.csv", rows);

  // Per-label totals (rows are sorted by segment_id, so each label's rows are contiguous).
  std::vector<std::pair<uint64_t, uint64_t>> labels;  // (id, voxels)
  uint64_t labeled = 0;
  std::vector<std::tuple<int32_t, int32_t, int32_t>> blocks;
  for (const stats::BlockStat& r : rows) {
    if (labels.empty() || labels.back().first != r.segment_id) labels.push_back({r.segment_id, 0});
    labels.back().second += r.count;
    labeled += r.count;
    blocks.emplace_back(r.z, r.y, r.x);
  }
  std::sort(blocks.begin(), blocks.end());
  blocks.erase(std::unique(blocks.begin(), blocks.end()), blocks.end());
  if (labeled > uint64_t(h.box.volume()))
    fail("{}: brick results count {} labeled voxels, more than the volume's {}", kStage, labeled, h.box.volume());

  ordered_json j = common_json(h, SurveyKind::segmentation, plan);
  ordered_json l;
  l["count"] = labels.size();
  l["labeled-voxels"] = labeled;
  l["background-voxels"] = uint64_t(h.box.volume()) - labeled;
  l["min-id"] = labels.empty() ? 0 : labels.front().first;
  l["max-id"] = labels.empty() ? 0 : labels.back().first;
  l["ids-above-2^32"] = std::count_if(labels.begin(), labels.end(), [](const auto& p) { return p.first >= (uint64_t{1} << 32); });
  // Size distribution: labels with [2^k, 2^(k+1)) voxels.
  std::vector<uint64_t> size_hist;
  for (const auto& [id, n] : labels) {
    const size_t k = size_t(63 - __builtin_clzll(n));
    if (size_hist.size() <= k) size_hist.resize(k + 1, 0);
    ++size_hist[k];
  }
  l["size-log2-histogram"] = size_hist;
  auto largest = labels;
  const size_t top = std::min<size_t>(10, largest.size());
  std::partial_sort(largest.begin(), largest.begin() + ptrdiff_t(top), largest.end(),
                    [](const auto& a, const auto& b) { return a.second != b.second ? a.second > b.second : a.first < b.first; });
  ordered_json big = ordered_json::array();
  for (size_t i = 0; i < top; ++i) big.push_back({{"id", largest[i].first}, {"voxels", largest[i].second}});
  l["largest"] = std::move(big);
  j["labels"] = std::move(l);
  j["block-statistics"] = {{"file", "block-statistics.csv"},
                           {"rows", rows.size()},
                           {"blocks-with-labels", blocks.size()},
                           {"block-shape", xyz(kBlockShape)}};
  return j.dump(2) + "\n";
}

}  // namespace

std::string survey_volume(MPI_Comm comm, const SurveySource& source, const SurveySettings& settings) {
  int rank = 0, nranks = 1;
  mpi::check(MPI_Comm_rank(comm, &rank), "MPI_Comm_rank");
  mpi::check(MPI_Comm_size(comm, &nranks), "MPI_Comm_size");

  // Rank 0 opens the input first (one error line if it or its bounding box is bad), then the rest.
  auto [reader, box] = mpi::root_first(comm, [&] {
    std::unique_ptr<VolumeReader> r = source.open();
    const Box b = source.bounding_box ? source.bounding_box(*r) : r->bounds();
    return std::pair{std::move(r), b};
  });
  Header h{reader->dtype(), box, reader->describe()};
  // Every rank must cut the same plan: take rank 0's view of the input.
  std::vector<uint64_t> wire{uint64_t(h.dtype), uint64_t(h.box.lo.x), uint64_t(h.box.lo.y), uint64_t(h.box.lo.z),
                             uint64_t(h.box.hi.x), uint64_t(h.box.hi.y), uint64_t(h.box.hi.z)};
  mpi::broadcast(comm, wire, 0);
  mpi::broadcast(comm, h.describe, 0);
  h.dtype = DType(wire[0]);
  h.box = {{int64_t(wire[1]), int64_t(wire[2]), int64_t(wire[3])}, {int64_t(wire[4]), int64_t(wire[5]), int64_t(wire[6])}};
  if (reader->dtype() != h.dtype) fail("{}: rank {} sees data type {}, rank 0 {}", h.describe, rank, dtype_name(reader->dtype()), dtype_name(h.dtype));

  // Same inputs on every rank, so the same verdict: let rank 0 report a bad kind or brick shape.
  const auto [kind, plan] = mpi::root_first(comm, [&] {
    const SurveyKind k = resolve_kind(settings.kind, h.dtype, h.describe);
    try {
      return std::pair{k, mpi::plan_bricks(h.box, settings.brick_shape, kBlockShape)};
    } catch (const Error& e) {
      fail("{}: survey.brick-shape: {}", kStage, e.what());
    }
  });
  if (rank == 0) log::info("{}: {} ({}), {} {} voxels", kStage, h.describe, dtype_name(h.dtype), h.box, h.box.volume());

  mpi::BrickRunOptions opt;
  opt.exec_dir = settings.exec_dir;
  opt.stage = kStage;
  opt.signature = fmt::format("{} kind={} dtype={} source={}", plan.signature(),
                              kind == SurveyKind::grayscale ? "grayscale" : "segmentation", dtype_name(h.dtype), h.describe);

  if (settings.dry_run) {
    if (rank == 0) {
      const auto done = mpi::read_journals(settings.exec_dir, kStage, opt.signature);
      std::vector<mpi::Brick> todo;
      for (const mpi::Brick& b : plan.bricks)
        if (!std::binary_search(done.begin(), done.end(), b.id)) todo.push_back(b);
      // Segmentation widens each brick to uint64 over whole blocks (8 B/voxel) and keeps its rows.
      const double working = kind == SurveyKind::segmentation ? 9.0 : 0.0;
      const mpi::PlanSummary s = mpi::summarize_plan(plan, todo, nranks, dtype_size(h.dtype), working);
      log::info("{}: dry run, nothing is read or written\n{}{}", kStage, s.text,
                done.empty() ? "" : fmt::format("\n{} bricks already done (journal)", done.size()));
    }
    return {};
  }

  const size_t elem = dtype_size(h.dtype);
  std::vector<std::byte> buf;
  mpi::BrickRunResult run = mpi::run_bricks(comm, plan, opt, [&](const mpi::Brick& b) {
    buf.resize(size_t(b.box.volume()) * elem);
    reader->read(b.box, buf);
    return kind == SurveyKind::grayscale ? encode(gray_stats(buf, h.dtype))
                                         : encode(segmentation_rows(buf, h.dtype, b.box, kBlockShape));
  });
  if (rank != 0) return {};

  std::vector<mpi::Blob> results = std::move(run.results);
  const std::string json = kind == SurveyKind::grayscale ? finish_gray(h, plan, results)
                                                         : finish_segmentation(h, plan, results, settings.exec_dir);
  write_text_atomic(settings.exec_dir / "survey.json", json);
  log::info("{}: wrote {}{}", kStage, (settings.exec_dir / "survey.json").string(),
            kind == SurveyKind::segmentation ? " and block-statistics.csv" : "");
  return json;
}

}  // namespace dflow::stages
