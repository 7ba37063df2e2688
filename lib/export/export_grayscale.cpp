// export-grayscale orchestration: plan the passes, prepare the output, run each pass's bricks,
// summarize on rank 0.
#include "export/export_grayscale.hpp"

#include <chrono>
#include <functional>
#include <mutex>

#include <sys/resource.h>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "core/error.hpp"
#include "core/files.hpp"
#include "core/log.hpp"
#include "export/pyramid_plan.hpp"
#include "io/precomputed/metadata.hpp"
#include "kvstore/stores.hpp"
#include "mpi/brick_runner.hpp"
#include "mpi/gather.hpp"
#include "mpi/journal.hpp"
#include "mpi/mpi_env.hpp"

namespace dflow::exporter {

namespace {

namespace fs = std::filesystem;
using nlohmann::ordered_json;

constexpr const char* kStage = "export-grayscale";
constexpr const char* kStagingDir = "export-grayscale-staging";

ordered_json xyz(const Vec3& v) { return ordered_json::array({v.x, v.y, v.z}); }
ordered_json box_json(const Box& b) { return ordered_json::array({xyz(b.lo), xyz(b.hi)}); }

std::vector<Box> write_boxes(const LevelSink& sink, int max_scale) {
  std::vector<Box> boxes;
  for (int s = 0; s <= max_scale; ++s) boxes.push_back(sink.grid(s).write_box);
  return boxes;
}

// The raw precomputed copy of the levels later passes start from, for outputs that do not read back
// exactly. Its scale boxes are the output's write boxes, so its chunks nest in the output's bricks.
std::unique_ptr<PrecomputedSink> make_staging(const LevelSink& sink, const ExportSettings& settings) {
  PrecomputedOutput o;
  o.encoding = precomputed::Encoding::raw;
  o.chunk_size = std::holds_alternative<PrecomputedOutput>(settings.output)
                     ? std::get<PrecomputedOutput>(settings.output).chunk_size
                     : Vec3::fill(64);
  return std::make_unique<PrecomputedSink>(std::make_shared<kv::FileStore>(settings.exec_dir / kStagingDir),
                                           make_info(write_boxes(sink, settings.max_scale), o));
}

// Reads `read_box` (inside level.box()) and zeros the rest. Edge bricks are read in z-slabs of the
// reader's chunk depth so the temporary buffer stays small.
void read_brick(const VolumeReader& reader, const Box& read_box, LevelBuffer& level, std::vector<std::byte>& slab) {
  if (read_box == level.box()) {
    reader.read(read_box, std::as_writable_bytes(std::span(level.data(), level.size())));
    return;
  }
  level.zero_outside(read_box);
  const int64_t cz = std::max<int64_t>(1, reader.chunk_shape().z);
  for (int64_t z = read_box.lo.z; z < read_box.hi.z;) {
    const int64_t z1 = std::min(read_box.hi.z, (floor_div(z, cz) + 1) * cz);
    const Box piece{{read_box.lo.x, read_box.lo.y, z}, {read_box.hi.x, read_box.hi.y, z1}};
    slab.resize(size_t(piece.volume()));
    reader.read(piece, slab);
    copy_region(reinterpret_cast<const uint8_t*>(slab.data()), piece, level.data(), level.box(), piece);
    z = z1;
  }
}

// Seconds this rank spent in each phase of a pass (summed over ranks on rank 0 for the log).
struct PhaseTimes {
  double read = 0, downsample = 0, encode = 0, store = 0;
};

struct ScaleTotals {
  uint64_t objects = 0, bytes = 0;
};

std::vector<std::byte> encode_stats(const std::vector<std::pair<int, LevelStats>>& stats) {
  std::vector<std::byte> out(stats.size() * 24);
  std::byte* p = out.data();
  for (const auto& [s, st] : stats) {
    store_le64(p, uint64_t(s));
    store_le64(p + 8, st.objects);
    store_le64(p + 16, st.bytes);
    p += 24;
  }
  return out;
}

void add_stats(std::span<const std::byte> blob, std::vector<ScaleTotals>& totals) {
  if (blob.size() % 24) fail("{}: brick result of {} bytes is not a multiple of 24", kStage, blob.size());
  for (size_t i = 0; i < blob.size(); i += 24) {
    const uint64_t s = load_le64(blob.data() + i);
    if (s >= totals.size()) fail("{}: brick result names scale {}", kStage, s);
    totals[s].objects += load_le64(blob.data() + i + 8);
    totals[s].bytes += load_le64(blob.data() + i + 16);
  }
}

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

// User + system CPU seconds of this process (benchmarks on a shared machine compare these).
double cpu_seconds() {
  rusage u{};
  ::getrusage(RUSAGE_SELF, &u);
  return double(u.ru_utime.tv_sec + u.ru_stime.tv_sec) + 1e-6 * double(u.ru_utime.tv_usec + u.ru_stime.tv_usec);
}

int64_t peak_memory(const std::vector<PyramidPass>& passes) {
  int64_t peak = 0;
  for (const PyramidPass& p : passes) peak = std::max(peak, p.memory_bytes);
  return peak;
}

// The output's sink and the passes, within memory-per-rank-mib. A pass holds at least one whole
// output unit per brick (a chunk, a DVID block, or a shard with its encoded chunks), so a budget
// below that cannot be met: with shard-bytes -1 the shards are made smaller (halving the target,
// down to one chunk per shard) until the plan fits; otherwise, or if even that does not fit, one
// line names the smallest budget that does.
std::pair<std::unique_ptr<LevelSink>, std::vector<PyramidPass>> plan_within_budget(const ExportSettings& settings,
                                                                                   const Box& box0, int64_t chunk_depth) {
  ExportSettings s = settings;
  while (true) {
    std::unique_ptr<LevelSink> sink = make_sink(s, box0);
    PlanInputs in;
    in.box0 = box0;
    in.max_scale = s.max_scale;
    in.grid = [&](int scale) { return sink->grid(scale); };
    in.memory_budget = s.memory_budget;
    in.input_chunk_depth = chunk_depth;
    in.holds_encoded_level = sink->holds_encoded_level();
    std::vector<PyramidPass> passes = plan_pyramid(in);
    const int64_t peak = peak_memory(passes);
    if (peak <= s.memory_budget) return {std::move(sink), std::move(passes)};
    auto* o = std::get_if<PrecomputedOutput>(&s.output);
    if (o && o->sharded && o->shard_bytes_from_budget && o->shard_bytes > o->chunk_size.prod()) {
      o->shard_bytes /= 2;
      continue;
    }
    const auto worst = std::max_element(passes.begin(), passes.end(),
                                        [](const auto& a, const auto& b) { return a.memory_bytes < b.memory_bytes; });
    const int64_t need_mib = (peak + (int64_t{1} << 20) - 1) >> 20;
    const bool explicit_shards = o && o->sharded && !o->shard_bytes_from_budget;
    fail("{}: memory-per-rank-mib {} is below what one brick of this output needs: bricks of {} voxels (whole {}) "
         "at scale {} take ~{} MiB per rank; set export-grayscale.memory-per-rank-mib to at least {}{}",
         kStage, s.memory_budget >> 20, worst->plan.brick_shape,
         o && o->sharded ? "shards" : o ? "chunks" : "64^3 blocks", worst->base, need_mib, need_mib,
         explicit_shards ? " or lower output.precomputed.shard-bytes" : o && !o->sharded ? " or use a smaller chunk-size" : "");
  }
}

}  // namespace

std::unique_ptr<LevelSink> make_sink(const ExportSettings& settings, const Box& box0) {
  if (const auto* p = std::get_if<PrecomputedOutput>(&settings.output)) {
    std::vector<Box> boxes;
    for (int s = 0; s <= settings.max_scale; ++s) boxes.push_back(scale_box(box0, s));
    return std::make_unique<PrecomputedSink>(kv::open_kvstore(p->path, p->bucket),
                                             make_info(boxes, *p));
  }
  return std::make_unique<DvidSink>(std::get<DvidOutput>(settings.output), box0, settings.max_scale);
}

std::string export_grayscale(MPI_Comm comm, const ExportSource& source, const ExportSettings& settings) {
  const auto t_start = std::chrono::steady_clock::now();
  const double cpu_start = cpu_seconds();
  int rank = 0, nranks = 1;
  mpi::check(MPI_Comm_rank(comm, &rank), "MPI_Comm_rank");
  mpi::check(MPI_Comm_size(comm, &nranks), "MPI_Comm_size");

  // Rank 0 opens and checks the input first: a bad input gives one error line.
  Box box0;
  const std::unique_ptr<VolumeReader> reader = mpi::root_first(comm, [&] {
    auto r = source.open();
    if (r->dtype() != DType::uint8)
      fail("{}: data type is {}; export-grayscale needs uint8 grayscale", r->describe(), dtype_name(r->dtype()));
    box0 = source.bounding_box ? source.bounding_box(*r) : r->bounds();
    return r;
  });
  // Every rank must plan the same passes: take rank 0's box.
  std::vector<uint64_t> wire{uint64_t(box0.lo.x), uint64_t(box0.lo.y), uint64_t(box0.lo.z),
                             uint64_t(box0.hi.x), uint64_t(box0.hi.y), uint64_t(box0.hi.z)};
  mpi::broadcast(comm, wire, 0);
  box0 = {{int64_t(wire[0]), int64_t(wire[1]), int64_t(wire[2])}, {int64_t(wire[3]), int64_t(wire[4]), int64_t(wire[5])}};

  // Rank 0 first: a budget too small for this output is reported once.
  auto [sink, passes] = mpi::root_first(comm, [&] { return plan_within_budget(settings, box0, reader->chunk_shape().z); });
  const bool staged = passes.size() > 1 && !sink->reads_back_exactly();
  std::unique_ptr<PrecomputedSink> staging = staged ? make_staging(*sink, settings) : nullptr;

  const int64_t peak = peak_memory(passes);
  if (rank == 0) {
    std::string text = fmt::format("{}: {} -> {}\n  box {} ({} voxels), scales 0..{}, {} pass(es){}", kStage,
                                   reader->describe(), sink->describe(), box0, box0.volume(), settings.max_scale,
                                   passes.size(), staged ? fmt::format(", staging {}", (settings.exec_dir / kStagingDir).string()) : "");
    for (size_t k = 0; k < passes.size(); ++k) text += fmt::format("\n  pass {}: {}", k, describe(passes[k], nranks));
    text += fmt::format("\n  estimated memory per rank: {} (budget {})", mpi::human_bytes(double(peak)),
                        mpi::human_bytes(double(settings.memory_budget)));
    // Output sizes: every scale's written box in the output's units (chunks, shards or DVID blocks);
    // JPEG shrinks the raw bytes by a data-dependent factor.
    for (int scale = 0; scale <= settings.max_scale; ++scale) {
      const LevelGrid g = sink->grid(scale);
      const Box units{floor_div(g.write_box.lo - g.origin, g.unit), ceil_div(g.write_box.hi - g.origin, g.unit)};
      text += fmt::format("\n  output scale {}: {} voxels, {} units of {} ({} raw)", scale, g.write_box, units.volume(),
                          g.unit, mpi::human_bytes(double(g.write_box.volume())));
    }
    log::info("{}{}", settings.dry_run ? "dry run, nothing is read or written\n" : "", text);
  }
  if (settings.dry_run) return {};

  // Rank 0 creates or checks the output; the others wait (a failure aborts them all).
  if (rank == 0) {
    sink->prepare();
    if (staging) staging->prepare();
  }
  mpi::check(MPI_Barrier(comm), "MPI_Barrier (prepare)");

  std::vector<ScaleTotals> totals(size_t(settings.max_scale) + 1);
  ordered_json pass_json = ordered_json::array();
  std::vector<std::byte> slab;
  for (size_t k = 0; k < passes.size(); ++k) {
    const PyramidPass& pass = passes[k];
    const auto t_pass = std::chrono::steady_clock::now();
    std::unique_ptr<VolumeReader> level_reader;
    if (pass.base > 0) level_reader = staged ? staging->open_level(pass.base) : sink->open_level(pass.base);
    const VolumeReader& in_reader = pass.base == 0 ? *reader : *level_reader;
    const bool stage_top = staged && k + 1 < passes.size();

    mpi::BrickRunOptions opt;
    opt.exec_dir = settings.exec_dir;
    opt.stage = fmt::format("{}.pass{}", kStage, k);
    opt.signature = fmt::format("{} base={} scales={}..{} source={} box={} {}", pass.plan.signature(), pass.base,
                                pass.first, pass.last, pass.base == 0 ? reader->describe() : "level", box0, sink->signature());
    PhaseTimes times;
    // levels[i] holds scale base + i of the current brick; reused from brick to brick.
    std::vector<LevelBuffer> levels(size_t(pass.last - pass.base) + 1);
    // One read at a time (a DVID level reader holds one connection), on the read-ahead thread while
    // the previous brick is downsampled, encoded and stored when the budget has room for two bricks.
    std::mutex read_mu;
    const std::function<LevelBuffer(const mpi::Brick&)> read = [&](const mpi::Brick& b) {
      const std::lock_guard lock(read_mu);
      const auto t = std::chrono::steady_clock::now();
      LevelBuffer level;
      level.reset(pass.logical_at(b, pass.base));
      read_brick(in_reader, pass.read_box(b), level, slab);
      times.read += seconds_since(t);
      return level;
    };
    const std::function<std::vector<std::byte>(const mpi::Brick&, LevelBuffer)> process = [&](const mpi::Brick&, LevelBuffer level0) {
      levels[0] = std::move(level0);
      auto t = std::chrono::steady_clock::now();
      auto lap = [&t](double& acc) {
        const auto now = std::chrono::steady_clock::now();
        acc += std::chrono::duration<double>(now - t).count();
        t = now;
      };
      std::vector<std::pair<int, LevelStats>> stats;
      for (int s = pass.base; s <= pass.last; ++s) {
        const LevelView level = levels[size_t(s - pass.base)].view();
        if (s >= pass.first) {
          const LevelStats st = sink->write(s, level);
          times.encode += st.encode_seconds;
          times.store += st.store_seconds;
          stats.emplace_back(s, st);
        }
        if (s == pass.last && stage_top) {
          const LevelStats st = staging->write(s, level);
          times.encode += st.encode_seconds;
          times.store += st.store_seconds;
        }
        t = std::chrono::steady_clock::now();
        if (s < pass.last) block_mean_2x(level, levels[size_t(s - pass.base) + 1]);
        lap(times.downsample);
      }
      return encode_stats(stats);
    };
    mpi::BrickRunResult run = pass.read_ahead
                                  ? mpi::run_bricks_overlapped<LevelBuffer>(comm, pass.plan, opt, read, process)
                                  : mpi::run_bricks(comm, pass.plan, opt, [&](const mpi::Brick& b) { return process(b, read(b)); });
    // The next pass reads what this one wrote: every rank's writes must be complete first.
    mpi::check(MPI_Barrier(comm), "MPI_Barrier (end of pass)");
    std::vector<uint64_t> ns{uint64_t(times.read * 1e9), uint64_t(times.downsample * 1e9), uint64_t(times.encode * 1e9),
                             uint64_t(times.store * 1e9)};
    mpi::reduce_sum(comm, ns, 0);
    if (rank == 0) {
      for (const mpi::Blob& r : run.results) add_stats(r.data, totals);
      const double secs = seconds_since(t_pass);
      log::info("{}: pass {} (scales {}..{}) done in {:.2f} s: {} bricks, {} skipped as already done; "
                "rank-seconds: read {:.2f}, downsample {:.2f}, encode {:.2f}, store {:.2f}",
                kStage, k, pass.first, pass.last, secs, run.processed, run.skipped, double(ns[0]) * 1e-9,
                double(ns[1]) * 1e-9, double(ns[2]) * 1e-9, double(ns[3]) * 1e-9);
      pass_json.push_back({{"base", pass.base},
                           {"scales", {pass.first, pass.last}},
                           {"brick-shape", xyz(pass.plan.brick_shape)},
                           {"bricks", pass.plan.bricks.size()},
                           {"processed", run.processed},
                           {"skipped", run.skipped},
                           {"seconds", secs},
                           {"rank-seconds", {{"read", double(ns[0]) * 1e-9}, {"downsample", double(ns[1]) * 1e-9},
                                             {"encode", double(ns[2]) * 1e-9}, {"store", double(ns[3]) * 1e-9}}}});
    }
  }
  if (rank != 0) return {};

  if (staged) {
    std::error_code ec;
    fs::remove_all(settings.exec_dir / kStagingDir, ec);
  }
  ordered_json j;
  j["source"] = reader->describe();
  j["output"] = sink->describe();
  j["bounding-box"] = box_json(box0);
  j["max-pyramid-scale"] = settings.max_scale;
  j["ranks"] = nranks;
  ordered_json scales = ordered_json::array();
  uint64_t total_bytes = 0;
  for (int s = 0; s <= settings.max_scale; ++s) {
    const Box b = scale_box(box0, s);
    scales.push_back({{"scale", s},
                      {"box", box_json(b)},
                      {"voxels", b.volume()},
                      {"objects", totals[size_t(s)].objects},
                      {"bytes", totals[size_t(s)].bytes}});
    total_bytes += totals[size_t(s)].bytes;
  }
  j["scales"] = std::move(scales);
  j["passes"] = std::move(pass_json);
  j["estimated-memory-per-rank"] = peak;
  j["seconds"] = seconds_since(t_start);
  j["cpu-seconds-rank0"] = cpu_seconds() - cpu_start;
  const std::string json = j.dump(2) + "\n";
  write_text_atomic(settings.exec_dir / "export-grayscale.json", json);
  log::info("{}: done in {:.2f} s: {} voxels at scale 0, {} written; summary in {}", kStage, seconds_since(t_start),
            box0.volume(), mpi::human_bytes(double(total_bytes)), (settings.exec_dir / "export-grayscale.json").string());
  return json;
}

}  // namespace dflow::exporter
