// ingest-supervoxels orchestration: set up the instance, run the passes, write the statistics.
#include "ingest/ingest.hpp"

#include <algorithm>
#include <chrono>
#include <mutex>
#include <thread>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "core/error.hpp"
#include "core/files.hpp"
#include "core/log.hpp"
#include "dvid/labelmap.hpp"
#include "dvid/repo.hpp"
#include "ingest/block_poster.hpp"
#include "ingest/brick_ops.hpp"
#include "ingest/header.hpp"
#include "mpi/brick_runner.hpp"
#include "mpi/bricks.hpp"
#include "mpi/gather.hpp"
#include "mpi/journal.hpp"
#include "mpi/mpi_env.hpp"
#include "ops/downsample.hpp"
#include "stats/block_stats_parallel.hpp"

namespace dflow::ingest {

namespace {

using nlohmann::ordered_json;
const Vec3 kBlockShape = Vec3::fill(kBlock);

ordered_json xyz(const Vec3& v) { return ordered_json::array({v.x, v.y, v.z}); }

}  // namespace

int first_written_scale(const Pass& pass, bool skip_scale0_write) {
  return pass.first ? (skip_scale0_write ? 1 : 0) : pass.source_scale + 1;
}

Header agree(MPI_Comm comm, const VolumeReader& reader, const Source& source, const IngestSettings& s, bool create) {
  int rank = 0;
  mpi::check(MPI_Comm_rank(comm, &rank), "MPI_Comm_rank");
  Header h;
  if (rank == 0) {
    h.dtype = reader.dtype();
    h.box = source.bounding_box ? source.bounding_box(reader) : reader.bounds();
    h.describe = reader.describe();
    if (h.dtype != DType::uint8 && h.dtype != DType::uint16 && h.dtype != DType::uint32 && h.dtype != DType::uint64)
      fail("{}: data type {}: a supervoxel segmentation must be unsigned integers", h.describe, dtype_name(h.dtype));
    if (h.box.lo.x < 0 || h.box.lo.y < 0 || h.box.lo.z < 0)
      fail("{}: bounding box {} has negative coordinates; DVID's block pyramid needs coordinates >= 0", h.describe, h.box);
    dvid::Client client(s.output.server, s.retry);
    InstanceState st;
    try {
      st = ensure_labelmap(client, s.output, h.box, s.pyramid_depth, create);
    } catch (const Error& e) {
      fail("ingest-supervoxels: checking the output labelmap: {}", e.what());
    }
    h.will_create = st.created && !create;
    if (s.pyramid_depth > st.max_downres_level)
      fail("{}/api/node/{}/{}: options.pyramid-depth {} is larger than the instance's MaxDownresLevel {}", s.output.server,
           s.output.uuid, s.output.instance, s.pyramid_depth, st.max_downres_level);
    // A shallower pyramid would leave scales the instance advertises empty: DVID and neu3 would
    // serve zeros there. Refuse rather than write a volume that looks done but is not.
    if (s.pyramid_depth >= 0 && s.pyramid_depth < st.max_downres_level)
      fail("{}/api/node/{}/{}: options.pyramid-depth {} is below the instance's MaxDownresLevel {}: scales {}..{} would "
           "stay empty; use pyramid-depth -1 (every scale) or {}",
           s.output.server, s.output.uuid, s.output.instance, s.pyramid_depth, st.max_downres_level, s.pyramid_depth + 1,
           st.max_downres_level, st.max_downres_level);
    h.top_scale = s.pyramid_depth >= 0 ? s.pyramid_depth : st.max_downres_level;
    if (h.top_scale >= kMaxScales) fail("pyramid depth {} is too large (at most {})", h.top_scale, kMaxScales - 1);
  }
  std::vector<uint64_t> wire{uint64_t(h.dtype),     uint64_t(h.box.lo.x), uint64_t(h.box.lo.y), uint64_t(h.box.lo.z),
                             uint64_t(h.box.hi.x), uint64_t(h.box.hi.y), uint64_t(h.box.hi.z), uint64_t(h.top_scale),
                             uint64_t(h.will_create)};
  mpi::broadcast(comm, wire, 0);
  mpi::broadcast(comm, h.describe, 0);
  h.dtype = DType(wire[0]);
  h.box = {{int64_t(wire[1]), int64_t(wire[2]), int64_t(wire[3])}, {int64_t(wire[4]), int64_t(wire[5]), int64_t(wire[6])}};
  h.top_scale = int(wire[7]);
  h.will_create = wire[8] != 0;
  if (reader.dtype() != h.dtype)
    fail("{}: rank {} sees data type {}, rank 0 {}", h.describe, rank, dtype_name(reader.dtype()), dtype_name(h.dtype));
  return h;
}

namespace {

// Threads for a rank's reading, statistics and downsampling: the posting concurrency, but no more
// than this node's cores divided among the ranks running on it.
int compute_threads(MPI_Comm comm, int concurrency) {
  MPI_Comm node = MPI_COMM_NULL;
  mpi::check(MPI_Comm_split_type(comm, MPI_COMM_TYPE_SHARED, 0, MPI_INFO_NULL, &node), "MPI_Comm_split_type");
  int local = 1;
  MPI_Comm_size(node, &local);
  MPI_Comm_free(&node);
  const int cores = int(std::max(1u, std::thread::hardware_concurrency()));
  return std::max(1, std::min(concurrency, cores / std::max(local, 1)));
}

std::string signature(const mpi::BrickPlan& plan, const Pass& pass, const Header& h, const IngestSettings& s) {
  // Everything that changes what a brick writes (not how fast): another target or options must not
  // resume from this journal.
  return fmt::format("{} target={}/{}/{} scales={}..{} empty={} skip0={} identical={} source={} box={}", plan.signature(),
                     s.output.server, s.output.uuid, s.output.instance, pass.source_scale, pass.top_scale,
                     s.write_empty_blocks, s.skip_scale0_write, s.dont_overwrite_identical, h.describe, h.box);
}

// Where a rank's main thread spends its time (the posting threads work while it reads and downsamples).
struct Timing {
  double read = 0, stats = 0, pyramid = 0, wait = 0;
};
class Stopwatch {
 public:
  explicit Stopwatch(double& sum) : sum_(sum), t0_(std::chrono::steady_clock::now()) {}
  ~Stopwatch() { sum_ += std::chrono::duration<double>(std::chrono::steady_clock::now() - t0_).count(); }

