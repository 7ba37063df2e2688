// sv-meshes end to end: the program under mpirun, its tarballs read by Python's tarfile and every
// mesh decoded by DracoPy (check_sv_tars.py), its uploads read back from the REAL DVID
// (GET /supervoxel, /tarfile, /missing, /exists), checked against the example's own supervoxels and
// agglomeration (make-example, not the stage). Each tag is its own ctest entry.
#include <catch2/catch.hpp>

#include <cstring>
#include <map>
#include <set>
#include <sstream>

#include <nlohmann/json.hpp>

#include "archive/tar.hpp"
#include "dvid/keyvalue.hpp"
#include "dvid/repo.hpp"
#include "dvid/tarsupervoxels.hpp"
#include "labelindex/mapping.hpp"
#include "sv_ingest/e2e_support.hpp"

using namespace dflow;
using namespace dflow::test;

namespace {

const Vec3 kSize{200, 160, 128};

std::string sv_meshes_exe() { return env_or_fail("DFLOW_SV_MESHES_EXE"); }

struct MeshRun {
  std::string input;   // YAML of the input section(s)
  std::string output;  // YAML of the output section
  std::string options = "  brick-shape: [64, 64, 64]\n  smoothing: 1\n  decimation: 0.5\n  voxel-size: [8, 8, 8]\n  tar-mib: 1\n";
};

std::string n5_input(const Example& ex) {
  return fmt::format("input:\n  n5:\n    path: {}\n    dataset: segmentation/s0\n", (ex.dir / "example.n5").string());
}

void write_mesh_workflow(const fs::path& dir, const MeshRun& r) {
  fs::create_directories(dir);
  write_text_atomic(dir / "workflow.yaml", "workflow-name: sv-meshes\n" + r.input + r.output + "sv-meshes:\n" + r.options);
}

RunResult run_meshes(int np, const fs::path& dir, const std::string& env = "", const std::string& extra = "") {
  return run_shell(fmt::format("{} {} --allow-run-as-root --oversubscribe -np {} {} --config {} --exec-dir {} {}",
                               env.empty() ? "" : "env " + env, env_or_fail("DFLOW_MPIEXEC"), np, sv_meshes_exe(),
                               quote((dir / "workflow.yaml").string()), quote(dir.string()), extra));
}

void require_ok(const RunResult& r, const std::string& what) {
  INFO(what << ":\n" << r.output);
  REQUIRE(r.status == 0);
}

// {source: {member: {sha256, bytes, points, faces}}} from Python's tarfile + DracoPy.
nlohmann::json read_tars(const fs::path& out, const std::vector<fs::path>& sources) {
  std::string cmd = fmt::format("{} {}/check_sv_tars.py {}", env_or_fail("DFLOW_PYTHON"), DFLOW_TESTS_MESHES_DIR, quote(out.string()));
  for (const auto& s : sources) cmd += " " + quote(s.string());
  const RunResult r = run_shell(cmd);
  INFO(r.output);
  REQUIRE(r.status == 0);
  return nlohmann::json::parse(read_text(out));
}

// Supervoxel -> voxels, straight from the example's array.
std::map<uint64_t, uint64_t> example_svs(const Example& ex) {
  std::map<uint64_t, uint64_t> n;
  for (uint64_t v : ex.seg.vec())
    if (v) ++n[v];
  return n;
}

// The directory run's members (name -> sha256) must be exactly "<sv>.drc" for every example supervoxel,
// each decoding to a non-empty mesh.
void check_members(const nlohmann::json& members, const std::map<uint64_t, uint64_t>& svs) {
  std::set<std::string> want;
  for (const auto& [sv, n] : svs) want.insert(fmt::format("{}.drc", sv));
  std::set<std::string> got;
  for (const auto& [name, m] : members.items()) {
    got.insert(name);
    INFO(name);
    CHECK(m["faces"].get<int64_t>() >= 4);
    CHECK(m["points"].get<int64_t>() >= 4);
  }
  CHECK(got == want);
}

// The pipeline up to the supervoxel meshes in DVID: ingest-supervoxels, the tarsupervoxels instance
// synced to the labelmap (as dvid-setup makes it), the supervoxel label indexes, sv-meshes read back from
// the labelmap and uploaded at 2 ranks; the same meshes written to files from the n5 are the reference.
struct DvidMeshes {
  std::string server, uuid, instance = "seg", stats;
  std::map<uint64_t, std::string> want;  // sv -> mesh bytes of the file run
};

DvidMeshes upload_sv_meshes(const fs::path& work, const Example& ex, const std::map<uint64_t, uint64_t>& svs, const std::string& alias) {
  DvidMeshes d;
  d.server = dvid_url_env();
  WorkflowOptions o;
  o.server = d.server;
  o.uuid = new_repo(d.server, alias);
  o.max_scale = 1;
  d.uuid = o.uuid;
  write_workflow(work / "ingest", ex, o);
  require_ok(run_shell(stage_command(1, work / "ingest")), "ingest-supervoxels");
  dvid::Client client(d.server);
  dvid::create_instance(client, o.uuid, "tarsupervoxels", "seg_sv_meshes", {{"Extension", "drc"}});
  dvid::set_syncs(client, o.uuid, "seg_sv_meshes", o.instance);
  d.stats = quote((work / "ingest" / "block-statistics.h5").string());
  require_ok(run_shell(fmt::format("{} --server {} --uuid {} --instance {} --stats {} --operation indexes --work-dir {}",
                                   env_or_fail("DFLOW_LABEL_INDEX_EXE"), d.server, o.uuid, o.instance, d.stats,
                                   quote((work / "ingest").string()))),
             "supervoxel label indexes");
  write_mesh_workflow(work / "files", {n5_input(ex), "output:\n  directory-of-tarfiles: tars\n"});
  require_ok(run_meshes(1, work / "files"), "sv-meshes to files");
  const std::string tsv_out =
      fmt::format("output:\n  tarsupervoxels:\n    server: {}\n    uuid: {}\n    instance: seg_sv_meshes\n", d.server, o.uuid);
  write_mesh_workflow(work / "dvid", {fmt::format("dvid-input:\n  server: {}\n  uuid: {}\n  segmentation-name: {}\n", d.server,
                                                  o.uuid, o.instance),
                                      tsv_out});
  require_ok(run_meshes(2, work / "dvid"), "sv-meshes to DVID");
  const nlohmann::json files = read_tars(work / "tars.json", {work / "files" / "tars"});
  check_members(files[(work / "files" / "tars").string()], svs);
  for (const auto& e : fs::directory_iterator(work / "files" / "tars")) {
    const std::vector<std::byte> archive = read_file(e.path());
    for (const tar::Entry& m : tar::read(archive, e.path().string()))
      d.want[std::stoull(m.name)] = std::string(reinterpret_cast<const char*>(m.data.data()), m.data.size());
  }
  REQUIRE(d.want.size() == svs.size());
  return d;
}

// Commits the node and ingests the example's agglomeration on a child; returns the child.
std::string agglomerate(const fs::path& work, const Example& ex, const DvidMeshes& d) {
  dvid::Client client(d.server);
  dvid::commit(client, d.uuid, "supervoxels");
  const std::string child = dvid::new_version(client, d.uuid, "agglomeration");
  require_ok(run_shell(fmt::format("{} --server {} --uuid {} --instance {} --stats {} --mapping {} --operation both --work-dir {}",
                                   env_or_fail("DFLOW_LABEL_INDEX_EXE"), d.server, child, d.instance, d.stats,
                                   quote((ex.dir / "mapping.csv").string()), quote((work / "ingest").string()))),
             "agglomeration");
  return child;
}

std::map<uint64_t, std::set<uint64_t>> example_bodies(const Example& ex) {
  std::map<uint64_t, std::set<uint64_t>> bodies;
  const labelindex::Mapping agglo = labelindex::load_mapping(ex.dir / "mapping.csv");
  for (const labelindex::SvBody& e : agglo.entries()) bodies[e.body].insert(e.sv);
  return bodies;
}

}  // namespace

