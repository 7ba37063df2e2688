// dvid-setup without a server: the TOML template renderer, instance spec checks, the workflow schema
// and the template workflows/01-dvid/workflow.yaml.
#include <catch2/catch.hpp>

#include <functional>
#include <regex>

#include "config/workflows.hpp"
#include "core/error.hpp"
#include "core/files.hpp"
#include "dvidsetup/server_config.hpp"
#include "dvidsetup/setup.hpp"
#include "test_support.hpp"

using namespace dflow;
using test::error_of;
using namespace dflow::dvidsetup;

namespace {

const std::string kRoot = DFLOW_SOURCE_DIR;

InstanceSpec spec(std::string type, std::string name, std::map<std::string, std::string> settings = {},
                  std::vector<std::string> tags = {}, std::vector<std::string> sync = {}) {
  return {std::move(type), std::move(name), std::move(settings), std::move(tags), std::move(sync)};
}

}  // namespace

TEST_CASE("render-config: the project's template without and with an ngprecomputed store") {
  const std::string tmpl = read_text(kRoot + "/workflows/01-dvid/dvid-config.toml.in");
  ServerConfigValues v;
  v.http_address = "127.0.0.1:18000";
  v.rpc_address = "127.0.0.1:18001";
  v.data_dir = "/data/dvid";
  v.note = "a note";
  const std::string plain = render_server_config(tmpl, v, "t.toml.in");
  CHECK(plain.find("httpAddress = \"127.0.0.1:18000\"") != std::string::npos);
  CHECK(plain.find("rpcAddress  = \"127.0.0.1:18001\"") != std::string::npos);
  CHECK(plain.find("path   = \"/data/dvid/badger\"") != std::string::npos);
  CHECK(plain.find("logfile = \"/data/dvid/dvid.log\"") != std::string::npos);
  CHECK(plain.find("note = \"a note\"") != std::string::npos);
  CHECK(!std::regex_search(plain, std::regex("@[A-Z_]+@|#@")));  // no placeholder or marker left
  CHECK(plain.find("[store.ngprecomputed]") == std::string::npos);

  v.ng_ref = "s3://bucket?region=us-east-1&endpoint=http:%2F%2F127.0.0.1:9000/";
  v.ng_instance = "grayscale";
  const std::string ng = render_server_config(tmpl, v, "t.toml.in");
  CHECK(ng.find("[store.ngprecomputed]\n    engine   = \"ngprecomputed\"\n    ref      = \"" + v.ng_ref +
                "\"\n    instance = \"grayscale\"\n") != std::string::npos);
  CHECK(ng.find("    uuid     =") == std::string::npos);  // optional line dropped
  CHECK(ng.find("#@") == std::string::npos);
  CHECK(ng.substr(0, plain.size() - 1) == plain.substr(0, plain.size() - 1));  // the rest is unchanged
  v.ng_uuid = "abc123";
  CHECK(render_server_config(tmpl, v, "t.toml.in").find("    uuid     = \"abc123\"\n") != std::string::npos);
}

TEST_CASE("render-config: template and value errors are one clear line") {
  ServerConfigValues v;
  v.data_dir = "/d";
  CHECK(error_of([&] { render_server_config("a = \"@NOPE@\"\n", v, "x.in"); }) == "x.in:1: unknown placeholder @NOPE@");
  CHECK(error_of([&] { render_server_config("#@BEGIN NGPRECOMPUTED@\nx\n", v, "x.in"); }) ==
        "x.in: block NGPRECOMPUTED is never closed (#@END NGPRECOMPUTED@)");
  CHECK(error_of([&] { render_server_config("#@BEGIN OTHER@\n#@END OTHER@\n", v, "x.in"); }) ==
        "x.in:1: unknown block marker \"#@BEGIN OTHER@\"");
  CHECK(error_of([&] { render_server_config("#@END NGPRECOMPUTED@\n", v, "x.in"); }) ==
        "x.in:1: \"#@END NGPRECOMPUTED@\" closes no open block");
  // An '@' that opens no placeholder (an address) is text.
  CHECK(render_server_config("note = \"me@host, @DATA_DIR@\"\n", v, "x.in") == "note = \"me@host, /d\"\n");
  v.note = "say \"hi\"";
  CHECK(error_of([&] { render_server_config("", v, "x.in"); }).find("NOTE \"say \"hi\"\" contains a quote") != std::string::npos);
  v.note = "";
  v.ng_instance = "grayscale";
  CHECK(error_of([&] { render_server_config("", v, "x.in"); }) ==
        "dvid-setup render-config: --ngprecomputed-instance/--ngprecomputed-uuid need --ngprecomputed-ref");
}

