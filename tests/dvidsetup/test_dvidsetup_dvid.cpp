// dvid-setup against the real DVID server (the ctest fixture's): the workflows/01-dvid template run by
// launchflow under mpirun, resuming with repo.uuid, errors, and the command-line subcommands.
#include <catch2/catch.hpp>

#include <algorithm>
#include <array>
#include <cstdio>
#include <fstream>
#include <functional>
#include <regex>

#include <sys/wait.h>

#include "core/error.hpp"
#include "core/files.hpp"
#include "dvid/repo.hpp"
#include "dvidsetup/cli.hpp"
#include "integration/dvid_env.hpp"
#include "test_support.hpp"

using namespace dflow;
using test::error_of;
namespace fs = std::filesystem;

namespace {

std::string env(const char* name) {
  const char* v = std::getenv(name);
  if (!v || !*v) fail("{} is not set: run this test through ctest", name);
  return v;
}

struct Run {
  int status = -1;
  std::string out;  // stdout and stderr
};

Run run(const std::string& cmd) {
  Run r;
  FILE* p = ::popen((cmd + " 2>&1").c_str(), "r");
  REQUIRE(p);
  std::array<char, 4096> buf;
  size_t n;
  while ((n = std::fread(buf.data(), 1, buf.size(), p)) > 0) r.out.append(buf.data(), n);
  const int st = ::pclose(p);
  r.status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
  return r;
}

std::string q(const std::string& s) { return "'" + s + "'"; }

// workflows/01-dvid/workflow.yaml pointed at the test server.
std::string template_yaml() {
  std::string y = read_text(std::string(DFLOW_SOURCE_DIR) + "/workflows/01-dvid/workflow.yaml");
  const std::string from = "server: http://127.0.0.1:8000";
  const size_t at = y.find(from);
  REQUIRE(at != std::string::npos);
  return y.replace(at, from.size(), "server: " + test::dvid_url());
}

void check_template_instances(dvid::Client& c, const std::string& uuid) {
  const auto seg = dvid::instance_info(c, uuid, "segmentation");
  CHECK(seg["Base"]["TypeName"] == "labelmap");
  CHECK(seg["Extended"]["MaxDownresLevel"] == 5);
  CHECK(seg["Extended"]["IndexedLabels"] == true);
  CHECK(seg["Extended"]["BlockSize"] == nlohmann::json::array({64, 64, 64}));
  CHECK(seg["Extended"]["VoxelSize"] == nlohmann::json::array({8.0, 8.0, 8.0}));
  const auto gray = dvid::instance_info(c, uuid, "grayscale");
  CHECK(gray["Base"]["TypeName"] == "uint8blk");
  CHECK(gray["Base"]["Compression"].get<std::string>().find("jpeg") != std::string::npos);
  CHECK(gray["Extended"]["BlockSize"] == nlohmann::json::array({64, 64, 64}));
  const auto meshes = dvid::instance_info(c, uuid, "segmentation_meshes");
  CHECK(meshes["Base"]["TypeName"] == "keyvalue");
  CHECK(meshes["Base"]["Tags"] == nlohmann::json({{"type", "meshes"}}));
  const auto sv = dvid::instance_info(c, uuid, "segmentation_sv_meshes");
  CHECK(sv["Base"]["TypeName"] == "tarsupervoxels");
  CHECK(sv["Extended"]["Extension"] == "drc");
  CHECK(sv["Base"]["Syncs"] == nlohmann::json::array({"segmentation"}));
}

}  // namespace