TEST_CASE("every supervoxel of the example gets exactly one mesh, identical at 1, 2 and 4 ranks and in several exchange rounds", "[ranks]") {
  const fs::path work = scratch_dir("sv-meshes-ranks");
  const Example ex = make_example(work / "example", kSize);
  const auto svs = example_svs(ex);
  std::vector<fs::path> tar_dirs;
  for (int np : {1, 2, 4}) {
    const fs::path dir = work / fmt::format("np{}", np);
    write_mesh_workflow(dir, {n5_input(ex), "output:\n  directory-of-tarfiles: tars\n"});
    const RunResult r = run_meshes(np, dir);
    require_ok(r, fmt::format("np {}", np));
    CHECK(r.output.find("sv-meshes: meshes: done") != std::string::npos);  // progress of the mesh phase
    tar_dirs.push_back(dir / "tars");
    const auto j = nlohmann::json::parse(read_text(dir / "sv-meshes.json"));
    CHECK(j["supervoxels"] == svs.size());
    CHECK(j["meshes-stored-this-run"] == svs.size());
    CHECK(j["tars"].get<int>() >= 2);  // tar-mib 1 bounds the uploads

    // Voxels per supervoxel summed over bricks equal the example's own counts.
    std::map<uint64_t, uint64_t> counted;
    const std::string csv = read_text(dir / "sv-meshes-supervoxels.csv");
    std::istringstream in(csv);
    std::string line;
    std::getline(in, line);
    CHECK(line == "sv,voxels,triangles");
    while (std::getline(in, line)) counted[std::stoull(line.substr(0, line.find(',')))] = std::stoull(line.substr(line.find(',') + 1));
    CHECK(counted == svs);
  }
  // A memory budget below the pieces' size: the exchange runs in several rounds, same meshes.
  {
    const fs::path dir = work / "rounds";
    MeshRun r{n5_input(ex), "output:\n  directory-of-tarfiles: tars\n"};
    r.options += "  memory-per-rank-mib: 16\n";
    write_mesh_workflow(dir, r);
    require_ok(run_meshes(2, dir), "np 2, memory-per-rank-mib 16");
    CHECK(nlohmann::json::parse(read_text(dir / "sv-meshes.json"))["exchange-rounds"].get<int>() >= 2);
    tar_dirs.push_back(dir / "tars");
  }
  const nlohmann::json tars = read_tars(work / "tars.json", tar_dirs);
  const nlohmann::json& one = tars[tar_dirs[0].string()];
  check_members(one, svs);
  for (size_t i = 1; i < tar_dirs.size(); ++i) {
    INFO(tar_dirs[i]);
    CHECK(tars[tar_dirs[i].string()] == one);
  }
}

