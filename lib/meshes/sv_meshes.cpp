// sv-meshes orchestration: bricks -> pieces on disk -> exchange to owners -> merge, encode, store.
#include "meshes/sv_meshes.hpp"

#include <algorithm>
#include <chrono>
#include <map>
#include <mutex>
#include <optional>
#include <unordered_map>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "core/error.hpp"
#include "core/files.hpp"
#include "core/log.hpp"
#include "dvid/keyvalue.hpp"
#include "dvid/tarsupervoxels.hpp"
#include "labelindex/mapping.hpp"
#include "ingest/brick_ops.hpp"
#include "mesh/marching_cubes.hpp"
#include "meshes/pieces.hpp"
#include "meshes/tar_sink.hpp"
#include "mpi/brick_runner.hpp"
#include "mpi/bricks.hpp"
#include "mpi/exchange.hpp"
#include "mpi/gather.hpp"
#include "mpi/journal.hpp"
#include "mpi/mpi_env.hpp"
#include "mpi/progress.hpp"

namespace dflow::meshes {

namespace {

constexpr const char* kBrickStage = "sv-meshes";
constexpr const char* kUploadStage = "sv-meshes-upload";
constexpr const char* kPieceDir = "sv-meshes-pieces";

struct Header {
  Box box;
  std::string describe;
  std::string extension;
};

std::string format_ext(const SvMeshSettings& s) { return std::string(mesh::format_name(s.mesh.format)); }

// Rank 0 opens the input and checks the output; everybody gets the result.
Header agree(MPI_Comm comm, const VolumeReader& reader, const SvSource& source, const SvMeshSettings& s) {
  int rank = 0;
  mpi::check(MPI_Comm_rank(comm, &rank), "MPI_Comm_rank");
  Header h;
  if (rank == 0) {
    const DType t = reader.dtype();
    h.describe = reader.describe();
    if (t != DType::uint8 && t != DType::uint16 && t != DType::uint32 && t != DType::uint64)
      fail("{}: data type {}: a supervoxel segmentation must be unsigned integers", h.describe, dtype_name(t));
    h.box = source.bounding_box ? source.bounding_box(reader) : reader.bounds();
    h.extension = format_ext(s);
    if (s.keyvalue) {
      dvid::Client client(s.server, s.retry);
      dvid::Keyvalue kv(client, s.uuid, s.instance);
      std::optional<nlohmann::json> info;
      try {
        info = kv.info_if_exists();
      } catch (const Error& e) {
        fail("sv-meshes: output: {}", e.what());
      }
      if (!info) fail("sv-meshes: output: {}: no keyvalue instance \"{}\" in node {}", client.url(kv.path("info")), s.instance, s.uuid);
      const std::string type = info->value("Base", nlohmann::json::object()).value("TypeName", "");
      if (type != "keyvalue") fail("sv-meshes: output: {}: \"{}\" is a {}, not a keyvalue instance", client.url(kv.path("info")), s.instance, type);
    } else if (s.tar_dir.empty()) {
      dvid::Client client(s.server, s.retry);
      dvid::Tarsupervoxels tsv(client, s.uuid, s.instance);
      std::string ext;
      try {
        ext = tsv.extension();
      } catch (const Error& e) {
        fail("sv-meshes: output: {}", e.what());
      }
      if (ext != h.extension)
        fail("sv-meshes: output {}/api/node/{}/{} has Extension \"{}\" but sv-meshes.format is \"{}\" (DVID refuses "
             "other members)",
             s.server, s.uuid, s.instance, ext, h.extension);
    }
  }
  std::vector<uint64_t> wire{uint64_t(h.box.lo.x), uint64_t(h.box.lo.y), uint64_t(h.box.lo.z),
                             uint64_t(h.box.hi.x), uint64_t(h.box.hi.y), uint64_t(h.box.hi.z)};
  mpi::broadcast(comm, wire, 0);
  mpi::broadcast(comm, h.describe, 0);
  mpi::broadcast(comm, h.extension, 0);
  h.box = {{int64_t(wire[0]), int64_t(wire[1]), int64_t(wire[2])}, {int64_t(wire[3]), int64_t(wire[4]), int64_t(wire[5])}};
  return h;
}

std::string brick_signature(const mpi::BrickPlan& plan, const Header& h, const SvMeshSettings& s) {
  // Pieces depend only on the labels (and the mapping applied to them) and the brick grid.
  return fmt::format("{} source={} box={} agglomerate={}", plan.signature(), h.describe, h.box, s.agglomerate.string());
}

std::string upload_signature(const Header& h, const SvMeshSettings& s) {
  const mesh::MeshOptions& m = s.mesh;
  return fmt::format("source={} box={} agglomerate={} target={} format={} smoothing={} decimation={} max-triangles={} voxel-size={},{},{} "
                     "rescale={},{},{}",
                     h.describe, h.box, s.agglomerate.string(),
                     s.tar_dir.empty() ? fmt::format("{}{}/{}/{}", s.keyvalue ? "keyvalue:" : "", s.server, s.uuid, s.instance) : s.tar_dir.string(),
                     h.extension, m.smoothing, m.simplify.fraction, m.simplify.max_triangles, m.voxel_size[0], m.voxel_size[1],
                     m.voxel_size[2], m.rescale[0], m.rescale[1], m.rescale[2]);
}

fs::path piece_path(const fs::path& exec_dir, uint64_t brick) {
  return exec_dir / "bricks" / kPieceDir / fmt::format("{}.pieces", brick);
}

// What a brick reports to rank 0: the bytes of its piece file and, per supervoxel, its voxels in the
// brick and its triangles (before simplification).
struct SvStat {
  uint64_t sv = 0, voxels = 0, triangles = 0;
};
struct BrickStats {
  uint64_t piece_bytes = 0;
  std::vector<SvStat> svs;
};

std::vector<std::byte> encode_stats(const BrickStats& b) {
  std::vector<std::byte> out(16 + b.svs.size() * 24);
  store_le64(out.data(), b.piece_bytes);
  store_le64(out.data() + 8, b.svs.size());
  for (size_t i = 0; i < b.svs.size(); ++i) {
    store_le64(out.data() + 16 + 24 * i, b.svs[i].sv);
    store_le64(out.data() + 24 + 24 * i, b.svs[i].voxels);
    store_le64(out.data() + 32 + 24 * i, b.svs[i].triangles);
  }
  return out;
}

BrickStats decode_stats(std::span<const std::byte> d, uint64_t brick) {
  if (d.size() < 16 || d.size() != 16 + load_le64(d.data() + 8) * 24) fail("sv-meshes: brick {}: corrupt result blob", brick);
  BrickStats b;
  b.piece_bytes = load_le64(d.data());
  b.svs.resize(load_le64(d.data() + 8));
  for (size_t i = 0; i < b.svs.size(); ++i)
    b.svs[i] = {load_le64(d.data() + 16 + 24 * i), load_le64(d.data() + 24 + 24 * i), load_le64(d.data() + 32 + 24 * i)};
  return b;
}

// Phase 1 for one brick: labels with a one-voxel halo -> marching cubes -> piece file.
// A brick's labels with a one-voxel halo (0 outside the volume: surfaces close at its faces).
Array3<uint64_t> read_brick_labels(const VolumeReader& reader, const Header& h, const SvMeshSettings& s, const mpi::Brick& b) {
  const Box halo{b.box.lo - Vec3::fill(1), b.box.hi + Vec3::fill(1)};
  Array3<uint64_t> labels(halo);
  try {
    ingest::read_into(reader, halo.intersect(h.box), labels, s.threads);
  } catch (const std::exception& e) {
    fail("sv-meshes: brick {} {}: reading: {}", b.id, b.box, e.what());
  }
  return labels;
}

// Bytes of one brick's labels with halo.
int64_t brick_label_bytes(const Vec3& brick_shape) { return (brick_shape + Vec3::fill(2)).prod() * 8; }

std::vector<std::byte> mesh_brick(Array3<uint64_t> labels, const Header& h, const SvMeshSettings& s,
                                  const labelindex::Mapping* agglo, const mpi::Brick& b) {
  if (agglo) {  // supervoxels -> bodies; runs of one label are looked up once
    uint64_t last_in = 0, last_out = 0;
    for (uint64_t& v : labels.vec()) {
      if (v == 0) continue;
      if (v != last_in) last_in = v, last_out = agglo->body_of(v);
      v = last_out;
    }
  }
  std::vector<std::pair<uint64_t, mesh::Mesh>> pieces;
  try {
    pieces = mesh::marching_cubes(mesh::BrickLabels{labels.vec(), b.box, h.box});
  } catch (const std::exception& e) {
    fail("sv-meshes: brick {} {}: marching cubes: {}", b.id, b.box, e.what());
  }

  // Voxels per supervoxel inside the brick's own box (runs along x make this cheap).
  std::unordered_map<uint64_t, uint64_t> counts;
  for (int64_t z = b.box.lo.z; z < b.box.hi.z; ++z)
    for (int64_t y = b.box.lo.y; y < b.box.hi.y; ++y) {
      const uint64_t* row = &labels.at({b.box.lo.x, y, z});
      const int64_t n = b.box.shape().x;
      for (int64_t x = 0; x < n;) {
        const uint64_t v = row[x];
        int64_t e = x + 1;
        while (e < n && row[e] == v) ++e;
        if (v) counts[v] += uint64_t(e - x);
        x = e;
      }
    }

  // Every supervoxel with voxels or triangles here gets a piece (possibly without triangles), so its
  // owner learns its full voxel count.
  std::map<uint64_t, Piece> by_sv;
  for (auto& [sv, m] : pieces) {
    Piece& p = by_sv[sv];
    p.sv = sv;
    p.brick = b.id;
    p.mesh = std::move(m);
  }
  for (const auto& [sv, n] : counts) {
    Piece& p = by_sv[sv];
    p.sv = sv;
    p.brick = b.id;
    p.voxels = n;
  }
  std::vector<std::byte> file;
  BrickStats stats;
  for (const auto& [sv, p] : by_sv) {
    append_piece(file, p);
    stats.svs.push_back({sv, p.voxels, p.mesh.num_triangles()});
  }
  stats.piece_bytes = file.size();
  const fs::path path = piece_path(s.exec_dir, b.id);
  fs::create_directories(path.parent_path());
  write_file_durable(path, file);  // before run_bricks journals the brick
  return encode_stats(stats);
}

// Reading the next brick while meshing the current one holds two bricks of labels (and the working
// memory of one): only when that fits the budget.
bool read_ahead_fits(const SvMeshSettings& s) {
  return 2 * brick_label_bytes(s.brick_shape) + (s.brick_shape + Vec3::fill(2)).prod() * 8 <= int64_t(s.memory_bytes);
}

void dry_run(MPI_Comm comm, const Header& h, const mpi::BrickPlan& plan, const SvMeshSettings& s) {
  int rank = 0, nranks = 1;
  mpi::check(MPI_Comm_rank(comm, &rank), "MPI_Comm_rank");
  mpi::check(MPI_Comm_size(comm, &nranks), "MPI_Comm_size");
  if (rank != 0) return;
  const auto done = mpi::read_journals(s.exec_dir, kBrickStage, brick_signature(plan, h, s));
  std::vector<mpi::Brick> todo;
  for (const mpi::Brick& b : plan.bricks)
    if (!std::binary_search(done.begin(), done.end(), b.id)) todo.push_back(b);
  // Per voxel of a brick: the uint64 labels with halo (8), the read buffer, the marching-cubes output.
  const bool ahead = read_ahead_fits(s);
  const auto sum = mpi::summarize_plan(plan, todo, nranks, 8, 8.0, ahead ? 2 : 1);
  const auto uploaded = mpi::read_journals(s.exec_dir, kUploadStage, upload_signature(h, s));
  log::info("sv-meshes: dry run, nothing is read or written\n"
            "input {} {}, {} voxels\noutput {} (format {}, tars of at most {})\n"
            "meshing: smoothing {}, decimation {}, max-triangles {}, voxel-size [{},{},{}], rescale {}\n{}\n"
            "supervoxel meshes already stored by an earlier run: {}\n"
            "exchange: pieces move to their owner rank in rounds of at most {} per rank",
            h.describe, h.box, h.box.volume(), s.tar_dir.empty() ? fmt::format("{}/api/node/{}/{}", s.server, s.uuid, s.instance) : s.tar_dir.string(),
            h.extension, mpi::human_bytes(double(s.tar_bytes)), s.mesh.smoothing, s.mesh.simplify.fraction,
            s.mesh.simplify.max_triangles, s.mesh.voxel_size[0], s.mesh.voxel_size[1], s.mesh.voxel_size[2], s.mesh.rescale[0],
            sum.text, uploaded.size(), mpi::human_bytes(double(s.memory_bytes)));
  log::info("sv-meshes: {}", ahead ? fmt::format("each rank reads its next brick while it meshes the current one (2 x {} of "
                                                 "labels, within memory-per-rank-mib {})",
                                                 mpi::human_bytes(double(brick_label_bytes(s.brick_shape))),
                                                 mpi::human_bytes(double(s.memory_bytes)))
                                     : std::string("no read-ahead: two bricks of labels and their working memory exceed "
                                                   "memory-per-rank-mib"));
}

}  // namespace

void sv_meshes(MPI_Comm comm, const SvSource& source, const SvMeshSettings& s) {
  int rank = 0, nranks = 1;
  mpi::check(MPI_Comm_rank(comm, &rank), "MPI_Comm_rank");
  mpi::check(MPI_Comm_size(comm, &nranks), "MPI_Comm_size");
  const std::unique_ptr<VolumeReader> reader = mpi::root_first(comm, source.open);
  const Header h = agree(comm, *reader, source, s);
  const mpi::BrickPlan plan = mpi::plan_bricks(h.box, s.brick_shape, Vec3::fill(1));
  if (s.dry_run) return dry_run(comm, h, plan, s);
  const auto t0 = std::chrono::steady_clock::now();
  if (rank == 0)
    log::info("sv-meshes: {} {} -> {} ({}), {} bricks of {} on {} rank{}", h.describe, h.box,
              s.tar_dir.empty() ? fmt::format("{}/api/node/{}/{}", s.server, s.uuid, s.instance) : s.tar_dir.string(),
              h.extension, plan.bricks.size(), s.brick_shape, nranks, nranks == 1 ? "" : "s");

  // 1. Bricks -> pieces.
  mpi::BrickRunOptions opt;
  opt.exec_dir = s.exec_dir;
  opt.stage = kBrickStage;
  opt.signature = brick_signature(plan, h, s);
  std::optional<labelindex::Mapping> agglo;
  if (!s.agglomerate.empty()) agglo = mpi::root_first(comm, [&] { return labelindex::load_mapping(s.agglomerate); });
  // One read at a time (a DVID labelmap source holds one connection).
  std::mutex read_mu;
  const std::function<Array3<uint64_t>(const mpi::Brick&)> read = [&](const mpi::Brick& b) {
    const std::lock_guard lock(read_mu);
    return read_brick_labels(*reader, h, s, b);
  };
  const std::function<std::vector<std::byte>(const mpi::Brick&, Array3<uint64_t>)> mesh =
      [&](const mpi::Brick& b, Array3<uint64_t> labels) { return mesh_brick(std::move(labels), h, s, agglo ? &*agglo : nullptr, b); };
  mpi::BrickRunResult run = read_ahead_fits(s) ? mpi::run_bricks_overlapped<Array3<uint64_t>>(comm, plan, opt, read, mesh)
                                               : mpi::run_bricks(comm, plan, opt, [&](const mpi::Brick& b) { return mesh(b, read(b)); });

  // Rank 0 totals every supervoxel's voxels and triangles, and sizes the exchange.
  mpi::Journal uploaded(comm, s.exec_dir, kUploadStage, upload_signature(h, s));
  std::vector<uint64_t> plan_numbers(4, 0);  // rounds, supervoxels to mesh, their voxels, all supervoxels
  std::map<uint64_t, std::pair<uint64_t, uint64_t>> all_svs;  // rank 0: sv -> (voxels, triangles)
  if (rank == 0) {
    uint64_t piece_bytes = 0;
    for (const mpi::Blob& blob : run.results) {
      const BrickStats b = decode_stats(blob.data, blob.id);
      piece_bytes += b.piece_bytes;
      for (const SvStat& st : b.svs) {
        auto& t = all_svs[st.sv];
        t.first += st.voxels;
        t.second += st.triangles;
      }
    }
    // Received pieces and their parsed copies: about twice a rank's share.
    plan_numbers[0] = std::max<uint64_t>(1, (2 * piece_bytes / uint64_t(nranks) + s.memory_bytes - 1) / s.memory_bytes);
    for (const auto& [sv, t] : all_svs)
      if (!uploaded.is_done(sv)) {
        ++plan_numbers[1];
        plan_numbers[2] += t.first;
      }
    plan_numbers[3] = all_svs.size();
    log::info("sv-meshes: {} supervoxels, {} of piece data; {} meshes to build ({} stored by an earlier run), "
              "exchange in {} round{}",
              all_svs.size(), mpi::human_bytes(double(piece_bytes)), plan_numbers[1], all_svs.size() - plan_numbers[1],
              plan_numbers[0], plan_numbers[0] == 1 ? "" : "s");
  }
  mpi::broadcast(comm, plan_numbers, 0);
  const uint64_t rounds = plan_numbers[0];

  // 2 + 3. Exchange to owners, merge, encode, store.
  const std::vector<uint64_t> my_bricks = mpi::assign_bricks(plan.bricks, rank, nranks);
  TarTarget target{s.server, s.uuid, s.instance, s.tar_dir, s.keyvalue, s.retry};
  TarSink sink(target, h.extension, s.tar_bytes, uploaded);
  mpi::GlobalProgress progress(comm, plan_numbers[1], plan_numbers[2], "sv-meshes: meshes", 10.0, 20, "supervoxels");
  double build_seconds = 0;
  for (uint64_t round = 0; round < rounds; ++round) {
    std::vector<std::vector<std::byte>> send(static_cast<size_t>(nranks));
    for (uint64_t id : my_bricks) {
      const fs::path path = piece_path(s.exec_dir, id);
      for (Piece& p : parse_pieces(read_file(path), path.string()))
        if (exchange_round(p.sv, rounds) == round && !uploaded.is_done(p.sv)) append_piece(send[size_t(owner_rank(p.sv, nranks))], p);
    }
    std::vector<std::vector<std::byte>> recv = mpi::alltoallv_bytes(comm, send);
    std::vector<std::vector<std::byte>>().swap(send);
    std::map<uint64_t, std::vector<Piece>> by_sv;
    for (size_t src = 0; src < recv.size(); ++src) {
      for (Piece& p : parse_pieces(recv[src], fmt::format("pieces from rank {}", src))) by_sv[p.sv].push_back(std::move(p));
      std::vector<std::byte>().swap(recv[src]);
    }
    std::vector<uint64_t> svs;
    svs.reserve(by_sv.size());
    for (auto& [sv, ps] : by_sv) {
      std::sort(ps.begin(), ps.end(), [](const Piece& a, const Piece& b) { return a.brick < b.brick; });
      svs.push_back(sv);
    }
    // Build in chunks on `threads` threads; the sink stores the previous chunk's tar meanwhile.
    const size_t chunk = size_t(std::max(1, s.threads)) * 16;
    for (size_t begin = 0; begin < svs.size(); begin += chunk) {
      const size_t end = std::min(svs.size(), begin + chunk);
      std::vector<std::string> out(end - begin);
      const auto tb = std::chrono::steady_clock::now();
      ingest::parallel_for(end - begin, s.threads, [&](size_t i) {
        std::vector<Piece>& ps = by_sv[svs[begin + i]];
        std::vector<mesh::Mesh> meshes;
        meshes.reserve(ps.size());
        for (Piece& p : ps) meshes.push_back(std::move(p.mesh));
        try {
          out[i] = mesh::build_mesh(std::move(meshes), s.mesh);
        } catch (const std::exception& e) {
          fail("sv-meshes: supervoxel {}: building its mesh: {}", svs[begin + i], e.what());
        }
      });
      build_seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - tb).count();
      for (size_t i = begin; i < end; ++i) {
        uint64_t voxels = 0;
        for (const Piece& p : by_sv[svs[i]]) voxels += p.voxels;
        sink.add(svs[i], out[i - begin]);
        progress.brick_done(voxels);
        by_sv.erase(svs[i]);
      }
    }
  }
  sink.finish();
  progress.finish();