TEST_CASE("instance specs: settings in canonical case, tags joined") {
  const auto s = spec("labelmap", "segmentation", {{"maxdownreslevel", "6"}, {"BlockSize", "64,64,64"}, {"IndexedLabels", "false"}},
                      {"type=labels", "owner=flyem"});
  REQUIRE_NOTHROW(check_instance_spec(s, "instances[0]"));
  const auto settings = creation_settings(s);
  CHECK(settings == std::map<std::string, std::string>{
                        {"BlockSize", "64,64,64"}, {"IndexedLabels", "false"}, {"MaxDownresLevel", "6"}, {"Tags", "type=labels,owner=flyem"}});
  REQUIRE_NOTHROW(check_instance_spec(spec("tarsupervoxels", "sv_meshes", {{"Extension", "drc"}}, {}, {"segmentation"}), "i"));
  REQUIRE_NOTHROW(check_instance_spec(spec("keyvalue", "meshes", {}, {"type=meshes"}), "i"));
  REQUIRE_NOTHROW(check_instance_spec(spec("uint8blk", "grayscale", {{"Compression", "jpeg"}, {"VoxelSize", "8.0,8.0,8.0"}}), "i"));
}

TEST_CASE("instance specs: mistakes DVID would ignore silently are errors") {
  const auto err = [](const InstanceSpec& s) { return error_of([&] { check_instance_spec(s, "instances[1]"); }); };
  CHECK(err(spec("labelblk", "x")) ==
        "instances[1]: type: unknown instance type \"labelblk\" (dvid-setup creates: labelmap, uint8blk, keyvalue, tarsupervoxels)");
  CHECK(err(spec("labelmap", "seg", {{"MaxDownres", "6"}})) ==
        "instances[1]: settings.MaxDownres: unknown labelmap setting (known: BlockSize, MaxDownresLevel, IndexedLabels, "
        "VoxelSize, VoxelUnits, MinPoint, MaxPoint, Compression, Checksum, Versioned)");
  CHECK(err(spec("labelmap", "seg", {{"BlockSize", "64x64x64"}})) ==
        "instances[1]: settings.BlockSize: expected three integers \"x,y,z\", got \"64x64x64\"");
  CHECK(err(spec("labelmap", "seg", {{"MaxDownresLevel", "six"}})) ==
        "instances[1]: settings.MaxDownresLevel: expected a non-negative integer, got \"six\"");
  CHECK(err(spec("labelmap", "seg", {{"IndexedLabels", "yes"}})) ==
        "instances[1]: settings.IndexedLabels: expected true or false, got \"yes\"");
  CHECK(err(spec("labelmap", "seg", {{"maxdownreslevel", "1"}, {"MaxDownresLevel", "2"}})).find("given twice") != std::string::npos);
  CHECK(err(spec("keyvalue", "m", {{"Tags", "type=meshes"}})) ==
        "instances[1]: settings.Tags: put tags in the instance's tags list (\"key=value\" items)");
  CHECK(err(spec("keyvalue", "m", {}, {"type:meshes"})) == "instances[1]: tags: \"type:meshes\" is not a \"key=value\" tag (one '=', no ',')");
  CHECK(err(spec("keyvalue", "m", {}, {"a=b,c=d"})).find("is not a \"key=value\" tag") != std::string::npos);
  CHECK(err(spec("tarsupervoxels", "sv", {}, {}, {"seg"})) ==
        "instances[1]: tarsupervoxels instance sv needs settings.Extension (e.g. drc)");
  CHECK(err(spec("tarsupervoxels", "sv", {{"Extension", "drc"}})) ==
        "instances[1]: tarsupervoxels instance sv needs a sync to its labelmap (sync: [segmentation])");
  CHECK(err(spec("tarsupervoxels", "sv", {{"Extension", ".drc"}}, {}, {"seg"})).find("without dot") != std::string::npos);
  CHECK(err(spec("keyvalue", "m", {}, {}, {"seg"})) == "instances[1]: sync: keyvalue instances have no /sync endpoint in DVID");
  CHECK(err(spec("labelmap", "log")) == "instances[1]: name: \"log\" is reserved by DVID");
  CHECK(err(spec("labelmap", "a b")).find("is not a usable instance name") != std::string::npos);
}