TEST_CASE("a run killed while meshing bricks and again while storing tars resumes and stores every mesh once", "[resume]") {
  const fs::path work = scratch_dir("sv-meshes-resume");
  const Example ex = make_example(work / "example", kSize);
  const auto svs = example_svs(ex);
  const MeshRun run{n5_input(ex), "output:\n  directory-of-tarfiles: tars\n"};
  write_mesh_workflow(work / "whole", run);
  require_ok(run_meshes(1, work / "whole"), "uninterrupted");

  const fs::path dir = work / "resumed";
  write_mesh_workflow(dir, run);
  const RunResult a = run_meshes(2, dir, "DFLOW_FAIL_AFTER_BRICKS=2");
  INFO(a.output);
  CHECK(a.status != 0);
  CHECK(a.output.find("DFLOW_FAIL_AFTER_BRICKS=2: simulated failure after 2 bricks") != std::string::npos);
  const RunResult b = run_meshes(2, dir, "DFLOW_FAIL_AFTER_TARS=1");
  INFO(b.output);
  CHECK(b.status != 0);
  CHECK(b.output.find("skipping") != std::string::npos);
  CHECK(b.output.find("DFLOW_FAIL_AFTER_TARS=1: simulated failure after 1 tars") != std::string::npos);
  const RunResult c = run_meshes(4, dir);
  require_ok(c, "resumed at 4 ranks");
  CHECK(c.output.find("resuming: skipping 24 of 24 bricks already done") != std::string::npos);
  const auto j = nlohmann::json::parse(read_text(dir / "sv-meshes.json"));
  CHECK(j["meshes-stored-earlier"].get<uint64_t>() > 0);
  CHECK(j["meshes-stored-earlier"].get<uint64_t>() + j["meshes-stored-this-run"].get<uint64_t>() == svs.size());

  // Every supervoxel journaled exactly once over all runs and ranks, and stored once.
  std::map<uint64_t, int> journaled;
  for (const auto& e : fs::directory_iterator(dir / "journal"))
    if (e.path().filename().string().starts_with("sv-meshes-upload.rank")) {
      std::istringstream in(read_text(e.path()));
      std::string line;
      while (std::getline(in, line))
        if (!line.empty() && line[0] != '#') ++journaled[std::stoull(line)];
    }
  CHECK(journaled.size() == svs.size());
  for (const auto& [sv, n] : journaled) {
    INFO(sv);
    CHECK(n == 1);
  }
  const nlohmann::json tars = read_tars(work / "tars.json", {work / "whole" / "tars", dir / "tars"});
  check_members(tars[(dir / "tars").string()], svs);
  CHECK(tars[(dir / "tars").string()] == tars[(work / "whole" / "tars").string()]);
}