  const SinkCounts& c = sink.counts();
  std::vector<uint64_t> totals{c.tars, c.meshes, c.bytes, c.empty_meshes};
  mpi::reduce_sum(comm, totals, 0);
  // The slowest rank's time per phase (milliseconds), for the summary and bench/bench_sv_meshes.py.
  const uint64_t build_ms_max = mpi::allreduce_max(comm, uint64_t(build_seconds * 1000));
  const uint64_t store_ms_max = mpi::allreduce_max(comm, uint64_t(c.store_seconds * 1000));
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  log::info("sv-meshes: this rank built {} meshes in {:.2f} s on {} threads; storing its {} tars took {:.2f} s", c.meshes, build_seconds,
            s.threads, c.tars, c.store_seconds);
  if (rank != 0) return;

  // What DVID holds now: GET /exists for every supervoxel (batches of 10,000, as neuclease asks).
  uint64_t held = 0;
  if (s.tar_dir.empty() && !s.keyvalue) {
    dvid::Client client(s.server, s.retry);
    dvid::Tarsupervoxels tsv(client, s.uuid, s.instance);
    std::vector<uint64_t> batch, absent;
    auto ask = [&] {
      const std::vector<bool> e = tsv.exists(batch);
      for (size_t i = 0; i < batch.size(); ++i) e[i] ? void(++held) : absent.push_back(batch[i]);
      batch.clear();
    };
    for (const auto& [sv, t] : all_svs) {
      batch.push_back(sv);
      if (batch.size() == 10000) ask();
    }
    if (!batch.empty()) ask();
    if (!absent.empty())
      fail("sv-meshes: {}/api/node/{}/{}/exists: {} of {} supervoxels have no mesh after the upload (first: {})", s.server, s.uuid,
           s.instance, absent.size(), all_svs.size(), absent.front());
    log::info("sv-meshes: DVID holds a mesh for each of the {} supervoxels (GET /exists)", held);
  }