TEST_CASE("workflows/01-dvid/workflow.yaml validates against the dvid-setup schema") {
  const auto wc = config::load_workflow_config(kRoot + "/workflows/01-dvid/workflow.yaml");
  CHECK(wc.workflow.name == "dvid-setup");
  CHECK(wc.workflow.executable == "dvid-setup");
  const auto& inst = wc.config["instances"];
  REQUIRE(inst.size() == 4);
  CHECK(inst[0]["type"].as<std::string>() == "labelmap");
  CHECK(inst[0]["settings"]["MaxDownresLevel"].as<std::string>() == "5");
  CHECK(inst[2]["tags"][0].as<std::string>() == "type=meshes");
  CHECK(inst[3]["sync"][0].as<std::string>() == "segmentation");
  CHECK(inst[1]["tags"].size() == 0);  // default filled in
  CHECK(wc.config["commit"]["note"].as<std::string>().size() > 0);
  CHECK(wc.config["new-version"]);
  CHECK(!wc.config["repo"]["uuid"]);
  // Every instance of the template passes the checks run_setup makes before it talks to DVID.
  for (size_t i = 0; i < inst.size(); ++i) {
    InstanceSpec s;
    s.type = inst[i]["type"].as<std::string>();
    s.name = inst[i]["name"].as<std::string>();
    for (const auto& kv : inst[i]["settings"]) s.settings[kv.first.as<std::string>()] = kv.second.as<std::string>();
    for (const auto& t : inst[i]["tags"]) s.tags.push_back(t.as<std::string>());
    for (const auto& t : inst[i]["sync"]) s.sync.push_back(t.as<std::string>());
    CHECK_NOTHROW(check_instance_spec(s, "instances[" + std::to_string(i) + "]"));
  }
}

TEST_CASE("dvid-setup schema errors name the file and key") {
  const auto err = [](const std::string& yaml) {
    return error_of([&] { config::parse_workflow_config("workflow-name: dvid-setup\n" + yaml, "w.yaml"); });
  };
  CHECK(err("repo: {alias: a}\n") == "w.yaml: dvid: required value is missing");
  CHECK(err("dvid: {server: x}\ninstances: [{type: labelarray, name: a}]\n") ==
        "w.yaml: instances[0].type: expected one of labelmap, uint8blk, keyvalue, tarsupervoxels, got \"labelarray\"");
  CHECK(err("dvid: {server: x}\ninstances: [{type: keyvalue}]\n") == "w.yaml: instances[0].name: required value is missing");
  CHECK(err("dvid: {server: x}\ncommit: {}\n") == "w.yaml: commit.note: required value is missing");
  CHECK(err("dvid: {server: x}\ninstances: [{type: keyvalue, name: a, settings: {Compression: [a]}}]\n") ==
        "w.yaml: instances[0].settings.Compression: expected a string, got a list of 1 item");
}