TEST_CASE("meshes uploaded to DVID: every supervoxel has its mesh, every body's tarfile is complete", "[dvid]") {
  const fs::path work = scratch_dir("sv-meshes-dvid");
  const Example ex = make_example(work / "example", kSize);
  const auto svs = example_svs(ex);
  const DvidMeshes d = upload_sv_meshes(work, ex, svs, "sv-meshes-dvid");
  const auto& want = d.want;
  const auto& o = d;
  dvid::Client client(d.server);

  dvid::Tarsupervoxels tsv(client, o.uuid, "seg_sv_meshes");
  std::vector<uint64_t> ids;
  for (const auto& [sv, n] : svs) ids.push_back(sv);
  const std::vector<bool> exist = tsv.exists(ids);
  CHECK(std::count(exist.begin(), exist.end(), true) == int64_t(ids.size()));
  size_t same = 0;
  for (const auto& [sv, bytes] : want) {
    const auto got = tsv.supervoxel(sv);
    REQUIRE(got);
    same += *got == bytes;
  }
  CHECK(same == want.size());  // GET /supervoxel/{id}: the mesh read from DVID's labelmap equals the n5's

  // Meshes are in nm (voxel-size 8): every supervoxel's mesh lies within its voxels' box (+ 1 voxel).
  // Meshing scale 1 read back from DVID with rescale 2 gives scale-0 nm too (+ 2 scale-1 voxels), and a
  // mesh for exactly the supervoxels that survive at scale 1 (DVID's downsampling, here from ops/).
  std::map<uint64_t, Box> sv_box;
  for (int64_t z = ex.box().lo.z; z < ex.box().hi.z; ++z)
    for (int64_t y = ex.box().lo.y; y < ex.box().hi.y; ++y)
      for (int64_t x = ex.box().lo.x; x < ex.box().hi.x; ++x)
        if (const uint64_t v = ex.seg.at({x, y, z})) {
          auto [it, fresh] = sv_box.try_emplace(v, Box{{x, y, z}, {x + 1, y + 1, z + 1}});
          it->second = {vmin(it->second.lo, {x, y, z}), vmax(it->second.hi, {x + 1, y + 1, z + 1})};
        }
  auto check_boxes = [&](const nlohmann::json& members, double margin_voxels) {
    size_t inside = 0;
    for (const auto& [name, m] : members.items()) {
      const Box& b = sv_box.at(std::stoull(name));
      bool ok = true;
      for (int a = 0; a < 3; ++a)
        ok = ok && m["min"][a].get<double>() >= 8.0 * (double(b.lo[a]) - margin_voxels) &&
             m["max"][a].get<double>() <= 8.0 * (double(b.hi[a]) + margin_voxels);
      if (!ok) WARN(name << " bounds " << m["min"].dump() << ".." << m["max"].dump() << " vs voxels " << to_string(b));
      inside += ok;
    }
    return inside;
  };
  const nlohmann::json files0 = read_tars(work / "tars0.json", {work / "files" / "tars"});
  CHECK(check_boxes(files0[(work / "files" / "tars").string()], 1.0) == svs.size());
  write_mesh_workflow(work / "scale1",
                      {fmt::format("dvid-input:\n  server: {}\n  uuid: {}\n  segmentation-name: {}\n  scale: 1\n", d.server, d.uuid, d.instance),
                       "output:\n  directory-of-tarfiles: tars\n",
                       "  brick-shape: [64, 64, 64]\n  voxel-size: [8, 8, 8]\n  rescale: 2\n"});
  require_ok(run_meshes(2, work / "scale1"), "sv-meshes at scale 1");
  const auto levels = pyramid(ex.seg, 1);
  std::set<std::string> at_scale1;
  const Box s1 = scaled(ex.box(), 1);
  for (int64_t z = s1.lo.z; z < s1.hi.z; ++z)
    for (int64_t y = s1.lo.y; y < s1.hi.y; ++y)
      for (int64_t x = s1.lo.x; x < s1.hi.x; ++x)
        if (const uint64_t v = levels[1].at({x, y, z})) at_scale1.insert(fmt::format("{}.drc", v));
  const nlohmann::json files1 = read_tars(work / "tars1.json", {work / "scale1" / "tars"});
  const nlohmann::json& m1 = files1[(work / "scale1" / "tars").string()];
  std::set<std::string> got1;
  for (const auto& [name, m] : m1.items()) got1.insert(name);
  CHECK(got1 == at_scale1);
  CHECK(at_scale1.size() < svs.size());  // some supervoxels vanish at scale 1
  CHECK(check_boxes(m1, 4.0) == m1.size());

  // The agglomeration on a child version: every body's tarfile has exactly its supervoxels' meshes.
  const std::string child = agglomerate(work, ex, d);
  const auto bodies = example_bodies(ex);
  REQUIRE(bodies.size() > 10);
  dvid::Tarsupervoxels tsv_child(client, child, "seg_sv_meshes");
  size_t complete = 0;
  for (const auto& [body, members] : bodies) {
    INFO("body " << body);
    std::vector<uint64_t> missing;
    const auto tar_members = tsv_child.tarfile_members(body, &missing);
    CHECK(missing.empty());
    std::set<uint64_t> got;
    bool bytes_ok = true;
    for (const auto& [sv, bytes] : tar_members) {
      got.insert(sv);
      bytes_ok = bytes_ok && want.count(sv) && want.at(sv) == bytes;
    }
    CHECK(got == members);
    CHECK(bytes_ok);
    CHECK(tsv_child.missing(body).empty());
    complete += missing.empty() && got == members && bytes_ok;
  }
  CHECK(complete == bodies.size());

  // Uploading is journaled: the same command again stores nothing.
  const RunResult again = run_meshes(1, work / "dvid");
  require_ok(again, "second run");
  const auto j = nlohmann::json::parse(read_text(work / "dvid" / "sv-meshes.json"));
  CHECK(j["meshes-stored-this-run"] == 0);
  CHECK(j["meshes-stored-earlier"] == svs.size());
  CHECK(j["meshes-in-dvid"] == svs.size());
  CHECK(again.output.find(fmt::format("DVID holds a mesh for each of the {} supervoxels (GET /exists)", svs.size())) != std::string::npos);
}