TEST_CASE("launchflow runs the workflows/01-dvid template against the real DVID") {
  const fs::path root = test::scratch_dir("dvidsetup-launchflow");
  const fs::path tmpl = root / "01-dvid";
  fs::create_directories(tmpl);
  write_text_atomic(tmpl / "workflow.yaml", template_yaml());
  const std::string bin_dir = fs::path(env("DFLOW_DVID_SETUP")).parent_path();
  // Two ranks: dvid-setup is serial, so only rank 0 may talk to DVID (one repo, not two).
  const Run r = run("cd " + q(root) + " && DFLOW_BIN_DIR=" + q(bin_dir) + " " + q(env("DFLOW_LAUNCHFLOW")) + " -n 2 01-dvid");
  INFO(r.out);
  REQUIRE(r.status == 0);
  fs::path exec_dir;
  for (const auto& e : fs::directory_iterator(root))
    if (e.path().filename().string().rfind("01-dvid-", 0) == 0) exec_dir = e.path();
  REQUIRE(!exec_dir.empty());
  const auto log_text = read_text(exec_dir / "output.log");
  CHECK(log_text.find("created tarsupervoxels instance segmentation_sv_meshes (Extension=drc)") != std::string::npos);
  CHECK(log_text.find("launchflow: dvid-setup finished OK") != std::string::npos);

  const auto j = nlohmann::json::parse(read_text(exec_dir / "dvid-setup.json"));
  const std::string root_uuid = j["repo"]["uuid"], child = j["child"];
  CHECK(j["repo"]["created"] == true);
  CHECK(j["committed"] == root_uuid);
  CHECK(j["uuid"] == child);
  CHECK(j["instances"]["created"] ==
        nlohmann::json::array({"segmentation", "grayscale", "segmentation_meshes", "segmentation_sv_meshes"}));

  dvid::Client c(test::dvid_url());
  check_template_instances(c, root_uuid);
  check_template_instances(c, child);  // the child version sees them too
  CHECK(dvid::node_locked(c, root_uuid));
  CHECK_FALSE(dvid::node_locked(c, child));
  const auto repo = dvid::repo_info(c, root_uuid);
  CHECK(repo["Alias"] == "dvidflow-example");
  int same_alias = 0;
  const auto repos = nlohmann::json::parse(c.get("/api/repos/info"));
  for (const auto& [u, info] : repos.items()) same_alias += info["Alias"] == "dvidflow-example";
  CHECK(same_alias == 1);
  const auto& nodes = repo["DAG"]["Nodes"];
  REQUIRE(nodes.contains(child));
  CHECK(nodes[child]["Note"] == "ingestion and proofreading");
  CHECK(nodes[child]["Parents"] == nlohmann::json::array({nodes[root_uuid]["VersionID"]}));
  CHECK(nodes[root_uuid]["Children"] == nlohmann::json::array({nodes[child]["VersionID"]}));
  // The child is writable: a key goes into the keyvalue instance there, not into the locked root.
  c.post("/api/node/" + child + "/segmentation_meshes/key/probe", std::string("x"), "application/octet-stream");
  CHECK(c.get("/api/node/" + child + "/segmentation_meshes/key/probe") == "x");
  CHECK(c.request("POST", "/api/node/" + root_uuid + "/segmentation_meshes/key/probe").status == 400);
}

