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

// Collective: the block statistics written by every rank from the brick files, and the label summary
// summed where each label is owned. Returns survey.json on rank 0.
std::string finish_segmentation(MPI_Comm comm, const Header& h, const mpi::BrickPlan& plan, std::vector<mpi::Blob>& results,
                                 const SurveySettings& settings) {
  int rank = 0;
  mpi::check(MPI_Comm_rank(comm, &rank), "MPI_Comm_rank");
  stats::BrickTable table;
  uint64_t blocks = 0;
  for (mpi::Blob& b : results) {
    const SegBrickSummary s = decode_seg(b.data);
    table.ids.push_back(b.id);
    table.rows.push_back(s.rows);
    blocks += s.blocks_with_labels;
  }
  mpi::broadcast(comm, table.ids, 0);
  mpi::broadcast(comm, table.rows, 0);
  table.path_of = [dir = settings.exec_dir](uint64_t id) { return stats::brick_rows_path(dir, kStage, id); };
  const uint64_t rows = stats::write_brick_table(comm, table, settings.exec_dir / "block-statistics.h5",
                                                 settings.stats_csv ? settings.exec_dir / "block-statistics.csv" : fs::path());
  const LabelSummary labels = summarize_labels(comm, table);
  if (rank != 0) return {};
  if (labels.labeled_voxels > uint64_t(h.box.volume()))
    fail("{}: brick results count {} labeled voxels, more than the volume's {}", kStage, labels.labeled_voxels, h.box.volume());

  ordered_json j = common_json(h, SurveyKind::segmentation, plan);
  ordered_json l;
  l["count"] = labels.count;
  l["labeled-voxels"] = labels.labeled_voxels;
  l["background-voxels"] = uint64_t(h.box.volume()) - labels.labeled_voxels;
  l["min-id"] = labels.min_id;
  l["max-id"] = labels.max_id;
  l["ids-above-2^32"] = labels.above_2_32;
  // Size distribution: labels with [2^k, 2^(k+1)) voxels.
  l["size-log2-histogram"] = labels.size_log2_histogram;
  ordered_json big = ordered_json::array();
  for (const auto& [id, voxels] : labels.largest) big.push_back({{"id", id}, {"voxels", voxels}});
  l["largest"] = std::move(big);
  j["labels"] = std::move(l);
  j["block-statistics"] = {{"file", "block-statistics.h5"},
                           {"csv", settings.stats_csv ? "block-statistics.csv" : ""},
                           {"rows", rows},
                           {"blocks-with-labels", blocks},
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
  // "rows=files": a segmentation brick's rows are in its rows file (journals of earlier versions kept them
  // in the result blob and are refused rather than misread).
  opt.signature = fmt::format("{} kind={} dtype={} source={} rows=files", plan.signature(),
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
  if (kind == SurveyKind::segmentation && rank == 0) stats::forget_bricks_without_rows(plan, settings.exec_dir, kStage);
  mpi::BrickRunResult run = mpi::run_bricks(comm, plan, opt, [&](const mpi::Brick& b) {
    buf.resize(size_t(b.box.volume()) * elem);
    reader->read(b.box, buf);
    if (kind == SurveyKind::grayscale) return encode(gray_stats(buf, h.dtype));
    const auto rows = segmentation_rows(buf, h.dtype, b.box, kBlockShape);
    // Durable before this returns, so before the brick is journaled; the blob only sums the rows up.
    stats::write_brick_rows(stats::brick_rows_path(settings.exec_dir, kStage, b.id), rows);
    return encode(summarize(rows));
  });

  std::vector<mpi::Blob> results = std::move(run.results);
  std::string json;
  if (kind == SurveyKind::segmentation) json = finish_segmentation(comm, h, plan, results, settings);
  else if (rank == 0) json = finish_gray(h, plan, results);
  if (rank != 0) return {};
  write_text_atomic(settings.exec_dir / "survey.json", json);
  log::info("{}: wrote {}{}", kStage, (settings.exec_dir / "survey.json").string(),
            kind == SurveyKind::segmentation
                ? fmt::format(" and block-statistics.h5{}", settings.stats_csv ? " and block-statistics.csv" : "")
                : "");
  return json;
}

}  // namespace dflow::stages