 private:
  double& sum_;
  std::chrono::steady_clock::time_point t0_;
};

class BrickWriter {
 public:
  BrickWriter(const Header& h, const IngestSettings& s, const VolumeReader& reader, BlockPoster& poster, int threads)
      : h_(h), s_(s), reader_(reader), poster_(poster), client_(s.output.server, s.retry),
        labelmap_(client_, s.output.uuid, s.output.instance), corners_(corner_blocks(h.box)), threads_(threads) {}

  // Reads a brick; on the runner's read-ahead thread while the previous brick is processed. One read
  // at a time (the DVID client of later passes is not shared between threads).
  std::shared_ptr<Array3<uint64_t>> read(const Pass& pass, const mpi::Brick& brick) {
    const std::lock_guard lock(read_mu_);
    auto arr = std::make_shared<Array3<uint64_t>>(brick.logical);
    try {
      const Stopwatch sw(timing_.read);
      load(pass, brick, *arr);
    } catch (const std::exception& e) {
      fail("ingest-supervoxels: {}: reading: {}", where(pass, brick), e.what());
    }
    return arr;
  }

  BrickReport run(const Pass& pass, const mpi::Brick& brick, std::shared_ptr<Array3<uint64_t>> arr) {
    const std::string where = this->where(pass, brick);
    BrickReport report;
    if (pass.first) {
      std::vector<stats::BlockStat> rows;
      {
        const Stopwatch sw(timing_.stats);
        rows = block_stats_parallel(*arr, h_.box, kBlockShape, threads_);
      }
      // Durable before this returns, so before run_bricks journals the brick; the blob only counts them.
      stats::write_brick_rows(stats::brick_rows_path(s_.exec_dir, pass.stage, brick.id), rows);
      report.rows = rows.size();
    }

    std::shared_ptr<const Array3<uint64_t>> cur = std::move(arr);
    for (int scale = pass.source_scale; scale <= pass.top_scale; ++scale) {
      if (scale > pass.source_scale) {
        const Stopwatch sw(timing_.pyramid);
        cur = std::make_shared<Array3<uint64_t>>(downsample_labels_2x_parallel(*cur, threads_));
      }
      // With skip-scale-0-write, scale 0 is not written, except the two corner blocks below.
      const bool write = scale >= first_written_scale(pass, s_.skip_scale0_write);
      if (!write && !(scale == 0 && pass.first)) continue;
      std::vector<Vec3> blocks = blocks_in(cur->box(), scaled_box(h_.box, scale));
      if (scale == 0) {
        // The volume's first and last block go through /blocks so DVID widens the extents (and the
        // max label). Always, even with skip-scale-0-write: /ingest-supervoxels sets no extents, so
        // without them DVID would report an empty volume. Rewriting them with the input's voxels is
        // harmless (noindexing posts are idempotent).
        std::vector<Vec3> corners;
        std::erase_if(blocks, [&](const Vec3& b) {
          const bool c = b == corners_.first || b == corners_.second;
          if (c) corners.push_back(b);
          return c;
        });
        if (!corners.empty()) poster_.submit({cur, 0, corners, true, where});
        if (!write) continue;
      }
      for (auto& batch : split_batches(blocks, s_.batch_blocks, s_.concurrency))
        poster_.submit({cur, scale, std::move(batch), false, where});
    }
    cur.reset();
    const Stopwatch sw(timing_.wait);
    std::vector<ScaleCounts> counts = poster_.wait();
    report.scales = std::move(counts);
    return report;
  }

