// sv-meshes end to end: the program under mpirun, its tarballs read by Python's tarfile and every
// mesh decoded by DracoPy (check_sv_tars.py), its uploads read back from the REAL DVID
// (GET /supervoxel, /tarfile, /missing, /exists), checked against the example's own supervoxels and
// agglomeration (make-example, not the stage). Each tag is its own ctest entry.
#include <catch2/catch.hpp>

#include <map>
#include <set>
#include <sstream>

#include <nlohmann/json.hpp>

#include "archive/tar.hpp"
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

}  // namespace

TEST_CASE("every supervoxel of the example gets exactly one mesh, identical at 1, 2 and 4 ranks", "[ranks]") {
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
  const nlohmann::json tars = read_tars(work / "tars.json", tar_dirs);
  const nlohmann::json& one = tars[tar_dirs[0].string()];
  check_members(one, svs);
  CHECK(tars[tar_dirs[1].string()] == one);
  CHECK(tars[tar_dirs[2].string()] == one);
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
  const std::string server = dvid_url_env();
  const fs::path work = scratch_dir("sv-meshes-dvid");
  const Example ex = make_example(work / "example", kSize);
  const auto svs = example_svs(ex);

  // The supervoxels in DVID: ingest-supervoxels, then the tarsupervoxels instance synced to the
  // labelmap (as dvid-setup makes it), then the supervoxel label indexes.
  WorkflowOptions o;
  o.server = server;
  o.uuid = new_repo(server, "sv-meshes-dvid");
  o.max_scale = 1;
  write_workflow(work / "ingest", ex, o);
  require_ok(run_shell(stage_command(1, work / "ingest")), "ingest-supervoxels");
  dvid::Client client(server);
  dvid::create_instance(client, o.uuid, "tarsupervoxels", "seg_sv_meshes", {{"Extension", "drc"}});
  dvid::set_syncs(client, o.uuid, "seg_sv_meshes", o.instance);
  const std::string lix = env_or_fail("DFLOW_LABEL_INDEX_EXE");
  const std::string stats = quote((work / "ingest" / "block-statistics.h5").string());
  require_ok(run_shell(fmt::format("{} --server {} --uuid {} --instance {} --stats {} --operation indexes --work-dir {}", lix, server,
                                   o.uuid, o.instance, stats, quote((work / "ingest").string()))),
             "supervoxel label indexes");

  // The same meshes written as files, from the n5 (the reference for the bytes DVID must hold).
  write_mesh_workflow(work / "files", {n5_input(ex), "output:\n  directory-of-tarfiles: tars\n"});
  require_ok(run_meshes(1, work / "files"), "sv-meshes to files");
  // Read back from the labelmap (/specificblocks) and uploaded with POST /load.
  const std::string tsv_out = fmt::format("output:\n  tarsupervoxels:\n    server: {}\n    uuid: {}\n    instance: seg_sv_meshes\n", server, o.uuid);
  write_mesh_workflow(work / "dvid", {fmt::format("dvid-input:\n  server: {}\n  uuid: {}\n  segmentation-name: {}\n", server, o.uuid, o.instance),
                                      tsv_out});
  const RunResult up = run_meshes(2, work / "dvid");
  require_ok(up, "sv-meshes to DVID");

  // Reference bytes per supervoxel, through Python's tarfile (names) and our reader (bytes).
  const nlohmann::json files = read_tars(work / "tars.json", {work / "files" / "tars"});
  check_members(files[(work / "files" / "tars").string()], svs);
  std::map<uint64_t, std::string> want;
  for (const auto& e : fs::directory_iterator(work / "files" / "tars")) {
    const std::vector<std::byte> archive = read_file(e.path());
    for (const tar::Entry& m : tar::read(archive, e.path().string()))
      want[std::stoull(m.name)] = std::string(reinterpret_cast<const char*>(m.data.data()), m.data.size());
  }
  REQUIRE(want.size() == svs.size());

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

  // The agglomeration on a child version: every body's tarfile has exactly its supervoxels' meshes.
  dvid::commit(client, o.uuid, "supervoxels");
  const std::string child = dvid::new_version(client, o.uuid, "agglomeration");
  const std::string mapping = (ex.dir / "mapping.csv").string();
  require_ok(run_shell(fmt::format("{} --server {} --uuid {} --instance {} --stats {} --mapping {} --operation both --work-dir {}", lix,
                                   server, child, o.instance, stats, quote(mapping), quote((work / "ingest").string()))),
             "agglomeration");
  std::map<uint64_t, std::set<uint64_t>> bodies;
  const labelindex::Mapping agglo = labelindex::load_mapping(mapping);
  for (const labelindex::SvBody& e : agglo.entries()) bodies[e.body].insert(e.sv);
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
  // The dry run plans and writes nothing.
  write_mesh_workflow(work / "dry", {n5_input(ex), "output:\n  directory-of-tarfiles: tars\n"});
  const RunResult d = run_meshes(2, work / "dry", "", "--dry-run");
  INFO(d.output);
  CHECK(d.status == 0);
  CHECK(d.output.find("sv-meshes: dry run") != std::string::npos);
  CHECK(d.output.find("bricks: 4 to do of 4") != std::string::npos);
  CHECK(!fs::exists(work / "dry" / "tars"));
  CHECK(!fs::exists(work / "dry" / "sv-meshes.json"));
}
