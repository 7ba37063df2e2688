#include "dvidsetup/cli.hpp"

#include <cstdlib>
#include <iostream>
#include <map>
#include <set>

#include "core/error.hpp"
#include "core/files.hpp"
#include "core/log.hpp"
#include "dvid/repo.hpp"
#include "dvidsetup/server_config.hpp"
#include "kvstore/publish.hpp"

namespace dflow::dvidsetup {
namespace {

constexpr int kUsage = 2;

constexpr const char* kMainHelp = R"(usage: dvid-setup COMMAND [options]      (dvid-setup COMMAND --help for each)
       dvid-setup --config FILE [--exec-dir DIR]

Sets up a DVID server for proofreading: its TOML config, the repo, the data instances, versions.

commands:
  render-config    write the server's TOML from workflows/01-dvid/dvid-config.toml.in
  create-repo      create a repo; prints its root uuid
  create-instance  create a labelmap, uint8blk, keyvalue or tarsupervoxels instance (+ tags, syncs)
  commit           commit (lock) a node; prints its uuid
  new-version      open a child version of a committed node; prints the child uuid
  info             server info, or a repo's info (--uuid), or an instance's info (--uuid --name), as JSON
  publish          make a bucket volume public with CORS for neuroglancer; print its neuroglancer link;
                   render DVID's TOML with an ngprecomputed store pointing at it

workflow stage (what `launchflow workflows/01-dvid` runs; see its workflow.yaml):
  --config FILE    full-workflow-config.yaml with workflow-name: dvid-setup
  --exec-dir DIR   execution directory: dvid-setup.json is written there, relative
                   admin-token-file paths resolve against it (default: the directory of FILE)
  Creates the repo (or uses repo.uuid), the instances with their settings, tags and syncs, then
  commits and opens a child version if asked; dvid-setup.json records every uuid.

Server commands take --server URL (http://127.0.0.1:8000) and the admin token from
--admin-token-file FILE or the DVID_ADMIN_TOKEN environment variable (needed only by servers that
require admin rights to create repos). Results go to stdout; --verbose adds progress lines before them.
Exit status: 0 ok, 1 failed (one line naming what), 2 bad command line.
)";

struct Command {
  const char* name;
  const char* help;
  std::set<std::string> single;   // options taking one value
  std::set<std::string> repeated; // options that may be given several times
};

const std::vector<Command>& commands() {
  static const std::vector<Command> list = {
      {"render-config", R"(usage: dvid-setup render-config --template FILE --out FILE --data-dir DIR
         [--http HOST:PORT] [--rpc HOST:PORT] [--note TEXT]
         [--ngprecomputed-ref REF [--ngprecomputed-instance NAME] [--ngprecomputed-uuid UUID]]

Renders DVID's TOML config (scripts/dvid-server.sh does the same with sed when this program is not built).
  --template FILE             workflows/01-dvid/dvid-config.toml.in
  --out FILE                  the config to write (atomically)
  --data-dir DIR              badger store, mutation log and dvid.log go here (made absolute)
  --http, --rpc               listen addresses (default 127.0.0.1:8000, 127.0.0.1:8001)
  --note TEXT                 GET /api/server/note answers this
  --ngprecomputed-ref REF     serve a neuroglancer precomputed uint8 volume through an ngprecomputed
                              store: s3://bucket/prefix/ or gs://bucket/prefix (info at REF/info)
  --ngprecomputed-instance N  DVID then creates uint8blk instances N, N_1, ... (one per scale) at start-up
  --ngprecomputed-uuid UUID   ... in this repo (default: the only repo); the repo must exist at start-up
)",
       {"--template", "--out", "--data-dir", "--http", "--rpc", "--note", "--ngprecomputed-ref",
        "--ngprecomputed-instance", "--ngprecomputed-uuid"},
       {}},
      {"create-repo", R"(usage: dvid-setup create-repo --server URL --alias ALIAS [--description TEXT]

Creates a repo and prints its root uuid.
)",
       {"--server", "--alias", "--description", "--admin-token-file"},
       {}},
      {"create-instance", R"(usage: dvid-setup create-instance --server URL --uuid UUID --type TYPE --name NAME
         [--setting KEY=VALUE ...] [--tags KEY=VALUE[,KEY=VALUE] ...] [--sync NAME ...]

Creates a data instance; settings are sent as JSON strings, as DVID requires.
  --type       labelmap | uint8blk | keyvalue | tarsupervoxels
  --setting    a creation setting, repeatable:
                 labelmap:        BlockSize=64,64,64 MaxDownresLevel=6 IndexedLabels=true VoxelSize=8,8,8
                                  VoxelUnits MinPoint MaxPoint
                 uint8blk:        BlockSize VoxelSize VoxelUnits MinPoint MaxPoint Background
                 tarsupervoxels:  Extension=drc (required)
                 every type:      Compression Checksum Versioned
  --tags       tags set at creation, e.g. type=meshes (uint8blk and tarsupervoxels cannot change them later)
  --sync       instance to sync with (POST .../sync); tarsupervoxels needs its labelmap
)",
       {"--server", "--uuid", "--type", "--name", "--admin-token-file"},
       {"--setting", "--tags", "--sync"}},
      {"commit", R"(usage: dvid-setup commit --server URL --uuid UUID --note TEXT

Commits (locks) the node and prints its uuid. A node committed already is left as it is (with a
warning), so a workflow script re-run after an interruption goes on.
)",
       {"--server", "--uuid", "--note", "--admin-token-file"},
       {}},
      {"new-version", R"(usage: dvid-setup new-version --server URL --uuid UUID [--note TEXT]
         [--branch NAME] [--if-child-exists fail|reuse]

Opens a child version of a committed node and prints the child's uuid. DVID allows one child per
node on the node's own branch (a second is refused: "branch already exists with given name").
  --branch NAME                 start a new branch NAME instead (unique in the repo)
  --if-child-exists reuse       if the node has its child already and that child is open (not
                                committed), print it instead of failing; a committed one is refused
                                with what to do. Default: fail, as DVID does.
)",
       {"--server", "--uuid", "--note", "--admin-token-file", "--branch", "--if-child-exists"},
       {}},
      {"publish", R"(usage: dvid-setup publish --bucket URL [--endpoint URL] [--region R] [--path-style true|false]
         [--profile P] [--cors-origin ORIGIN]... [--viewer URL] [--layer NAME]
         [--template FILE --out FILE --data-dir DIR [--http HOST:PORT] [--rpc HOST:PORT]
          [--ngprecomputed-instance NAME] [--ngprecomputed-uuid UUID]]

Publishes a precomputed volume in a bucket (s3://bucket/prefix or gs://bucket/prefix) the way the
seed does with gsutil, idempotently (settings already in place are reported and left alone):
  public read  GCS: IAM binding allUsers -> roles/storage.objectViewer (servers without the IAM API,
               such as fake-gcs-server: bucket ACL allUsers READER); S3: a bucket policy statement
               "dvidflow-public-read" granting s3:GetObject on bucket/prefix/* to everyone
  CORS         GET and HEAD from --cors-origin (default *), Range/Content-Type headers, max age 3600 s
               (GCS: bucket cors; S3: PutBucketCors, which MinIO does not implement: it answers
               CORS for all buckets itself, and the report says so)
Then prints one line per setting and the neuroglancer link (stdout, last line), and with --template
and --out renders DVID's TOML (as render-config) with an ngprecomputed store whose ref DVID v1.0.0 can
open for this bucket. Credentials and endpoints as for every bucket path (README "Buckets").
  --viewer URL  neuroglancer to link to (default https://neuroglancer-demo.appspot.com)
  --layer NAME  the layer's name (default grayscale)
)",
       {"--bucket", "--endpoint", "--region", "--path-style", "--profile", "--viewer", "--layer", "--template", "--out",
        "--data-dir", "--http", "--rpc", "--ngprecomputed-instance", "--ngprecomputed-uuid"},
       {"--cors-origin"}},
      {"info", R"(usage: dvid-setup info --server URL [--uuid UUID [--name INSTANCE]]

Prints JSON: the server's info; with --uuid the repo's info; with --name that instance's info.
)",
       {"--server", "--uuid", "--name", "--admin-token-file"},
       {}},
  };
  return list;
}

struct Parsed {
  std::map<std::string, std::vector<std::string>> values;
  bool help = false;
  bool verbose = false;
  bool has(const std::string& k) const { return values.count(k) > 0; }
  std::string get(const std::string& k, const std::string& fallback = {}) const {
    const auto it = values.find(k);
    return it == values.end() ? fallback : it->second.back();
  }
  const std::vector<std::string>& all(const std::string& k) const {
    static const std::vector<std::string> none;
    const auto it = values.find(k);
    return it == values.end() ? none : it->second;
  }
};

struct UsageError : Error {
  using Error::Error;
};

[[noreturn]] void usage_fail(const std::string& msg) { throw UsageError(msg); }

Parsed parse(const Command& cmd, const std::vector<std::string>& args) {
  Parsed p;
  for (size_t i = 0; i < args.size(); ++i) {
    std::string a = args[i], value;
    bool inline_value = false;
    if (const size_t eq = a.find('='); a.rfind("--", 0) == 0 && eq != std::string::npos) {
      value = a.substr(eq + 1);
      a = a.substr(0, eq);
      inline_value = true;
    }
    if (a == "--help" || a == "-h") { p.help = true; continue; }
    if (a == "--verbose" || a == "-v") { p.verbose = true; continue; }
    const bool single = cmd.single.count(a) > 0, repeated = cmd.repeated.count(a) > 0;
    if (!single && !repeated)
      usage_fail(fmt::format("dvid-setup {}: unknown argument {} (see dvid-setup {} --help)", cmd.name, a, cmd.name));
    if (!inline_value) {
      if (i + 1 >= args.size()) usage_fail(fmt::format("dvid-setup {}: {} needs a value", cmd.name, a));
      value = args[++i];
    }
    if (single && p.has(a)) usage_fail(fmt::format("dvid-setup {}: {} given twice", cmd.name, a));
    p.values[a].push_back(value);
  }
  return p;
}

std::string need(const Parsed& p, const Command& cmd, const std::string& key) {
  if (!p.has(key) || p.get(key).empty())
    usage_fail(fmt::format("dvid-setup {}: {} is required (see dvid-setup {} --help)", cmd.name, key, cmd.name));
  return p.get(key);
}

std::string admin_token(const std::string& token_file) {
  if (!token_file.empty()) {
    std::string t = read_text(token_file);
    while (!t.empty() && (t.back() == '\n' || t.back() == '\r' || t.back() == ' ')) t.pop_back();
    if (t.empty()) fail("{}: admin token file is empty", token_file);
    return t;
  }
  const char* env = std::getenv("DVID_ADMIN_TOKEN");
  return env ? env : "";
}

dvid::Client client_for(const Parsed& p, const Command& cmd) {
  dvid::Client c(need(p, cmd, "--server"));
  c.set_admin_token(admin_token(p.get("--admin-token-file")));
  c.set_default_query("app=dvid-setup");
  return c;
}

int render_config(const Parsed& p, const Command& cmd) {
  const std::string tmpl = need(p, cmd, "--template");
  const std::string out = need(p, cmd, "--out");
  ServerConfigValues v;
  v.data_dir = fs::absolute(need(p, cmd, "--data-dir")).lexically_normal().string();
  while (v.data_dir.size() > 1 && v.data_dir.back() == '/') v.data_dir.pop_back();
  v.http_address = p.get("--http", v.http_address);
  v.rpc_address = p.get("--rpc", v.rpc_address);
  v.note = p.get("--note", v.note);
  v.ng_ref = p.get("--ngprecomputed-ref");
  v.ng_instance = p.get("--ngprecomputed-instance");
  v.ng_uuid = p.get("--ngprecomputed-uuid");
  write_text_atomic(out, render_server_config(read_text(tmpl), v, tmpl));
  log::info("wrote {}", out);
  return 0;
}

int publish_cmd(const Parsed& p, const Command& cmd) {
  kv::Options o;
  o.endpoint = p.get("--endpoint");
  o.region = p.get("--region");
  o.profile = p.get("--profile");
  if (p.has("--path-style")) {
    const std::string v = p.get("--path-style");
    if (v != "true" && v != "false") usage_fail(fmt::format("dvid-setup publish: --path-style {}: expected true or false", v));
    o.path_style = v == "true";
  }
  kv::CorsRule cors;
  if (!p.all("--cors-origin").empty()) cors.origins = p.all("--cors-origin");
  const std::string url = need(p, cmd, "--bucket");
  const kv::PublishReport rep = kv::publish_bucket(url, o, cors);
  for (const auto& line : rep.lines) std::cout << url << ": " << line << "\n";
  std::cout << url << ": public URL " << rep.public_url << "\n";
  if (p.has("--out") || p.has("--template")) {
    if (rep.dvid_ref.empty()) fail("{}: no ngprecomputed ref DVID v1.0.0 can open (see the lines above)", url);
    ServerConfigValues v;
    v.data_dir = fs::absolute(need(p, cmd, "--data-dir")).lexically_normal().string();
    v.http_address = p.get("--http", v.http_address);
    v.rpc_address = p.get("--rpc", v.rpc_address);
    v.ng_ref = rep.dvid_ref;
    v.ng_instance = p.get("--ngprecomputed-instance");
    v.ng_uuid = p.get("--ngprecomputed-uuid");
    const std::string tmpl = need(p, cmd, "--template"), out = need(p, cmd, "--out");
    write_text_atomic(out, render_server_config(read_text(tmpl), v, tmpl));
    std::cout << url << ": wrote " << out << " (ngprecomputed ref " << rep.dvid_ref << ")\n";
  }
  std::cout << kv::neuroglancer_url(p.get("--viewer", "https://neuroglancer-demo.appspot.com"), rep.neuroglancer_source,
                                    p.get("--layer", "grayscale"))
            << "\n";
  return 0;
}

int create_repo(const Parsed& p, const Command& cmd) {
  auto c = client_for(p, cmd);
  const std::string uuid = dvid::create_repo(c, need(p, cmd, "--alias"), p.get("--description"));
  std::cout << uuid << "\n";
  return 0;
}

int create_instance(const Parsed& p, const Command& cmd) {
  InstanceSpec s;
  s.type = need(p, cmd, "--type");
  s.name = need(p, cmd, "--name");
  const std::string uuid = need(p, cmd, "--uuid");
  for (const auto& kv : p.all("--setting")) {
    const size_t eq = kv.find('=');
    if (eq == std::string::npos || eq == 0) usage_fail(fmt::format("dvid-setup create-instance: --setting {}: expected KEY=VALUE", kv));
    if (s.settings.count(kv.substr(0, eq))) usage_fail(fmt::format("dvid-setup create-instance: --setting {} given twice", kv.substr(0, eq)));
    s.settings[kv.substr(0, eq)] = kv.substr(eq + 1);
  }
  for (const auto& list : p.all("--tags")) {
    size_t start = 0;
    while (start <= list.size()) {
      const size_t comma = list.find(',', start);
      const std::string tag = list.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
      if (!tag.empty()) s.tags.push_back(tag);
      if (comma == std::string::npos) break;
      start = comma + 1;
    }
  }
  for (const auto& name : p.all("--sync")) s.sync.push_back(name);
  check_instance_spec(s, "dvid-setup create-instance");
  auto c = client_for(p, cmd);
  dvid::create_instance(c, uuid, s.type, s.name, creation_settings(s));
  log::info("created {} instance {} in {}", s.type, s.name, uuid);
  if (!s.sync.empty()) {
    std::string joined;
    for (const auto& n : s.sync) joined += (joined.empty() ? "" : ",") + n;
    dvid::set_syncs(c, uuid, s.name, joined);
    log::info("synced {} with {}", s.name, joined);
  }
  return 0;
}

int commit_cmd(const Parsed& p, const Command& cmd) {
  auto c = client_for(p, cmd);
  const std::string uuid = need(p, cmd, "--uuid"), note = need(p, cmd, "--note");
  if (dvid::node_locked(c, uuid)) {
    log::warn("node {} is committed already; not committing it again (note \"{}\" not recorded)", uuid, note);
    std::cout << uuid << "\n";
    return 0;
  }
  std::cout << dvid::commit(c, uuid, note) << "\n";
  return 0;
}

int new_version_cmd(const Parsed& p, const Command& cmd) {
  auto c = client_for(p, cmd);
  const std::string uuid = need(p, cmd, "--uuid"), branch = p.get("--branch"), if_exists = p.get("--if-child-exists", "fail");
  if (if_exists != "fail" && if_exists != "reuse")
    usage_fail(fmt::format("dvid-setup new-version: --if-child-exists {}: expected fail or reuse", if_exists));
  if (branch.empty()) {
    if (const auto child = dvid::branch_child(c, uuid)) {
      const std::string on = child->branch.empty() ? "its own (master) branch" : "its branch \"" + child->branch + "\"";
      if (if_exists == "reuse" && !child->locked) {
        log::warn("node {} has the open child version {} on {} already; using it", uuid, child->uuid, on);
        std::cout << child->uuid << "\n";
        return 0;
      }
      fail("DVID {}: node {} has the {} child version {} on {} already, and DVID allows one (it answers \"branch "
           "already exists with given name\"); start a branch of your own (--branch NAME; ingest-agglo-indices.sh: "
           "DVID_BRANCH=NAME){}",
           c.server(), uuid, child->locked ? "committed" : "open", child->uuid, on,
           child->locked ? "" : ", or use that child (--if-child-exists reuse)");
    }
  }
  std::cout << dvid::new_version(c, uuid, p.get("--note"), branch) << "\n";
  return 0;
}

int info_cmd(const Parsed& p, const Command& cmd) {
  auto c = client_for(p, cmd);
  nlohmann::json j;
  if (p.has("--name")) j = dvid::instance_info(c, need(p, cmd, "--uuid"), p.get("--name"));
  else if (p.has("--uuid")) j = dvid::repo_info(c, p.get("--uuid"));
  else j = dvid::server_info(c);
  std::cout << j.dump(2) << "\n";
  return 0;
}

// The workflow stage is a serial program: under `mpirun -n N` only rank 0 works.
int mpi_rank() {
  for (const char* var : {"OMPI_COMM_WORLD_RANK", "PMI_RANK", "PMIX_RANK"})
    if (const char* v = std::getenv(var); v && *v) return std::atoi(v);
  return 0;
}

int workflow_cmd(const std::vector<std::string>& args) {
  std::string config, exec_dir;
  for (size_t i = 0; i < args.size(); ++i) {
    const auto value = [&]() -> std::string {
      if (i + 1 >= args.size()) usage_fail(fmt::format("dvid-setup: {} needs a value", args[i]));
      return args[++i];
    };
    if (args[i] == "--config") config = value();
    else if (args[i] == "--exec-dir") exec_dir = value();
    else usage_fail(fmt::format("dvid-setup: unknown argument {} (see dvid-setup --help)", args[i]));
  }
  if (config.empty()) usage_fail("dvid-setup: --config FILE is required (see dvid-setup --help)");
  if (const int rank = mpi_rank(); rank != 0) return 0;
  run_workflow(config, exec_dir);
  return 0;
}

}  // namespace

int dvid_setup_main(const std::vector<std::string>& args) {
  log::set_source("dvid-setup");
  try {
    if (args.empty() || args[0] == "--help" || args[0] == "-h" || args[0] == "help") {
      std::cout << kMainHelp;
      return args.empty() ? kUsage : 0;
    }
    if (args[0].rfind("--", 0) == 0) return workflow_cmd(args);
    const std::vector<std::string> rest(args.begin() + 1, args.end());
    for (const auto& cmd : commands()) {
      if (args[0] != cmd.name) continue;
      const Parsed p = parse(cmd, rest);
      if (p.help) {
        std::cout << cmd.help;
        return 0;
      }
      // Results go to stdout; progress only with --verbose (log::info writes to stdout).
      log::set_level(p.verbose ? log::Level::info : log::Level::warn);
      const std::string name = cmd.name;
      if (name == "render-config") return render_config(p, cmd);
      if (name == "create-repo") return create_repo(p, cmd);
      if (name == "create-instance") return create_instance(p, cmd);
      if (name == "commit") return commit_cmd(p, cmd);
      if (name == "new-version") return new_version_cmd(p, cmd);
      if (name == "info") return info_cmd(p, cmd);
      if (name == "publish") return publish_cmd(p, cmd);
    }
    usage_fail(fmt::format("dvid-setup: unknown command \"{}\" (see dvid-setup --help)", args[0]));
  } catch (const UsageError& e) {
    std::cerr << e.what() << "\n";
    return kUsage;
  } catch (const Error& e) {
    log::error("{}", e.what());
    return 1;
  } catch (const std::exception& e) {
    log::error("unexpected error: {}", e.what());
    return 1;
  }
}

}  // namespace dflow::dvidsetup