TEST_CASE("bad input and output: one clear error line", "[errors]") {
  const std::string server = dvid_url_env();
  const fs::path work = scratch_dir("sv-meshes-errors");
  const Example ex = make_example(work / "example", {100, 70, 64});
  const std::string uuid = new_repo(server, "sv-meshes-errors");
  dvid::Client client(server);
  dvid::create_instance(client, uuid, "tarsupervoxels", "obj_meshes", {{"Extension", "obj"}});
  auto tsv = [&](const std::string& srv, const std::string& inst) {
    return fmt::format("output:\n  tarsupervoxels:\n    server: {}\n    uuid: {}\n    instance: {}\n", srv, uuid, inst);
  };
  struct Case {
    std::string name, input, output, want;
  };
  const std::string down = fmt::format("http://127.0.0.1:{}", free_port());
  const std::vector<Case> cases = {
      {"unreachable DVID", n5_input(ex), tsv(down, "x"),
       fmt::format("sv-meshes: output: DVID GET {}/api/node/{}/x/info: ", down, uuid)},
      {"missing instance", n5_input(ex), tsv(server, "nope"),
       fmt::format("sv-meshes: output: DVID GET {}/api/node/{}/nope/info: no tarsupervoxels instance \"nope\" in node {}", server,
                   uuid, uuid)},
      {"extension mismatch", n5_input(ex), tsv(server, "obj_meshes"),
       fmt::format("sv-meshes: output {}/api/node/{}/obj_meshes has Extension \"obj\" but sv-meshes.format is \"drc\"", server, uuid)},
      {"missing labelmap", fmt::format("dvid-input:\n  server: {}\n  uuid: {}\n  segmentation-name: nolabels\n", server, uuid),
       "output:\n  directory-of-tarfiles: tars\n", fmt::format("dvid-input: DVID GET {}/api/node/{}/nolabels/info: HTTP 400", server, uuid)},
      {"missing input file", "input:\n  n5:\n    path: /nonexistent/x.n5\n    dataset: s0\n", "output:\n  directory-of-tarfiles: tars\n",
       "/nonexistent/x.n5"},
  };
  for (const Case& c : cases) {
    const fs::path dir = work / c.name;
    write_mesh_workflow(dir, {c.input, c.output});
    const RunResult r = run_meshes(2, dir);
    INFO(c.name << ":\n" << r.output);
    CHECK(r.status != 0);
    CHECK(count_lines_with(r.output, "] ERROR ") == 1);
    CHECK(r.output.find(c.want) != std::string::npos);
  }
  // --help, and the dry run plans and writes nothing.
  for (const std::string exe : {sv_meshes_exe(), env_or_fail("DFLOW_BODY_MESHES_EXE")}) {
    const RunResult h = run_shell(exe + " --help");
    CHECK(h.status == 0);
    CHECK(h.output.find("usage: ") == 0);
  }
  write_mesh_workflow(work / "dry", {n5_input(ex), "output:\n  directory-of-tarfiles: tars\n"});
  const RunResult d = run_meshes(2, work / "dry", "", "--dry-run");
  INFO(d.output);
  CHECK(d.status == 0);
  CHECK(d.output.find("sv-meshes: dry run") != std::string::npos);
  CHECK(d.output.find("bricks: 4 to do of 4") != std::string::npos);
  CHECK(!fs::exists(work / "dry" / "tars"));
  CHECK(!fs::exists(work / "dry" / "sv-meshes.json"));
}