  const Timing& timing() const { return timing_; }

 private:
  // Bricks of later passes are cut in a coarser grid: say which.
  static std::string where(const Pass& pass, const mpi::Brick& brick) {
    return pass.first ? fmt::format("brick {} {}", brick.id, brick.box)
                      : fmt::format("brick {} {} of the scale-{} grid", brick.id, brick.box, pass.source_scale);
  }

  void load(const Pass& pass, const mpi::Brick& brick, Array3<uint64_t>& arr) {
    // Scale 0 always comes from the input (with skip-scale-0-write it is not in DVID).
    if (pass.source_scale == 0) {
      read_into(reader_, brick.box, arr, threads_);
      return;
    }
    // Scale source_scale was written by the previous pass (every rank finished it): read it back.
    const Box region = brick.box.round_out(kBlockShape).intersect(brick.logical);
    arr.paste(labelmap_.raw(region, pass.source_scale, /*supervoxels=*/true));
  }

  const Header& h_;
  const IngestSettings& s_;
  const VolumeReader& reader_;
  BlockPoster& poster_;
  dvid::Client client_;
  dvid::Labelmap labelmap_;
  std::pair<Vec3, Vec3> corners_;
  int threads_;
  Timing timing_;
  std::mutex read_mu_;
};

void dry_run(MPI_Comm comm, const Header& h, const std::vector<Pass>& passes, const IngestSettings& s) {
  int rank = 0, nranks = 1;
  mpi::check(MPI_Comm_rank(comm, &rank), "MPI_Comm_rank");
  mpi::check(MPI_Comm_size(comm, &nranks), "MPI_Comm_size");
  if (rank != 0) return;
  std::string text = fmt::format("ingest-supervoxels: dry run, nothing is read or written\n"
                                 "input {} ({}), bounding box {}, {} voxels\n"
                                 "output {}/api/node/{}/{}{}; scales 0..{}\n",
                                 h.describe, dtype_name(h.dtype), h.box, h.box.volume(), s.output.server, s.output.uuid,
                                 s.output.instance, h.will_create ? " (would be created)" : "", h.top_scale);
  // DVID traffic of the bricks still to do, batched exactly as the posting threads batch them.
  uint64_t requests = 0, blocks = 0;
  for (const Pass& p : passes) {
    const mpi::BrickPlan plan = mpi::plan_bricks(scaled_box(h.box, p.source_scale), p.brick_shape, kBlockShape);
    const auto done = mpi::read_journals(s.exec_dir, p.stage, signature(plan, p, h, s));
    std::vector<mpi::Brick> todo;
    for (const mpi::Brick& b : plan.bricks)
      if (!std::binary_search(done.begin(), done.end(), b.id)) todo.push_back(b);
    for (const mpi::Brick& b : todo)
      for (int scale = first_written_scale(p, s.skip_scale0_write); scale <= p.top_scale; ++scale) {
        const Vec3 f = Vec3::fill(int64_t(1) << (scale - p.source_scale));
        const auto in = blocks_in(Box{floor_div(b.box.lo, f), ceil_div(b.box.hi, f)}, scaled_box(h.box, scale));
        blocks += in.size();
        requests += split_batches(in, s.batch_blocks, s.concurrency).size();
      }
    // Per voxel of a brick: the uint64 brick itself, a read buffer (input dtype), the lower scales (1/7).
    const double working = (p.source_scale == 0 ? double(dtype_size(h.dtype)) : 8.0) + 8.0 / 7.0;
    const auto sum = mpi::summarize_plan(plan, todo, nranks, 8, working, /*bricks_held=*/2);
    text += fmt::format("pass {} (stage {}): reads scale {} from {}, writes scales {}..{}{}\n{}\n", &p - passes.data(),
                        p.stage, p.source_scale, p.source_scale == 0 ? "the input" : "DVID",
                        first_written_scale(p, s.skip_scale0_write), p.top_scale,
                        p.first ? " and counts the block statistics" : "", sum.text);
  }
  // Each posting thread holds one 64^3 block (2 MiB) and the request it builds (a batch of gzip'd blocks,
  // at most ~2.4 MiB each for pathological blocks, typically tens of KiB).
  text += fmt::format("posting: {} threads per rank, {} blocks per request, gzip level {}; about {} per rank for "
                      "block buffers (worst case {})",
                      s.concurrency, s.batch_blocks, s.gzip_level, mpi::human_bytes(double(s.concurrency) * (2 << 20)),
                      mpi::human_bytes(double(s.concurrency) * ((2 << 20) + double(s.batch_blocks) * 2.4 * (1 << 20))));
  // 64^3 uint64 labels are 2 MiB; DVID's compressed, gzip'd blocks of real segmentation are far
  // smaller (its four 64^3 fixtures: 8.5 to 29 KiB), which bounds what is sent and stored.
  text += fmt::format("\nDVID: at most {} blocks in about {} POST /ingest-supervoxels requests (all-zero blocks are {}; "
                      "the volume's first and last scale-0 blocks go through POST /blocks); {} of labels before "
                      "encoding, about {} to {} sent and stored at DVID's 8.5-29 KiB per compressed block",
                      blocks, requests, s.write_empty_blocks ? "posted too" : "skipped, so fewer in practice",
                      mpi::human_bytes(double(blocks) * 64 * 64 * 64 * 8), mpi::human_bytes(double(blocks) * 8.5 * 1024),
                      mpi::human_bytes(double(blocks) * 29 * 1024));
  log::info("{}", text);
}

}  // namespace

void ingest_supervoxels(MPI_Comm comm, const Source& source, const IngestSettings& s) {
  int rank = 0, nranks = 1;
  mpi::check(MPI_Comm_rank(comm, &rank), "MPI_Comm_rank");
  mpi::check(MPI_Comm_size(comm, &nranks), "MPI_Comm_size");
  if (s.gzip_level < 1 || s.gzip_level > 12) fail("options.gzip-level {} is not in 1..12", s.gzip_level);
  if (s.stats_file.empty() || fs::path(s.stats_file).filename().empty())
    fail("options.block-statistics-file \"{}\" is not a file name", s.stats_file);
  brick_levels(s.brick_shape);  // validates the shape

  // Before anything is read or created: a committed node refuses every write, and finding that out
  // at the first POST, after a brick was read, wastes the allocation.
  if (rank == 0) {
    dvid::Client client(s.output.server, s.retry);
    nlohmann::json repo;
    try {
      repo = dvid::repo_info(client, s.output.uuid);
    } catch (const Error& e) {
      fail("ingest-supervoxels: checking the output node: {}", e.what());
    }
    bool locked = false;
    const nlohmann::json nodes = repo.value("/DAG/Nodes"_json_pointer, nlohmann::json::object());
    for (const auto& [uuid, node] : nodes.items())
      if (uuid.starts_with(s.output.uuid) && node.value("Locked", false)) locked = true;
    if (locked)
      fail("{}/api/node/{}: the node is committed (locked) and takes no writes; ingest into an open child version "
           "(dvid-setup new-version --uuid {})",
           s.output.server, s.output.uuid, s.output.uuid);
  }
  const std::unique_ptr<VolumeReader> reader = mpi::root_first(comm, source.open);
  const Header h = agree(comm, *reader, source, s, /*create=*/!s.dry_run);
  const std::vector<Pass> passes = plan_passes(h.top_scale, s.brick_shape);
  if (s.dry_run) return dry_run(comm, h, passes, s);
  if (rank == 0)
    log::info("ingest-supervoxels: {} ({}) {} -> {}/api/node/{}/{}, scales 0..{} in {} pass{}", h.describe,
              dtype_name(h.dtype), h.box, s.output.server, s.output.uuid, s.output.instance, h.top_scale, passes.size(),
              passes.size() == 1 ? "" : "es");

  PosterOptions po{s.output.server, s.output.uuid, s.output.instance, s.concurrency, s.retry,
                   s.write_empty_blocks, s.dont_overwrite_identical, s.gzip_level, s.output.throttle};
  BlockPoster poster(po);
  BrickWriter writer(h, s, *reader, poster, compute_threads(comm, s.concurrency));

  const auto t0 = std::chrono::steady_clock::now();
  std::vector<ScaleCounts> totals(kMaxScales);
  stats::BrickTable table;  // the first pass's bricks: ids and row counts (rows stay in their files)
  uint64_t skipped = 0, processed = 0;
  for (const Pass& pass : passes) {
    const mpi::BrickPlan plan = mpi::plan_bricks(scaled_box(h.box, pass.source_scale), pass.brick_shape, kBlockShape);
    mpi::BrickRunOptions opt;
    opt.exec_dir = s.exec_dir;
    opt.stage = pass.stage;
    opt.signature = signature(plan, pass, h, s);
    if (pass.first && rank == 0) stats::forget_bricks_without_rows(plan, s.exec_dir, pass.stage);
    if (rank == 0)
      log::info("{}: scales {}..{} from {} (scale {}), {} bricks of {}", pass.stage,
                first_written_scale(pass, s.skip_scale0_write), pass.top_scale,
                pass.source_scale == 0 ? "the input" : "DVID", pass.source_scale, plan.bricks.size(), pass.brick_shape);
    // The next brick is read while this one is downsampled and posted.
    using Labels = std::shared_ptr<Array3<uint64_t>>;
    mpi::BrickRunResult run = mpi::run_bricks_overlapped<Labels>(
        comm, plan, opt, [&](const mpi::Brick& b) { return writer.read(pass, b); },
        [&](const mpi::Brick& b, Labels arr) { return encode_report(writer.run(pass, b, std::move(arr))); });
    skipped += run.skipped;
    processed += run.processed;
    for (mpi::Blob& blob : run.results) {
      const BrickReport r = decode_report(blob.data);
      for (int i = 0; i < kMaxScales; ++i) totals[size_t(i)] += r.scales[size_t(i)];
      if (pass.first) {
        table.ids.push_back(blob.id);
        table.rows.push_back(r.rows);
      }
      std::vector<std::byte>().swap(blob.data);
    }
    if (pass.first) {
      // Every rank writes its share of the table: all need the (small) per-brick counts.
      mpi::broadcast(comm, table.ids, 0);
      mpi::broadcast(comm, table.rows, 0);
      table.path_of = [dir = s.exec_dir, stage = pass.stage](uint64_t id) { return stats::brick_rows_path(dir, stage, id); };
    }
    // The next pass reads this pass's top scale back from DVID: every rank's posts must be done.
    mpi::check(MPI_Barrier(comm), "MPI_Barrier (between passes)");
  }
  // The block statistics, written by every rank from the brick files ("x.h5" -> x.h5, and x.csv with
  // block-statistics-csv; "x.csv" -> x.csv only, as flyemflows accepts either).
  const fs::path stats_path = s.exec_dir / s.stats_file;
  fs::path csv_path = stats_path;
  csv_path.replace_extension(".csv");
  const bool csv_only = stats_path == csv_path;
  const bool write_csv = csv_only || s.stats_csv;
  const auto t_stats = std::chrono::steady_clock::now();
  const uint64_t rows = stats::write_brick_table(comm, table, csv_only ? fs::path() : stats_path,
                                                 write_csv ? csv_path : fs::path());
  const double stats_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t_stats).count();
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  const Timing& tm = writer.timing();
  log::info("ingest-supervoxels: this rank's main thread: reading {:.2f} s, block statistics {:.2f} s, pyramid {:.2f} s, "
            "waiting for posts {:.2f} s, writing the statistics table {:.2f} s (of {:.2f} s)",
            tm.read, tm.stats, tm.pyramid, tm.wait, stats_seconds, seconds);
  if (rank != 0) return;

