// body-meshes: tarfile per body -> concatenate -> simplify -> ngmesh/drc -> keyvalue.
#include "meshes/body_meshes.hpp"

#include <algorithm>
#include <chrono>
#include <map>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "core/error.hpp"
#include "core/files.hpp"
#include "core/log.hpp"
#include "dvid/keyvalue.hpp"
#include "dvid/tarsupervoxels.hpp"
#include "ingest/brick_ops.hpp"
#include "mesh/mesh.hpp"
#include "meshes/pieces.hpp"
#include "mpi/bricks.hpp"
#include "mpi/gather.hpp"
#include "mpi/journal.hpp"
#include "mpi/mpi_env.hpp"
#include "mpi/progress.hpp"

namespace dflow::meshes {

namespace {

constexpr const char* kStage = "body-meshes";

std::string signature(const BodyMeshSettings& s) {
  return fmt::format("{}/{} {}->{} format={} sv-format={} decimation={} max-triangles={} rescale={},{},{}", s.server, s.uuid,
                     s.sv_instance, s.kv_instance, mesh::format_name(s.format), mesh::format_name(s.sv_format),
                     s.simplify.fraction, s.simplify.max_triangles, s.rescale[0], s.rescale[1], s.rescale[2]);
}

// Rank 0: both instances exist with the right types; a wrong sv-format would make every member undecodable.
void check_instances(const BodyMeshSettings& s) {
  dvid::Client client(s.server, s.retry);
  dvid::Tarsupervoxels tsv(client, s.uuid, s.sv_instance);
  std::string ext;
  try {
    ext = tsv.extension();
  } catch (const Error& e) {
    fail("body-meshes: supervoxel meshes: {}", e.what());
  }
  if (ext != mesh::format_name(s.sv_format))
    fail("body-meshes: {}/api/node/{}/{} holds .{} meshes but body-meshes.sv-format is {}", s.server, s.uuid, s.sv_instance, ext,
         mesh::format_name(s.sv_format));
  dvid::Keyvalue kv(client, s.uuid, s.kv_instance);
  const auto info = kv.info_if_exists();
  if (!info)
    fail("body-meshes: {}: no keyvalue instance \"{}\" in node {} (dvid-setup creates <labelmap>_meshes)", client.url(kv.path("info")),
         s.kv_instance, s.uuid);
  const std::string type = info->value("Base", nlohmann::json::object()).value("TypeName", "");
  if (type != "keyvalue") fail("body-meshes: {}: \"{}\" is a {}, not a keyvalue instance", client.url(kv.path("info")), s.kv_instance, type);
}

struct BodyResult {
  std::string bytes;
  uint64_t svs = 0, missing = 0, triangles_in = 0, triangles_out = 0;
};

BodyResult build_body(const BodyMeshSettings& s, uint64_t body) {
  dvid::Client client(s.server, s.retry);
  dvid::Tarsupervoxels tsv(client, s.uuid, s.sv_instance);
  std::vector<uint64_t> missing;
  std::map<uint64_t, std::string> members;
  try {
    members = tsv.tarfile_members(body, &missing);
  } catch (const Error& e) {
    fail("body-meshes: body {}: {}", body, e.what());
  }
  std::vector<mesh::Mesh> parts;
  BodyResult r;
  r.svs = members.size() + missing.size();
  r.missing = missing.size();
  for (const auto& [sv, bytes] : members) {  // supervoxel order: the same body mesh on any rank count
    if (bytes.empty()) continue;            // a supervoxel without surface (vol2mesh's 0-byte mesh)
    parts.push_back(mesh::decode(bytes, s.sv_format, fmt::format("body {}: supervoxel {}", body, sv)));
  }
  mesh::Mesh m = mesh::concatenate(parts);
  r.triangles_in = m.num_triangles();
  mesh::simplify(m, s.simplify);
  m.scale(s.rescale);
  r.triangles_out = m.num_triangles();
  r.bytes = mesh::encode(m, s.format);
  return r;
}

}  // namespace

std::string body_mesh_key(uint64_t body, mesh::Format f) { return fmt::format("{}.{}", body, mesh::format_name(f)); }

void body_meshes(MPI_Comm comm, const BodyMeshSettings& s) {
  int rank = 0, nranks = 1;
  mpi::check(MPI_Comm_rank(comm, &rank), "MPI_Comm_rank");
  mpi::check(MPI_Comm_size(comm, &nranks), "MPI_Comm_size");
  mpi::root_first(comm, [&] {
    if (rank == 0) check_instances(s);
    return 0;
  });
  if (s.dry_run) {
    if (rank == 0) {
      const auto done = mpi::read_journals(s.exec_dir, kStage, signature(s));
      log::info("body-meshes: dry run, nothing is read or written\n{} bodies ({} done by an earlier run) on {} ranks: "
                "GET {}/api/node/{}/{}/tarfile/<body> -> keys <body>.{} in {}",
                s.bodies.size(), done.size(), nranks, s.server, s.uuid, s.sv_instance, mesh::format_name(s.format), s.kv_instance);
    }
    return;
  }
  const auto t0 = std::chrono::steady_clock::now();
  mpi::Journal journal(comm, s.exec_dir, kStage, signature(s));
  std::vector<uint64_t> mine;
  uint64_t todo = 0;
  for (uint64_t b : s.bodies)
    if (!journal.is_done(b)) {
      ++todo;
      if (owner_rank(b, nranks) == rank) mine.push_back(b);
    }
  if (rank == 0)
    log::info("body-meshes: {} bodies ({} done by an earlier run) from {} into {}/api/node/{}/{} as <body>.{}", s.bodies.size(),
              s.bodies.size() - todo, s.sv_instance, s.server, s.uuid, s.kv_instance, mesh::format_name(s.format));

  mpi::GlobalProgress progress(comm, todo, todo, "body-meshes", 10.0, 20, "bodies");
  dvid::Client client(s.server, s.retry);
  dvid::Keyvalue kv(client, s.uuid, s.kv_instance);
  std::vector<uint64_t> counts(6, 0);  // bodies, svs, missing, triangles in, triangles out, bytes
  std::vector<std::pair<std::string, std::string>> batch;
  std::vector<uint64_t> batch_bodies;
  size_t batch_bytes = 0;
  auto flush = [&] {
    if (batch.empty()) return;
    std::vector<std::pair<std::string, std::span<const std::byte>>> pairs;
    for (const auto& [k, v] : batch) pairs.emplace_back(k, std::as_bytes(std::span(v.data(), v.size())));
    try {
      kv.put_many(pairs);
    } catch (const Error& e) {
      fail("body-meshes: storing {} body meshes (bodies {}..{}): {}", batch.size(), batch_bodies.front(), batch_bodies.back(), e.what());
    }
    journal.record_many(batch_bodies);
    batch.clear();
    batch_bodies.clear();
    batch_bytes = 0;
  };
  const size_t chunk = size_t(std::max(1, s.threads)) * 4;
  for (size_t begin = 0; begin < mine.size(); begin += chunk) {
    const size_t end = std::min(mine.size(), begin + chunk);
    std::vector<BodyResult> out(end - begin);
    ingest::parallel_for(end - begin, s.threads, [&](size_t i) { out[i] = build_body(s, mine[begin + i]); });
    for (size_t i = 0; i < out.size(); ++i) {
      const uint64_t body = mine[begin + i];
      if (out[i].missing)
        log::warn("body-meshes: body {}: {} of its {} supervoxels have no mesh in {} (meshed without them)", body, out[i].missing,
                  out[i].svs, s.sv_instance);
      counts[0] += 1;
      counts[1] += out[i].svs;
      counts[2] += out[i].missing;
      counts[3] += out[i].triangles_in;
      counts[4] += out[i].triangles_out;
      counts[5] += out[i].bytes.size();
      if (!batch.empty() && batch_bytes + out[i].bytes.size() > s.batch_bytes) flush();
      batch_bytes += out[i].bytes.size();
      batch.emplace_back(body_mesh_key(body, s.format), std::move(out[i].bytes));
      batch_bodies.push_back(body);
      progress.brick_done(1);
    }
  }
  flush();
  progress.finish();
  mpi::reduce_sum(comm, counts, 0);
  if (rank != 0) return;

  // What DVID holds now: the body-mesh keys of the instance (GET /keys).
  uint64_t stored = 0;
  const std::string suffix = std::string(".") + std::string(mesh::format_name(s.format));
  for (const std::string& k : kv.keys()) stored += k.ends_with(suffix);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  nlohmann::ordered_json j;
  j["server"] = s.server;
  j["uuid"] = s.uuid;
  j["sv-meshes"] = s.sv_instance;
  j["meshes"] = s.kv_instance;
  j["bodies"] = s.bodies.size();
  j["bodies-meshed-this-run"] = counts[0];
  j["supervoxels"] = counts[1];
  j["supervoxels-without-mesh"] = counts[2];
  j["triangles-before"] = counts[3];
  j["triangles-after"] = counts[4];
  j["mesh-bytes"] = counts[5];
  j["body-mesh-keys-in-dvid"] = stored;
  j["ranks"] = nranks;
  j["seconds"] = seconds;
  write_text_atomic(s.exec_dir / "body-meshes.json", j.dump(2) + "\n");
  log::info("body-meshes: done: {} body meshes ({} supervoxel meshes, {} missing; {} -> {} triangles, {}) in {:.1f} s; "
            "{}/api/node/{}/{} holds {} <body>{} keys",
            counts[0], counts[1] - counts[2], counts[2], counts[3], counts[4], mpi::human_bytes(double(counts[5])), seconds, s.server,
            s.uuid, s.kv_instance, stored, suffix);
}

}  // namespace dflow::meshes