TEST_CASE("repo.uuid resumes: existing instances are kept, missing ones made, clashes refused") {
  const fs::path dir = test::scratch_dir("dvidsetup-resume");
  dvid::Client c(test::dvid_url());
  const std::string uuid = dvid::create_repo(c, "resume", "");
  dvid::create_instance(c, uuid, "keyvalue", "segmentation_meshes", {{"Tags", "type=meshes"}});
  std::string y = template_yaml();
  y.replace(y.find("repo:\n"), 5, "repo:\n  uuid: " + uuid + "\n");
  y = y.substr(0, y.find("commit:"));  // no commit, no new version
  write_text_atomic(dir / "workflow.yaml", y);

  auto r = dvidsetup::run_workflow((dir / "workflow.yaml").string(), dir.string());
  CHECK(r.repo_uuid == uuid);
  CHECK_FALSE(r.repo_created);
  CHECK(r.existing == std::vector<std::string>{"segmentation_meshes"});
  CHECK(r.created == std::vector<std::string>{"segmentation", "grayscale", "segmentation_sv_meshes"});
  CHECK(r.committed.empty());
  CHECK(r.working_uuid() == uuid);
  check_template_instances(c, uuid);
  const auto j = nlohmann::json::parse(read_text(dir / "dvid-setup.json"));
  CHECK(j["uuid"] == uuid);
  CHECK(j["child"].is_null());

  r = dvidsetup::run_workflow((dir / "workflow.yaml").string(), dir.string());  // again: nothing to do
  CHECK(r.created.empty());
  CHECK(r.existing.size() == 4);
  check_template_instances(c, uuid);  // the repeated sync did not duplicate anything

  std::string clash = y;
  clash.replace(clash.find("type: labelmap"), 14, "type: uint8blk");
  const std::string labelmap_only = "      MaxDownresLevel: \"5\"\n      IndexedLabels: \"true\"\n";
  clash.replace(clash.find(labelmap_only), labelmap_only.size(), "");
  write_text_atomic(dir / "clash.yaml", clash);
  CHECK(error_of([&] { dvidsetup::run_workflow((dir / "clash.yaml").string(), dir.string()); }) ==
        "instance segmentation already exists in repo " + uuid + " as a labelmap, not a uint8blk");

  dvid::commit(c, uuid, "locked");
  write_text_atomic(dir / "more.yaml", y + "  - type: keyvalue\n    name: extra\n");
  // The appended item lands in the instances list (the template ends with it).
  CHECK(error_of([&] { dvidsetup::run_workflow((dir / "more.yaml").string(), dir.string()); }) ==
        "repo node " + uuid + " is committed (locked), so instances extra cannot be added; give the uuid of an open child version");
}

TEST_CASE("workflow errors are one line naming the file or the URL") {
  const fs::path dir = test::scratch_dir("dvidsetup-errors");
  const std::string head = "workflow-name: dvid-setup\ndvid: {server: " + test::dvid_url() + "}\n";
  write_text_atomic(dir / "a.yaml", head + "instances:\n  - {type: tarsupervoxels, name: sv, settings: {Extension: drc}, sync: [seg]}\n");
  const std::string e1 = error_of([&] { dvidsetup::run_workflow((dir / "a.yaml").string(), dir.string()); });
  CHECK(std::regex_match(e1, std::regex(".*a\\.yaml: instances\\[0\\]: sync: seg is neither in the instance list nor in repo [0-9a-f]{32}")));
  write_text_atomic(dir / "b.yaml", head + "instances:\n  - {type: labelmap, name: seg, settings: {MaxLevel: '2'}}\n");
  CHECK(error_of([&] { dvidsetup::run_workflow((dir / "b.yaml").string(), dir.string()); }).find(
            "b.yaml: instances[0]: settings.MaxLevel: unknown labelmap setting") != std::string::npos);
  write_text_atomic(dir / "c.yaml", head + "new-version: {note: x}\n");
  CHECK(error_of([&] { dvidsetup::run_workflow((dir / "c.yaml").string(), dir.string()); }).find(
            "c.yaml: new-version: needs a commit section") != std::string::npos);
  write_text_atomic(dir / "d.yaml", "workflow-name: dvid-setup\ndvid: {server: http://127.0.0.1:1}\n");
  const std::string e4 = error_of([&] { dvidsetup::run_workflow((dir / "d.yaml").string(), dir.string()); });
  CHECK(e4.find("http://127.0.0.1:1/api/repos") != std::string::npos);
  CHECK(e4.find("gave up after") != std::string::npos);
}