  // Per-supervoxel table (voxels, triangles before simplification) and the run summary.
  std::string csv = s.agglomerate.empty() ? "sv,voxels,triangles\n" : "body,voxels,triangles\n";
  for (const auto& [sv, t] : all_svs) csv += fmt::format("{},{},{}\n", sv, t.first, t.second);
  write_text_atomic(s.exec_dir / "sv-meshes-supervoxels.csv", csv);
  nlohmann::ordered_json j;
  j["source"] = h.describe;
  j["bounding-box"] = {{h.box.lo.x, h.box.lo.y, h.box.lo.z}, {h.box.hi.x, h.box.hi.y, h.box.hi.z}};
  j["output"] = target.describe();
  j["format"] = h.extension;
  j["ranks"] = nranks;
  j["bricks"] = plan.bricks.size();
  j["bricks-skipped-resume"] = run.skipped;
  j["supervoxels"] = plan_numbers[3];
  j["meshes-stored-this-run"] = totals[1];
  j["meshes-stored-earlier"] = plan_numbers[3] - plan_numbers[1];
  j["empty-meshes"] = totals[3];
  j["tars"] = totals[0];
  j["mesh-bytes"] = totals[2];
  j["exchange-rounds"] = rounds;
  if (s.tar_dir.empty() && !s.keyvalue) j["meshes-in-dvid"] = held;
  j["build-seconds-slowest-rank"] = double(build_ms_max) / 1000;
  j["store-seconds-slowest-rank"] = double(store_ms_max) / 1000;
  j["seconds"] = seconds;
  write_text_atomic(s.exec_dir / "sv-meshes.json", j.dump(2) + "\n");
  log::info("sv-meshes: done: {} {} meshes ({}) in {} {}{} to {} in {:.1f} s on {} rank{} ({} stored earlier)", totals[1],
            s.agglomerate.empty() ? "supervoxel" : "body", mpi::human_bytes(double(totals[2])), totals[0],
            s.keyvalue ? "POST /keyvalues" : "tar", totals[0] == 1 ? "" : "s", target.describe(), seconds, nranks,
            nranks == 1 ? "" : "s", plan_numbers[3] - plan_numbers[1]);
}

}  // namespace dflow::meshes
