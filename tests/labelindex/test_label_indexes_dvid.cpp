// ingest-label-indexes against the REAL DVID server: the voxels of the generated segmentation are
// ingested with /ingest-supervoxels (our block codec + gzip), the program posts indexes and the
// mapping, and DVID's own read endpoints must then agree with the statistics and the mapping.
#include <catch2/catch.hpp>

#include <fcntl.h>
#include <unistd.h>

#include <cstring>
#include <regex>
#include <set>

#include "codec/dvid_labels.hpp"
#include "codec/gzip.hpp"
#include "core/array.hpp"
#include "core/files.hpp"
#include "dvid/block_stream.hpp"
#include "dvid/labelindex.hpp"
#include "dvid/labelmap.hpp"
#include "dvid/repo.hpp"
#include "label_index_test_support.hpp"
#include "labelindex/dvid_target.hpp"
#include "labelindex/ingest.hpp"
#include "test_support.hpp"

using namespace dflow;
using nlohmann::json;
namespace fs = std::filesystem;

namespace {

std::string dvid_url() {
  const char* u = std::getenv("DFLOW_DVID_URL");
  if (!u) fail("DFLOW_DVID_URL is not set: run through ctest, which starts DVID");
  return u;
}

std::string admin_token() {
  const char* d = std::getenv("DFLOW_DVID_DIR");
  std::ifstream in(std::string(d ? d : ".") + "/admin-token");
  std::string t;
  in >> t;
  return t;
}

// The generated segmentation, at its global box.
Array3<uint64_t> load_segmentation(const json& e) {
  const Vec3 origin{e["origin_xyz"][0], e["origin_xyz"][1], e["origin_xyz"][2]};
  const Vec3 shape{e["shape_zyx"][2], e["shape_zyx"][1], e["shape_zyx"][0]};
  Array3<uint64_t> seg(Box{origin, origin + shape});
  const auto bytes = read_file(test::label_index_data() / "seg.bin");
  REQUIRE(bytes.size() == seg.size() * 8);
  std::memcpy(seg.data(), bytes.data(), bytes.size());
  return seg;
}

struct Repo {
  dvid::Client client{dvid_url()};
  std::string uuid;
  std::string instance = "segmentation";
  explicit Repo(const std::string& alias) {
    client.set_admin_token(admin_token());
    uuid = dvid::create_repo(client, alias, "ingest-label-indexes test");
    dvid::create_instance(client, uuid, "labelmap", instance, {{"BlockSize", "64,64,64"}});
  }
  std::string path(const std::string& node, const std::string& endpoint) const {
    return "/api/node/" + node + "/" + instance + "/" + endpoint;
  }
  // GET; std::nullopt on 404.
  std::optional<std::string> get(const std::string& node, const std::string& endpoint, const std::string& body = {}) {
    const auto r = client.request("GET", path(node, endpoint), std::as_bytes(std::span(body.data(), body.size())));
    if (r.status == 404) return std::nullopt;
    if (r.status / 100 != 2) fail("GET {}: HTTP {}: {}", endpoint, r.status, r.body);
    return r.body;
  }
  void ingest_voxels(const Array3<uint64_t>& seg) {
    dvid::Labelmap lm(client, uuid, instance);
    const Box blocks = seg.box().round_out(Vec3::fill(64));
    std::vector<std::byte> stream;
    for (int64_t z = blocks.lo.z; z < blocks.hi.z; z += 64)
      for (int64_t y = blocks.lo.y; y < blocks.hi.y; y += 64)
        for (int64_t x = blocks.lo.x; x < blocks.hi.x; x += 64) {
          const Box b{{x, y, z}, {x + 64, y + 64, z + 64}};
          Array3<uint64_t> block(b);  // zero-filled
          const Box in = b.intersect(seg.box());
          bool any = false;
          for (int64_t zz = in.lo.z; zz < in.hi.z; ++zz)
            for (int64_t yy = in.lo.y; yy < in.hi.y; ++yy)
              for (int64_t xx = in.lo.x; xx < in.hi.x; ++xx) {
                const uint64_t v = seg.at({xx, yy, zz});
                block.at({xx, yy, zz}) = v;
                any |= v != 0;
              }
          if (!any) continue;
          const auto enc = dvidlabels::encode_block(block.data(), Vec3::fill(64));
          dvid::append_block_record(stream, floor_div(Vec3{x, y, z}, Vec3::fill(64)), gzip::compress(enc, gzip::Format::gzip));
        }
    lm.ingest_supervoxels(stream, 0);
    lm.post_extents(seg.box());
  }
};

// Runs the command line in this process; returns (exit status, what it wrote to stderr).
std::pair<int, std::string> run_cli(const std::vector<std::string>& args, const fs::path& scratch) {
  std::vector<std::string> argv_s{"ingest-label-indexes"};
  argv_s.insert(argv_s.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (auto& s : argv_s) argv.push_back(s.data());
  const fs::path err = scratch / "stderr.txt";
  std::fflush(stderr);
  const int saved = ::dup(2);
  const int fd = ::open(err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  ::dup2(fd, 2);
  ::close(fd);
  const int rc = labelindex::ingest_label_indexes_main(int(argv.size()), argv.data());
  std::fflush(stderr);
  ::dup2(saved, 2);
  ::close(saved);
  const std::string text = read_text(err);
  std::fwrite(text.data(), 1, text.size(), stderr);  // keep it visible in the test log
  return {rc, text};
}

// Voxels in a legacy-RLE sparsevol: 12-byte header, then (x, y, z, length) int32 spans.
uint64_t rle_voxels(const std::string& rle) {
  REQUIRE(rle.size() >= 12);
  uint32_t spans = 0;
  std::memcpy(&spans, rle.data() + 8, 4);
  REQUIRE(rle.size() == 12 + size_t(spans) * 16);
  uint64_t n = 0;
  for (uint32_t i = 0; i < spans; ++i) {
    int32_t len = 0;
    std::memcpy(&len, rle.data() + 12 + i * 16 + 12, 4);
    n += uint64_t(len);
  }
  return n;
}

// Checks DVID's index, size, sparsevol-size and sparsevol of `label` against the expected blocks
// ([bx, by, bz, sv, count] rows).
void check_label(Repo& r, const std::string& node, uint64_t label, const json& blocks, uint64_t voxels) {
  INFO("label " << label << " at " << node);
  const auto wire = r.get(node, fmt::format("index/{}", label));
  REQUIRE(wire.has_value());
  dvidpb::LabelIndex li;
  REQUIRE(li.ParseFromString(*wire));
  test::Triples want;
  std::set<std::tuple<int64_t, int64_t, int64_t>> block_set;
  for (const auto& b : blocks) {
    want.emplace_back(dvid::encode_block_index(b[0], b[1], b[2]), b[3].get<uint64_t>(), b[4].get<uint32_t>());
    block_set.emplace(b[0].get<int64_t>(), b[1].get<int64_t>(), b[2].get<int64_t>());
  }
  std::sort(want.begin(), want.end());
  CHECK(test::triples(li) == want);
  CHECK(li.label() == label);
  CHECK(li.last_mod_app() == "dvidflow");
  CHECK(std::regex_match(li.last_mod_time(), std::regex(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ)")));
  const json size = json::parse(*r.get(node, fmt::format("size/{}", label)));
  CHECK(size["voxels"].get<uint64_t>() == voxels);
  const json sv_size = json::parse(*r.get(node, fmt::format("sparsevol-size/{}", label)));
  CHECK(sv_size["voxels"].get<uint64_t>() == voxels);
  CHECK(sv_size["numblocks"].get<uint64_t>() == block_set.size());
  int64_t minx = INT64_MAX;
  for (const auto& [bx, by, bz] : block_set) minx = std::min(minx, bx * 64);
  CHECK(sv_size["minvoxel"][0].get<int64_t>() == minx);
  // The sparsevol is computed from the VOXELS of the indexed blocks: right only if every key is right.
  CHECK(rle_voxels(*r.get(node, fmt::format("sparsevol/{}", label))) == voxels);
}

json sv_blocks(uint64_t sv, const json& info) {
  json out = json::array();
  for (const auto& b : info["blocks"]) out.push_back({b[0], b[1], b[2], sv, b[3]});
  return out;
}

std::vector<std::string> target(const Repo& r, const std::string& node) {
  return {"--server", dvid_url(), "--uuid", node, "--instance", r.instance};
}

std::vector<std::string> operator+(std::vector<std::string> a, const std::vector<std::string>& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

std::string repo_child(Repo& r, const std::string& note) {
  dvid::commit(r.client, r.uuid, note);
  return dvid::new_version(r.client, r.uuid, "agglomeration");
}

}  // namespace

TEST_CASE("supervoxel label indexes (no mapping) equal the statistics; DVID's sizes and sparsevols agree") {
  const auto e = test::label_index_expected();
  const fs::path data = test::label_index_data();
  const fs::path scratch = test::scratch_dir("li-dvid-sv");
  Repo r("li-sv");
  r.ingest_voxels(load_segmentation(e));
  const uint64_t mutid = labelindex::repo_mutation_id(r.client, r.uuid);
  // Small batches and 2 threads: many concurrent POSTs.
  const auto [rc, err] = run_cli(target(r, r.uuid) + std::vector<std::string>{"--stats", (data / "block-statistics.h5").string(),
                                  "--batch-size", "20", "--threads", "2", "--work-dir", scratch.string()}, scratch);
  REQUIRE(rc == 0);
  CHECK(err.find("repeated (block, supervoxel) rows") != std::string::npos);  // the warning about repeats
  for (const auto& [sv, info] : e["supervoxels"].items()) {
    const uint64_t label = std::stoull(sv);
    check_label(r, r.uuid, label, sv_blocks(label, info), info["voxels"]);
    dvidpb::LabelIndex li;
    li.ParseFromString(*r.get(r.uuid, fmt::format("index/{}", label)));
    CHECK(li.last_mutid() == mutid);
  }
  CHECK_FALSE(r.get(r.uuid, "index/424242").has_value());
  CHECK(fs::exists(scratch / fmt::format("ingest-label-indexes-{}-{}.progress", r.uuid, r.instance)));
}

TEST_CASE("agglomeration on a child version: body indexes, tombstones, /mapping, /supervoxels, mapped voxels") {
  const auto e = test::label_index_expected();
  const fs::path data = test::label_index_data();
  const fs::path scratch = test::scratch_dir("li-dvid-agglo");
  Repo r("li-agglo");
  const auto seg = load_segmentation(e);
  r.ingest_voxels(seg);
  REQUIRE(run_cli(target(r, r.uuid) + std::vector<std::string>{"--stats", (data / "block-statistics.h5").string(), "--work-dir",
                                                               (scratch / "root").string()}, scratch).first == 0);

  SECTION("mappings are refused on the committed node before anything is posted") {
    dvid::commit(r.client, r.uuid, "supervoxels");
    const auto [rc, err] = run_cli(target(r, r.uuid) + std::vector<std::string>{"--stats", (data / "block-statistics.h5").string(),
                                    "--mapping", (data / "mapping.csv").string(), "--operation", "both", "--work-dir", scratch.string()}, scratch);
    CHECK(rc == 1);
    CHECK(err.find("is committed (locked)") != std::string::npos);
  }

  SECTION("--operation both with mapping.csv on the child") {
    const std::string child = repo_child(r, "supervoxels");
    const auto [rc, err] = run_cli(target(r, child) + std::vector<std::string>{"--stats", (data / "block-statistics.h5").string(),
                                    "--mapping", (data / "mapping.csv").string(), "--operation", "both", "--batch-size", "7",
                                    "--work-dir", scratch.string(), "--last-mutid", "4242"}, scratch);
    REQUIRE(rc == 0);
    std::map<uint64_t, uint64_t> body_of;
    for (const auto& m : e["mapping"]) body_of[m[0]] = m[1];
    for (const auto& [body, info] : e["bodies"].items()) {
      const uint64_t b = std::stoull(body);
      check_label(r, child, b, info["blocks"], info["voxels"]);
      dvidpb::LabelIndex li;
      li.ParseFromString(*r.get(child, fmt::format("index/{}", b)));
      CHECK(li.last_mutid() == 4242);
      // GET /supervoxels/{body}: from the body's index.
      auto svs = json::parse(*r.get(child, fmt::format("supervoxels/{}", b))).get<std::vector<uint64_t>>();
      std::sort(svs.begin(), svs.end());
      CHECK(svs == info["svs"].get<std::vector<uint64_t>>());
    }
    // Tombstoned supervoxels have no index any more at the child; the parent keeps them.
    for (const auto& t : e["tombstones"]) {
      const uint64_t sv = t;
      INFO("tombstone " << sv);
      CHECK_FALSE(r.get(child, fmt::format("index/{}", sv)).has_value());
      CHECK(r.get(r.uuid, fmt::format("index/{}", sv)).has_value());
    }
    REQUIRE(!e["tombstones"].empty());
    // GET /mapping (supervoxels in the GET body): every supervoxel -> its body.
    std::vector<uint64_t> query;
    std::vector<uint64_t> want;
    for (const auto& [sv, _] : e["supervoxels"].items()) {
      const uint64_t s = std::stoull(sv);
      query.push_back(s);
      want.push_back(body_of.count(s) ? body_of[s] : s);
    }
    const uint64_t extra = e["extra_mapped_sv"];
    query.push_back(extra);
    want.push_back(body_of.at(extra));
    CHECK(json::parse(*r.get(child, "mapping", json(query).dump())).get<std::vector<uint64_t>>() == want);
    // GET /mappings lists exactly the non-identity rows of the file.
    std::set<std::pair<uint64_t, uint64_t>> listed, want_listed;
    std::istringstream lines(*r.get(child, "mappings"));
    for (uint64_t a, b; lines >> a >> b;) listed.emplace(a, b);
    for (const auto& [s, b] : body_of)
      if (s != b) want_listed.emplace(s, b);
    CHECK(listed == want_listed);
    // Voxels read through the mapping are body ids.
    dvid::Labelmap lm(r.client, child, r.instance);
    const auto mapped = lm.raw(seg.box(), 0, false);
    size_t bad = 0;
    for (size_t i = 0; i < seg.size(); ++i) {
      const uint64_t sv = seg.data()[i];
      bad += mapped.data()[i] != (sv == 0 ? 0 : (body_of.count(sv) ? body_of[sv] : sv));
    }
    CHECK(bad == 0);
  }
}

TEST_CASE("bad mapping rows: exit 1 with one line naming file:line, and nothing is posted") {
  const auto e = test::label_index_expected();
  const fs::path data = test::label_index_data();
  const fs::path scratch = test::scratch_dir("li-dvid-bad");
  Repo r("li-bad");
  for (const auto& [file, fragment] : e["bad_files"].items()) {
    INFO(file);
    const auto [rc, err] = run_cli(target(r, r.uuid) + std::vector<std::string>{"--stats", (data / "block-statistics.h5").string(),
                                    "--mapping", (data / file).string(), "--operation", "both", "--work-dir", scratch.string()}, scratch);
    CHECK(rc == 1);
    CHECK(err.find(fragment.get<std::string>()) != std::string::npos);
    CHECK(std::count(err.begin(), err.end(), '\n') == 1);  // one clear line
  }
  CHECK(r.get(r.uuid, "mappings").value_or("x").empty());
  for (const auto& [sv, _] : e["supervoxels"].items()) CHECK_FALSE(r.get(r.uuid, "index/" + sv).has_value());
  CHECK_FALSE(fs::exists(scratch / fmt::format("ingest-label-indexes-{}-{}.progress", r.uuid, r.instance)));
}

TEST_CASE("resume against DVID: a run that failed after some mapping batches never posts them again") {
  const auto e = test::label_index_expected();
  const fs::path scratch = test::scratch_dir("li-dvid-resume");
  Repo r("li-resume");
  r.ingest_voxels(load_segmentation(e));
  const std::string child = repo_child(r, "supervoxels");
  // DVID's sink, wrapped to count POSTs and to fail once after two mapping batches.
  struct Counting : labelindex::Sink {
    labelindex::DvidSink inner;
    int mapping_posts = 0, fail_at = 0;
    std::vector<uint64_t> posted_bodies;
    Counting(const std::string& uuid) : inner(dvid_url(), uuid, "segmentation", 2, "u=test&app=dvidflow") {}
    void post_indices(int w, const std::string& wire, size_t n) override { inner.post_indices(w, wire, n); }
    void post_mappings(int w, const std::string& wire, size_t n) override {
      if (++mapping_posts == fail_at) fail("injected failure");
      inner.post_mappings(w, wire, n);
      dvidpb::MappingOps ops;
      ops.ParseFromString(wire);
      for (const auto& op : ops.mappings()) posted_bodies.push_back(op.mapped());
    }
  };
  labelindex::IngestOptions o;
  o.stats = test::label_index_data() / "block-statistics.h5";
  o.mapping = test::label_index_data() / "mapping.csv";
  o.operation = labelindex::Operation::both;
  o.batch_rows = 4;
  o.threads = 2;
  o.work_dir = scratch;
  o.progress_name = "resume.progress";
  o.progress_interval = 0;
  Counting first(child);
  first.fail_at = 3;
  CHECK_THROWS_WITH(labelindex::run_ingest(o, first), Catch::Contains("injected failure"));
  REQUIRE(first.posted_bodies.size() >= 2);
  Counting second(child);
  const auto sum = labelindex::run_ingest(o, second);
  CHECK(sum.index_batches == 0);  // all index batches were recorded by the first run
  std::vector<uint64_t> all = first.posted_bodies;
  all.insert(all.end(), second.posted_bodies.begin(), second.posted_bodies.end());
  std::set<uint64_t> unique(all.begin(), all.end());
  CHECK(unique.size() == all.size());  // no body's mapping posted twice
  std::set<uint64_t> bodies;
  for (const auto& m : e["mapping"]) bodies.insert(m[1].get<uint64_t>());
  CHECK(unique == bodies);
  // DVID ends with the full mapping.
  std::set<std::pair<uint64_t, uint64_t>> listed, want;
  std::istringstream lines(*r.get(child, "mappings"));
  for (uint64_t a, b; lines >> a >> b;) listed.emplace(a, b);
  for (const auto& m : e["mapping"])
    if (m[0] != m[1]) want.emplace(m[0], m[1]);
  CHECK(listed == want);
}

namespace {
// Where the workflow scripts' programs (ingest-label-indexes, dvid-setup) and the scripts are.
struct ScriptDirs {
  fs::path bin, workflows;
};
ScriptDirs script_dirs() {
  const char* exe = std::getenv("DFLOW_INGEST_LABEL_INDEXES");
  const char* wf = std::getenv("DFLOW_WORKFLOWS");
  REQUIRE(exe);
  REQUIRE(wf);
  return {fs::path(exe).parent_path(), wf};
}
}  // namespace

TEST_CASE("workflow scripts: 03a ingest-sv-indices.sh, then 04 ingest-agglo-indices.sh between the seed's commits") {
  const ScriptDirs dirs = script_dirs();
  const auto e = test::label_index_expected();
  const fs::path data = test::label_index_data();
  const fs::path exec_dir = test::scratch_dir("li-dvid-scripts");
  fs::copy_file(data / "block-statistics.h5", exec_dir / "block-statistics.h5");
  Repo r("li-scripts");
  r.ingest_voxels(load_segmentation(e));
  const std::string env = fmt::format("DFLOW_BIN_DIR='{}' DVID_SERVER='{}' DVID_UUID='{}' DVID_INSTANCE='{}' ",
                                      dirs.bin.string(), dvid_url(), r.uuid, r.instance);
  const fs::path sv_script = dirs.workflows / "03a-ingest-supervoxels" / "ingest-sv-indices.sh";
  const fs::path agglo_script = dirs.workflows / "04-load-agglomeration" / "ingest-agglo-indices.sh";
  REQUIRE(std::system((env + "bash '" + sv_script.string() + "' '" + exec_dir.string() + "'").c_str()) == 0);
  const auto& [sv0, info0] = *e["supervoxels"].items().begin();
  check_label(r, r.uuid, std::stoull(sv0), sv_blocks(std::stoull(sv0), info0), info0["voxels"]);
  REQUIRE(std::system((env + "bash '" + agglo_script.string() + "' '" + exec_dir.string() + "' '" +
                       (data / "mapping.csv").string() + "'").c_str()) == 0);
  const std::string child = [&] {
    std::ifstream in(exec_dir / "agglo-uuid");
    std::string u;
    in >> u;
    return u;
  }();
  REQUIRE(!child.empty());
  CHECK(child != r.uuid);
  // The seed's commits: the supervoxel node and the agglomeration node are locked with its notes,
  // and a child is open for proofreading.
  const auto read_uuid = [&](const char* file) {
    std::ifstream in(exec_dir / file);
    std::string u;
    in >> u;
    return u;
  };
  const std::string proof = read_uuid("proofreading-uuid");
  REQUIRE(!proof.empty());
  const auto note_of = [&](const std::string& node) {
    const auto resp = r.client.request("GET", "/api/node/" + node + "/note", {});
    REQUIRE(resp.status == 200);
    return json::parse(resp.body).value("note", std::string("(no note)"));
  };
  CHECK(dvid::node_locked(r.client, r.uuid));
  CHECK(dvid::node_locked(r.client, child));
  CHECK_FALSE(dvid::node_locked(r.client, proof));
  CHECK(note_of(r.uuid) == "Ingested supervoxels");
  CHECK(note_of(child) == "Ingested agglomeration mapping/indexes");
  CHECK(note_of(proof) == "Open for proofreading");
  // The proofreading node sees the agglomeration.
  const auto& [body0, binfo0] = *e["bodies"].items().begin();
  check_label(r, proof, std::stoull(body0), binfo0["blocks"], binfo0["voxels"]);
  for (const auto& [body, info] : e["bodies"].items()) check_label(r, child, std::stoull(body), info["blocks"], info["voxels"]);
  for (const auto& t : e["tombstones"]) CHECK_FALSE(r.get(child, fmt::format("index/{}", t.get<uint64_t>())).has_value());
  // Run again: nothing left to do.
  CHECK(std::system((env + "bash '" + agglo_script.string() + "' '" + exec_dir.string() + "' '" +
                     (data / "mapping.csv").string() + "' | grep -q 'already done'").c_str()) == 0);
  // A failing run (bad mapping) makes the script fail too.
  fs::remove(exec_dir / "proofreading-uuid");
  fs::remove(exec_dir / "agglo-uuid");
  CHECK(std::system((env + "bash '" + agglo_script.string() + "' '" + exec_dir.string() + "' '" +
                     (data / "bad-sv0.csv").string() + "' 2>/dev/null").c_str()) != 0);
}

TEST_CASE("04 ingest-agglo-indices.sh for a second labelmap of the same node: DVID's one-child rule, then a branch") {
  const ScriptDirs dirs = script_dirs();
  const auto e = test::label_index_expected();
  const fs::path data = test::label_index_data();
  const fs::path scratch = test::scratch_dir("li-dvid-second");
  // Two labelmaps of the same supervoxels in one node, each with its ingestion's exec dir.
  Repo r("li-second");
  const auto seg = load_segmentation(e);
  r.ingest_voxels(seg);
  dvid::create_instance(r.client, r.uuid, "labelmap", "segmentation2", {{"BlockSize", "64,64,64"}});
  Repo& r2 = r;
  r2.instance = "segmentation2";
  r2.ingest_voxels(seg);
  const std::string bin = dirs.bin.string();
  const fs::path script = dirs.workflows / "04-load-agglomeration" / "ingest-agglo-indices.sh";
  const auto run_for = [&](const std::string& instance, const fs::path& dir, const std::string& extra_env) {
    fs::create_directories(dir);
    if (!fs::exists(dir / "block-statistics.h5")) fs::copy_file(data / "block-statistics.h5", dir / "block-statistics.h5");
    const std::string cmd = fmt::format("DFLOW_BIN_DIR='{}' DVID_SERVER='{}' DVID_UUID='{}' DVID_INSTANCE='{}' {} bash '{}' '{}' '{}' "
                                        "> '{}/script.out' 2>&1",
                                        bin, dvid_url(), r2.uuid, instance, extra_env, script.string(), dir.string(),
                                        (data / "mapping.csv").string(), dir.string());
    const int st = std::system(cmd.c_str());
    return std::make_pair(st, read_text(dir / "script.out"));
  };
  const auto uuid_in = [](const fs::path& f) { return fs::exists(f) ? read_text(f).substr(0, 32) : std::string(); };

  const auto [st1, out1] = run_for("segmentation", scratch / "first", "");
  INFO(out1);
  REQUIRE(st1 == 0);
  const std::string child1 = uuid_in(scratch / "first" / "agglo-uuid");
  REQUIRE(!child1.empty());

  // The node's one child is committed: refused with DVID's rule and what to do, nothing written.
  const auto [st2, out2] = run_for("segmentation2", scratch / "second", "");
  INFO(out2);
  CHECK(st2 != 0);
  CHECK(out2.find("has the committed child version " + child1) != std::string::npos);
  CHECK(out2.find("branch already exists with given name") != std::string::npos);
  CHECK(out2.find("DVID_BRANCH=NAME") != std::string::npos);
  CHECK_FALSE(fs::exists(scratch / "second" / "agglo-uuid"));

  // On a branch of its own: agglomerated, committed, and open for proofreading there.
  const auto [st3, out3] = run_for("segmentation2", scratch / "second", "DVID_BRANCH=second-labelmap");
  INFO(out3);
  REQUIRE(st3 == 0);
  const std::string child2 = uuid_in(scratch / "second" / "agglo-uuid"), proof2 = uuid_in(scratch / "second" / "proofreading-uuid");
  REQUIRE(!proof2.empty());
  CHECK(child2 != child1);
  const auto nodes = dvid::repo_info(r2.client, r2.uuid)["DAG"]["Nodes"];
  CHECK(nodes[child2]["Branch"] == "second-labelmap");
  CHECK(nodes[proof2]["Branch"] == "second-labelmap");
  CHECK(dvid::node_locked(r2.client, child2));
  CHECK_FALSE(dvid::node_locked(r2.client, proof2));
  for (const auto& [body, info] : e["bodies"].items()) check_label(r2, proof2, std::stoull(body), info["blocks"], info["voxels"]);

  // dvid-setup new-version: an open child is reused when asked, and named when not.
  const std::string setup = fmt::format("'{}/dvid-setup' new-version --server '{}' --uuid {} ", bin, dvid_url(), child2);
  CHECK(std::system((setup + "--if-child-exists reuse 2>/dev/null | grep -qx " + proof2).c_str()) == 0);
  CHECK(std::system((setup + "2>&1 | grep -q 'has the open child version " + proof2 + "'").c_str()) == 0);
}