TEST_CASE("body meshes land where neuroglancer's DVID source reads them, identical at 1 and 2 ranks, and are drawn", "[bodies]") {
  const fs::path work = scratch_dir("body-meshes");
  const Example ex = make_example(work / "example", kSize);
  const auto svs = example_svs(ex);
  const DvidMeshes d = upload_sv_meshes(work, ex, svs, "body-meshes");
  const std::string child = agglomerate(work, ex, d);
  const auto bodies = example_bodies(ex);
  dvid::Client client(d.server);
  // <labelmap>_meshes is the instance neuroglancer looks for; a second one holds the 1-rank run.
  dvid::create_instance(client, child, "keyvalue", "seg_meshes", {{"Tags", "type=meshes"}});
  dvid::create_instance(client, child, "keyvalue", "np1_meshes", {{"Tags", "type=meshes"}});
  for (const auto& [np, kv] : std::vector<std::pair<int, std::string>>{{2, ""}, {1, "np1_meshes"}}) {
    const fs::path dir = work / fmt::format("bodies-np{}", np);
    fs::create_directories(dir);
    write_text_atomic(dir / "workflow.yaml",
                      fmt::format("workflow-name: body-meshes\ndvid:\n  server: {}\n  uuid: {}\n  segmentation-name: seg\n"
                                  "  sv-meshes: seg_sv_meshes\n  meshes: \"{}\"\nbodies:\n  mapping: {}\n"
                                  "body-meshes:\n  decimation: 0.5\n  max-triangles: 20000\n",
                                  d.server, child, kv, (ex.dir / "mapping.csv").string()));
    const RunResult r = run_shell(fmt::format("{} --allow-run-as-root --oversubscribe -np {} {} --config {} --exec-dir {}",
                                              env_or_fail("DFLOW_MPIEXEC"), np, env_or_fail("DFLOW_BODY_MESHES_EXE"),
                                              quote((dir / "workflow.yaml").string()), quote(dir.string())));
    require_ok(r, fmt::format("body-meshes np {}", np));
    const auto j = nlohmann::json::parse(read_text(dir / "body-meshes.json"));
    CHECK(j["bodies-meshed-this-run"] == bodies.size());
    CHECK(j["supervoxels"] == svs.size());
    CHECK(j["supervoxels-without-mesh"] == 0);
    CHECK(j["body-mesh-keys-in-dvid"] == bodies.size());
  }

  // Journaled: running again stores nothing; bad instances are one error line each.
  auto body_run = [&](const fs::path& dir, const std::string& extra_yaml) {
    fs::create_directories(dir);
    write_text_atomic(dir / "workflow.yaml",
                      fmt::format("workflow-name: body-meshes\ndvid:\n  server: {}\n  uuid: {}\n  segmentation-name: seg\n"
                                  "  sv-meshes: seg_sv_meshes\n{}bodies:\n  list: [{}]\n",
                                  d.server, child, extra_yaml, bodies.begin()->first));
    return run_shell(fmt::format("{} --allow-run-as-root --oversubscribe -np 2 {} --config {} --exec-dir {}", env_or_fail("DFLOW_MPIEXEC"),
                                 env_or_fail("DFLOW_BODY_MESHES_EXE"), quote((dir / "workflow.yaml").string()), quote(dir.string())));
  };
  {
    const RunResult again = run_shell(fmt::format("{} --allow-run-as-root --oversubscribe -np 2 {} --config {} --exec-dir {}",
                                                  env_or_fail("DFLOW_MPIEXEC"), env_or_fail("DFLOW_BODY_MESHES_EXE"),
                                                  quote((work / "bodies-np2" / "workflow.yaml").string()), quote((work / "bodies-np2").string())));
    require_ok(again, "body-meshes again");
    CHECK(nlohmann::json::parse(read_text(work / "bodies-np2" / "body-meshes.json"))["bodies-meshed-this-run"] == 0);
    const RunResult no_kv = body_run(work / "no-kv", "  meshes: nope_meshes\n");
    INFO(no_kv.output);
    CHECK(no_kv.status != 0);
    CHECK(count_lines_with(no_kv.output, "] ERROR ") == 1);
    CHECK(no_kv.output.find(fmt::format("body-meshes: {}/api/node/{}/nope_meshes/info: no keyvalue instance \"nope_meshes\"", d.server, child)) !=
          std::string::npos);
    const RunResult wrong = body_run(work / "wrong-format", "body-meshes:\n  sv-format: obj\n");
    INFO(wrong.output);
    CHECK(wrong.status != 0);
    CHECK(count_lines_with(wrong.output, "] ERROR ") == 1);
    CHECK(wrong.output.find("holds .drc meshes but body-meshes.sv-format is obj") != std::string::npos);
  }

  // Keys <body>.ngmesh, one per body, each a valid legacy mesh inside its body's box (in nm).
  dvid::Keyvalue kv(client, child, "seg_meshes"), kv1(client, child, "np1_meshes");
  std::set<std::string> want_keys;
  for (const auto& [body, members] : bodies) want_keys.insert(fmt::format("{}.ngmesh", body));
  const auto keys = kv.keys();
  CHECK(std::set<std::string>(keys.begin(), keys.end()) == want_keys);
  std::map<uint64_t, Box> boxes;  // body -> voxel bounding box, from the example
  std::map<uint64_t, uint64_t> body_of;
  for (const auto& [body, members] : bodies)
    for (uint64_t sv : members) body_of[sv] = body;
  const Box vol = ex.box();
  for (int64_t z = vol.lo.z; z < vol.hi.z; ++z)
    for (int64_t y = vol.lo.y; y < vol.hi.y; ++y)
      for (int64_t x = vol.lo.x; x < vol.hi.x; ++x)
        if (const uint64_t v = ex.seg.at({x, y, z})) {
          auto [it, fresh] = boxes.try_emplace(body_of.at(v), Box{{x, y, z}, {x + 1, y + 1, z + 1}});
          it->second = {vmin(it->second.lo, {x, y, z}), vmax(it->second.hi, {x + 1, y + 1, z + 1})};
        }
  size_t good = 0;
  for (const auto& [body, members] : bodies) {
    INFO("body " << body);
    const std::string key = fmt::format("{}.ngmesh", body);
    const auto v = kv.get(key);
    REQUIRE(v);
    CHECK(kv1.get(key) == v);  // identical at 1 and 2 ranks
    REQUIRE(v->size() >= 4);
    const uint32_t nv = load_le32(reinterpret_cast<const std::byte*>(v->data()));
    const size_t rest = v->size() - 4 - size_t(nv) * 12;
    REQUIRE(v->size() >= 4 + size_t(nv) * 12);
    CHECK(rest % 12 == 0);
    CHECK(rest / 12 > 0);
    CHECK(rest / 12 <= 20000);
    const Box& b = boxes.at(body);
    bool inside = true;
    for (uint32_t i = 0; i < nv; ++i)
      for (int a = 0; a < 3; ++a) {
        float f;
        std::memcpy(&f, v->data() + 4 + 12 * i + 4 * a, 4);
        inside = inside && f >= 8.0 * double(b.lo[a] - 2) && f <= 8.0 * double(b.hi[a] + 2);
      }
    for (size_t t = 0; t < rest / 4; ++t) inside = inside && load_le32(reinterpret_cast<const std::byte*>(v->data()) + 4 + 12 * nv + 4 * t) < nv;
    CHECK(inside);
    good += inside;
  }
  CHECK(good == bodies.size());

  // Body meshes from the voxels instead: sv-meshes with the mapping and a keyvalue output.
  dvid::create_instance(client, child, "keyvalue", "vox_meshes");
  {
    const fs::path dir = work / "from-voxels";
    MeshRun r{n5_input(ex), fmt::format("output:\n  keyvalue:\n    server: {}\n    uuid: {}\n    instance: vox_meshes\n", d.server, child)};
    r.options = fmt::format("  smoothing: 2\n  decimation: 0.3\n  voxel-size: [8, 8, 8]\n  format: ngmesh\n  agglomerate: {}\n",
                            (ex.dir / "mapping.csv").string());
    write_mesh_workflow(dir, r);
    require_ok(run_meshes(2, dir), "sv-meshes with agglomerate into a keyvalue instance");
    dvid::Keyvalue vox(client, child, "vox_meshes");
    const auto vkeys = vox.keys();
    CHECK(std::set<std::string>(vkeys.begin(), vkeys.end()) == want_keys);
    size_t ok = 0;
    for (const auto& [key, value] : vox.get_many(vkeys)) {
      INFO(key);
      const uint64_t body = std::stoull(key);
      const uint32_t nv = load_le32(reinterpret_cast<const std::byte*>(value.data()));
      REQUIRE(value.size() >= 4 + size_t(nv) * 12);
      const size_t tris = (value.size() - 4 - size_t(nv) * 12) / 12;
      const Box& b = boxes.at(body);
      bool inside = tris > 0;
      for (uint32_t i = 0; i < nv; ++i)
        for (int a = 0; a < 3; ++a) {
          float f;
          std::memcpy(&f, value.data() + 4 + 12 * i + 4 * a, 4);
          inside = inside && f >= 8.0 * double(b.lo[a] - 1) && f <= 8.0 * double(b.hi[a] + 1);
        }
      ok += inside;
    }
    CHECK(ok == bodies.size());
    CHECK(read_text(dir / "sv-meshes-supervoxels.csv").starts_with("body,voxels,triangles\n"));
  }

  // Neuroglancer (prebuilt client, headless Chromium) draws the largest body's mesh from DVID where the
  // body is: its footprint along z, computed here from the example's voxels.
  uint64_t big = 0;
  int64_t big_area = 0;
  for (const auto& [body, b] : boxes)
    if (b.shape().x * b.shape().y > big_area) big_area = b.shape().x * b.shape().y, big = body;
  const Box& bb = boxes.at(big);
  std::string mask(size_t(bb.shape().x * bb.shape().y), '0');
  for (int64_t z = bb.lo.z; z < bb.hi.z; ++z)
    for (int64_t y = bb.lo.y; y < bb.hi.y; ++y)
      for (int64_t x = bb.lo.x; x < bb.hi.x; ++x)
        if (const uint64_t v = ex.seg.at({x, y, z}); v && body_of.at(v) == big) mask[size_t((y - bb.lo.y) * bb.shape().x + (x - bb.lo.x))] = '1';
  const nlohmann::json exp = {{"width", bb.shape().x}, {"height", bb.shape().y},
                              {"center", {double(bb.lo.x + bb.hi.x) / 2, double(bb.lo.y + bb.hi.y) / 2, double(bb.lo.z + bb.hi.z) / 2}},
                              {"extent", bb.shape().max()}, {"mask", mask}};
  write_text_atomic(work / "footprint.json", exp.dump());
  const std::string src = env_or_fail("DFLOW_SOURCE_DIR");
  const RunResult node_home = run_shell(fmt::format("bash {}/scripts/setup-node.sh", src));
  INFO(node_home.output);
  REQUIRE(node_home.status == 0);
  std::string home = node_home.output;
  while (!home.empty() && home.back() == '\n') home.pop_back();
  home = home.substr(home.rfind('\n') + 1);
  const RunResult ng = run_shell(fmt::format("node {}/tests/meshes/check_body_mesh_neuroglancer.cjs --node-home {} --dvid {} --uuid {} "
                                             "--instance seg --body {} --expected {} --out {}",
                                             src, quote(home), d.server, child, big, quote((work / "footprint.json").string()),
                                             quote((work / "neuroglancer").string())));
  INFO(ng.output);
  CHECK(ng.status == 0);
  CHECK(ng.output.find(fmt::format("OK: body {} drawn from {}", big, d.server)) != std::string::npos);
}