TEST_CASE("dvid-setup subcommands against the real DVID") {
  const std::string bin = q(env("DFLOW_DVID_SETUP")), server = " --server " + test::dvid_url();
  Run r = run(bin + " create-repo" + server + " --alias cli --description 'made by the cli test'");
  INFO(r.out);
  REQUIRE(r.status == 0);
  const std::string uuid = r.out.substr(0, r.out.find('\n'));
  REQUIRE(std::regex_match(uuid, std::regex("[0-9a-f]{32}")));
  const std::string node = server + " --uuid " + uuid;

  r = run(bin + " create-instance" + node + " --type labelmap --name seg --setting BlockSize=32,32,32 "
                "--setting MaxDownresLevel=3 --setting IndexedLabels=false --setting VoxelSize=4,4,40");
  REQUIRE(r.status == 0);
  CHECK(r.out.empty());  // quiet without --verbose
  r = run(bin + " create-instance" + node + " --type tarsupervoxels --name sv --setting Extension=drc --sync seg");
  REQUIRE(r.status == 0);
  r = run(bin + " create-instance" + node + " --type keyvalue --name meshes --tags type=meshes,owner=cli --verbose");
  REQUIRE(r.status == 0);
  CHECK(r.out.find("created keyvalue instance meshes in " + uuid) != std::string::npos);
  r = run(bin + " create-instance" + node + " --type uint8blk --name gray --setting Compression=jpeg --setting BlockSize=64,64,64");
  REQUIRE(r.status == 0);

  r = run(bin + " info" + node + " --name seg");
  REQUIRE(r.status == 0);
  auto j = nlohmann::json::parse(r.out);
  CHECK(j["Extended"]["BlockSize"] == nlohmann::json::array({32, 32, 32}));
  CHECK(j["Extended"]["MaxDownresLevel"] == 3);
  CHECK(j["Extended"]["IndexedLabels"] == false);
  CHECK(j["Extended"]["VoxelSize"] == nlohmann::json::array({4.0, 4.0, 40.0}));
  j = nlohmann::json::parse(run(bin + " info" + node + " --name sv").out);
  CHECK(j["Base"]["Syncs"] == nlohmann::json::array({"seg"}));
  CHECK(j["Extended"]["Extension"] == "drc");
  j = nlohmann::json::parse(run(bin + " info" + node + " --name meshes").out);
  CHECK(j["Base"]["Tags"] == nlohmann::json({{"type", "meshes"}, {"owner", "cli"}}));
  j = nlohmann::json::parse(run(bin + " info" + server).out);
  CHECK(j.contains("Datastore Version"));

  r = run(bin + " commit" + node + " --note 'cli commit'");
  REQUIRE(r.status == 0);
  CHECK(r.out == uuid + "\n");
  r = run(bin + " new-version" + node + " --note 'cli child'");
  REQUIRE(r.status == 0);
  const std::string child = r.out.substr(0, r.out.find('\n'));
  REQUIRE(std::regex_match(child, std::regex("[0-9a-f]{32}")));
  j = nlohmann::json::parse(run(bin + " info" + server + " --uuid " + child).out);
  CHECK(j["DAG"]["Nodes"][child]["Note"] == "cli child");
  CHECK(j["DAG"]["Nodes"][uuid]["Locked"] == true);

  // Errors: a DVID refusal names the URL (exit 1); a bad command line exits 2.
  r = run(bin + " create-instance" + node + " --type keyvalue --name late");
  CHECK(r.status == 1);
  CHECK(r.out.find("/api/repo/" + uuid + "/instance") != std::string::npos);
  CHECK(std::count(r.out.begin(), r.out.end(), '\n') == 1);
  r = run(bin + " create-instance" + node + " --type labelmap --name x --setting MaxDownresLevel=-1");
  CHECK(r.status == 1);
  CHECK(r.out.find("settings.MaxDownresLevel: expected a non-negative integer, got \"-1\"") != std::string::npos);
  r = run(bin + " create-instance" + node + " --type keyvalue");
  CHECK(r.status == 2);
  CHECK(r.out == "dvid-setup create-instance: --name is required (see dvid-setup create-instance --help)\n");
  r = run(bin + " commit --server " + test::dvid_url() + " --uuid " + uuid + " --note x --colour red");
  CHECK(r.status == 2);
  CHECK(r.out == "dvid-setup commit: unknown argument --colour (see dvid-setup commit --help)\n");
  for (const char* cmd : {"render-config", "create-repo", "create-instance", "commit", "new-version", "info"}) {
    r = run(bin + " " + cmd + " --help");
    CHECK(r.status == 0);
    CHECK(r.out.rfind(std::string("usage: dvid-setup ") + cmd, 0) == 0);
  }
}