  uint64_t blocks = 0, bytes = 0;
  ordered_json scales = ordered_json::array();
  for (int i = 0; i <= h.top_scale; ++i) {
    const ScaleCounts& c = totals[size_t(i)];
    blocks += c.written;
    bytes += c.bytes;
    scales.push_back({{"scale", i}, {"blocks-written", c.written}, {"empty-blocks-skipped", c.empty_skipped},
                      {"identical-blocks-skipped", c.identical_skipped}, {"gzip-bytes", c.bytes}, {"requests", c.requests}});
    log::info("ingest-supervoxels: scale {}: {} blocks written ({}), {} empty skipped, {} identical skipped, {} requests", i,
              c.written, mpi::human_bytes(double(c.bytes)), c.empty_skipped, c.identical_skipped, c.requests);
  }
  // Rates count only this run's work: a resumed run that skipped finished bricks must not claim them.
  const double share = processed + skipped > 0 ? double(processed) / double(processed + skipped) : 0.0;
  const double mvox = double(h.box.volume()) * share / 1e6 / std::max(seconds, 1e-9);
  const double bps = double(blocks) * share / std::max(seconds, 1e-9);
  ordered_json j;
  j["source"] = h.describe;
  j["bounding-box"] = {xyz(h.box.lo), xyz(h.box.hi)};
  j["voxels"] = h.box.volume();
  j["output"] = {{"server", s.output.server}, {"uuid", s.output.uuid}, {"segmentation-name", s.output.instance}};
  j["max-scale"] = h.top_scale;
  j["brick-shape"] = xyz(s.brick_shape);
  j["passes"] = passes.size();
  j["ranks"] = nranks;
  j["bricks-skipped-resume"] = skipped;
  j["bricks-processed"] = processed;
  j["scales"] = std::move(scales);
  j["block-statistics"] = {{"file", s.stats_file}, {"csv", write_csv ? csv_path.filename().string() : ""}, {"rows", rows}};
  j["seconds"] = seconds;
  j["mvox-per-second"] = mvox;
  j["blocks-per-second"] = bps;
  write_text_atomic(s.exec_dir / "ingest-supervoxels.json", j.dump(2) + "\n");
  if (processed == 0) {
    log::info("ingest-supervoxels: done: nothing left to do, all {} bricks were finished by an earlier run; {} blocks "
              "({}) at scales 0..{}; {} block-statistics rows in {}",
              skipped, blocks, mpi::human_bytes(double(bytes)), h.top_scale, rows, stats_path.string());
    return;
  }
  log::info("ingest-supervoxels: done: {} blocks ({}) at scales 0..{} in {:.1f} s on {} rank{}: {:.2f} Mvox/s, {:.0f} blocks/s{}; "
            "{} block-statistics rows in {}",
            blocks, mpi::human_bytes(double(bytes)), h.top_scale, seconds, nranks, nranks == 1 ? "" : "s", mvox, bps,
            skipped ? fmt::format(" (this run's {} of {} bricks; {} were done before)", processed, processed + skipped, skipped) : "",
            rows, stats_path.string());
}

}  // namespace dflow::ingest
