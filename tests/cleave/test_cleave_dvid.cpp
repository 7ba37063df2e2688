// cleave-server against the REAL DVID, on the example as run-example ingests it: supervoxels through
// /ingest-supervoxels, label indexes, then the agglomeration (body indexes + mapping) on a child
// version by ingest-label-indexes. The table is built by construct-cleave-table from the example's
// edges.csv and mapping.csv; the server runs as its own process and is asked over HTTP. Answers are
// checked by tests/cleave/check_cleave.py with networkx (PyPI), not by our code.
#include "cleave_test_support.hpp"

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <map>
#include <set>

#include <nlohmann/json.hpp>

#include "codec/dvid_labels.hpp"
#include "codec/gzip.hpp"
#include "core/files.hpp"
#include "dvid/block_stream.hpp"
#include "dvid/labelmap.hpp"
#include "dvid/repo.hpp"
#include "example/example.hpp"
#include "labelindex/ingest.hpp"
#include "stats/block_stats.hpp"

using namespace dflow;
using nlohmann::json;
namespace fs = std::filesystem;

namespace {

// Set by tests.cmake (the test DVID port + 30 / + 31).
const int kPort = std::getenv("DFLOW_CLEAVE_TEST_PORT") ? std::atoi(std::getenv("DFLOW_CLEAVE_TEST_PORT")) : 18630;

int run_li(std::vector<std::string> args) {
  args.insert(args.begin(), "ingest-label-indexes");
  std::vector<char*> argv;
  for (auto& s : args) argv.push_back(s.data());
  return labelindex::ingest_label_indexes_main(int(argv.size()), argv.data());
}

// The example in DVID, built once for all test cases of this program.
struct ExampleInDvid {
  fs::path dir;
  std::string root, child, instance = "segmentation";
  std::map<uint64_t, std::vector<uint64_t>> bodies;  // body -> supervoxels, from mapping.csv
  fs::path table;

  ExampleInDvid() {
    dir = test::scratch_dir("cleave-example");
    example::ExampleParams p;
    p.size = {192, 192, 128};  // block-aligned, as block_stats wants
    p.threads = 2;
    example::write_example(p, dir);
    const Array3<uint64_t> seg = example::generate_example(p).segmentation;

    dvid::Client c(test::env_required("DFLOW_DVID_URL"));
    c.set_admin_token(test::test_admin_token());
    root = dvid::create_repo(c, "cleave-example", "cleave server test");
    dvid::create_instance(c, root, "labelmap", instance, {{"BlockSize", "64,64,64"}});
    // Supervoxels, as the ingest stage posts them.
    dvid::Labelmap lm(c, root, instance);
    std::vector<std::byte> stream;
    const Box blocks = seg.box().round_out(Vec3::fill(64));
    for (int64_t z = blocks.lo.z; z < blocks.hi.z; z += 64)
      for (int64_t y = blocks.lo.y; y < blocks.hi.y; y += 64)
        for (int64_t x = blocks.lo.x; x < blocks.hi.x; x += 64) {
          const Box b{{x, y, z}, {x + 64, y + 64, z + 64}};
          Array3<uint64_t> block(b);
          block.paste(seg);
          const auto enc = dvidlabels::encode_block(block.data(), Vec3::fill(64));
          dvid::append_block_record(stream, floor_div(Vec3{x, y, z}, Vec3::fill(64)), gzip::compress(enc, gzip::Format::gzip));
        }
    lm.ingest_supervoxels(stream, 0);
    lm.post_extents(seg.box());
    stats::write_block_stats_h5(dir / "block-statistics.h5", stats::block_stats(seg, seg.box()));
    const std::string url = test::env_required("DFLOW_DVID_URL");
    REQUIRE(run_li({"--server", url, "--uuid", root, "--instance", instance, "--stats", (dir / "block-statistics.h5").string(),
                    "--work-dir", dir.string()}) == 0);
    dvid::commit(c, root, "supervoxels");
    child = dvid::new_version(c, root, "agglomeration");
    REQUIRE(run_li({"--server", url, "--uuid", child, "--instance", instance, "--stats", (dir / "block-statistics.h5").string(),
                    "--mapping", (dir / "mapping.csv").string(), "--operation", "both", "--work-dir", dir.string()}) == 0);
    std::ifstream in(dir / "mapping.csv");
    std::string line;
    std::getline(in, line);  // header
    while (std::getline(in, line)) {
      const size_t comma = line.find(',');
      bodies[std::stoull(line.substr(comma + 1))].push_back(std::stoull(line.substr(0, comma)));
    }
    for (auto& [b, svs] : bodies) std::sort(svs.begin(), svs.end());
    table = dir / "cleave-table.bin";
    const std::string cmd = fmt::format("'{}' --edges '{}' --mapping '{}' --output '{}' --npy '{}'", test::env_required("DFLOW_CONSTRUCT_CLEAVE_TABLE"),
                                        (dir / "edges.csv").string(), (dir / "mapping.csv").string(), table.string(), (dir / "cleave-table.npy").string());
    REQUIRE(std::system(cmd.c_str()) == 0);
  }
  std::vector<std::string> server_args(const std::string& extra_dir = {}) const {
    return {"--merge-table", table.string(), "--primary-dvid-server", test::env_required("DFLOW_DVID_URL"), "--primary-uuid", child,
            "--primary-labelmap-instance", instance, "--log-dir", (extra_dir.empty() ? dir : fs::path(extra_dir)).string(),
            "--dvid-timeout", "2", "--threads", "8"};
  }
  json request(uint64_t body, const json& seeds) const {
    const std::string url = test::env_required("DFLOW_DVID_URL");
    const auto colon = url.rfind(':');
    return json{{"body-id", body}, {"seeds", seeds}, {"server", url.substr(7, colon - 7)}, {"port", std::stoi(url.substr(colon + 1))},
                {"uuid", child}, {"segmentation-instance", instance}, {"user", "tester"}, {"mesh-instance", "segmentation_sv_meshes"},
                {"request-number", 7}};
  }
};

ExampleInDvid& example_in_dvid() {
  static ExampleInDvid e;
  return e;
}

json cases_file(const ExampleInDvid& e, const json& cases) {
  return json{{"edges", (e.dir / "edges.csv").string()}, {"mapping", (e.dir / "mapping.csv").string()}, {"cases", cases}};
}

void run_oracle(const json& spec, const fs::path& path) {
  write_text_atomic(path, spec.dump());
  const std::string cmd = fmt::format("'{}' '{}' '{}'", test::env_required("DFLOW_PYTHON"), test::env_required("DFLOW_CHECK_CLEAVE"), path.string());
  REQUIRE(std::system(cmd.c_str()) == 0);
}

std::vector<uint64_t> all_assigned(const json& resp) {
  std::vector<uint64_t> out;
  for (const auto& [k, v] : resp["assignments"].items())
    for (const auto& sv : v) out.push_back(sv.get<uint64_t>());
  std::sort(out.begin(), out.end());
  return out;
}

std::vector<uint64_t> dvid_supervoxels(const ExampleInDvid& e, uint64_t body) {
  dvid::Client c(test::env_required("DFLOW_DVID_URL"));
  auto svs = json::parse(c.get(fmt::format("/api/node/{}/{}/supervoxels/{}", e.child, e.instance, body))).get<std::vector<uint64_t>>();
  std::sort(svs.begin(), svs.end());
  return svs;
}

}  // namespace

TEST_CASE("real bodies of the example: the reply has neu3's shape and networkx's seeded-MST assignments", "[example]") {
  auto& e = example_in_dvid();
  test::CleaveServerProcess server(kPort, e.server_args());
  json cases = json::array();
  int asked = 0;
  for (const auto& [body, svs] : e.bodies) {
    if (svs.size() < 3 || asked >= 25) continue;
    ++asked;
    json seeds = {{"1", {svs.front()}}, {"2", {svs.back()}}};
    if (svs.size() >= 6 && asked % 2) seeds["10"] = {svs[svs.size() / 2]};  // "10" sorts before "2"
    const json req = e.request(body, seeds);
    const auto r = test::http(kPort, "POST", "/compute-cleave", req.dump());
    REQUIRE(r.status == 200);
    const json resp = json::parse(r.body);
    // The request echoed, the timestamp added, seeds normalised, every supervoxel assigned.
    CHECK(resp["request-number"] == 7);
    CHECK(resp["mesh-instance"] == "segmentation_sv_meshes");
    CHECK(resp["body-id"] == body);
    CHECK(resp["request-timestamp"].get<std::string>().size() == 26);
    CHECK(resp["seeds"] == seeds);
    CHECK_FALSE(resp.contains("errors"));
    CHECK(all_assigned(resp) == svs);
    CHECK(r.body.find("{\"assignments\":{") == 0);  // keys sorted, as Flask's jsonify
    cases.push_back({{"supervoxels", svs}, {"seeds", seeds}, {"response", resp}});
  }
  REQUIRE(asked >= 10);
  run_oracle(cases_file(e, cases), e.dir / "cases-bodies.json");

  // The other methods answer over the same supervoxels.
  const auto& [body, svs] = *std::find_if(e.bodies.begin(), e.bodies.end(), [](const auto& b) { return b.second.size() >= 4; });
  for (const std::string method : {"echo-seeds", "agglomerative-clustering", "seeded-watershed"}) {
    json req = e.request(body, {{"1", {svs.front()}}, {"2", {svs.back()}}});
    req["method"] = method;
    const auto r = test::http(kPort, "POST", "/compute-cleave", req.dump());
    REQUIRE(r.status == 200);
    CHECK(all_assigned(json::parse(r.body)) == svs);
  }
  // echo-seeds leaves the rest unassigned, with the reference's warning.
  json req = e.request(body, {{"1", {svs.front()}}});
  req["method"] = "echo-seeds";
  const json echo = json::parse(test::http(kPort, "POST", "/compute-cleave", req.dump()).body);
  CHECK(echo["assignments"]["1"] == json{svs.front()});
  CHECK(echo["warnings"] == json{fmt::format("Cleave result is not complete. {} supervoxels remain unassigned.", svs.size() - 1)});
  // seed-unassigned: no "0" left, each of those supervoxels alone in a new class.
  req["seed-unassigned"] = true;
  const json each = json::parse(test::http(kPort, "POST", "/compute-cleave", req.dump()).body);
  CHECK_FALSE(each["assignments"].contains("0"));
  CHECK(each["assignments"].size() == svs.size());
  CHECK(each["warnings"].empty());
  // isolated-groups: the first supervoxel alone cannot be reached from the seed on the last (nor what
  // hangs from it only).
  json iso = e.request(body, {{"2", {svs.back()}}});
  iso["isolated-groups"] = {{svs.front()}};
  const json isolated = json::parse(test::http(kPort, "POST", "/compute-cleave", iso.dump()).body);
  const auto zero = isolated["assignments"]["0"].get<std::vector<uint64_t>>();
  CHECK(std::find(zero.begin(), zero.end(), svs.front()) != zero.end());
  CHECK(all_assigned(isolated) == svs);
  // /body-edge-table: the body's internal edges as CSV.
  const auto csv = test::http(kPort, "POST", "/body-edge-table", e.request(body, json::object()).dump());
  REQUIRE(csv.status == 200);
  CHECK(csv.body.starts_with("id_a,id_b,xa,ya,za,xb,yb,zb,score,body,source\n"));
  CHECK(std::count(csv.body.begin(), csv.body.end(), '\n') >= int(svs.size()));  // header + a spanning tree at least
}

TEST_CASE("a body merged (and cleaved) in DVID after the table was built is cleaved over its current supervoxels", "[example]") {
  auto& e = example_in_dvid();
  test::CleaveServerProcess server(kPort, e.server_args());
  std::vector<std::pair<uint64_t, std::vector<uint64_t>>> big;
  for (const auto& [b, svs] : e.bodies)
    if (svs.size() >= 3) big.emplace_back(b, svs);
  REQUIRE(big.size() >= 4);
  const auto& [a, a_svs] = big[big.size() - 1];
  const auto& [b, b_svs] = big[big.size() - 2];
  dvid::Client c(test::env_required("DFLOW_DVID_URL"));
  c.post(fmt::format("/api/node/{}/{}/merge", e.child, e.instance), json{a, b}.dump(), "application/json", dvid::Replay::unsafe);
  std::vector<uint64_t> merged = a_svs;
  merged.insert(merged.end(), b_svs.begin(), b_svs.end());
  std::sort(merged.begin(), merged.end());
  REQUIRE(dvid_supervoxels(e, a) == merged);

  json cases = json::array();
  for (const json& seeds : {json{{"1", {a_svs.front()}}, {"2", {b_svs.front()}}}, json{{"1", {a_svs.front(), b_svs.back()}}},
                            json{{"3", {a_svs.back()}}, {"4", {a_svs.front()}}, {"5", {b_svs[1]}}}}) {
    const auto r = test::http(kPort, "POST", "/compute-cleave", e.request(a, seeds).dump());
    REQUIRE(r.status == 200);
    const json resp = json::parse(r.body);
    CHECK(all_assigned(resp) == merged);
    cases.push_back({{"supervoxels", merged}, {"seeds", seeds}, {"response", resp}});
  }
  // The body merged away is gone.
  CHECK(test::http(kPort, "POST", "/compute-cleave", e.request(b, {{"1", {b_svs.front()}}}).dump()).status == 404);
  // A seed of class 1 in both parts: the parts share no table edge (the edges between them were
  // between bodies when the table was built), so the info names the two pieces and a point in each.
  const json both = cases[1]["response"];
  REQUIRE(both["info"].size() == 2);
  CHECK(both["info"][0] == "Cleave result contains non-contiguous objects for seeds: [1]");
  CHECK(both["info"][1].get<std::string>().starts_with("Seed 1 is in 2 disconnected pieces: piece 1: "));
  CHECK(both["info"][1].get<std::string>().find("at [x,y,z] [") != std::string::npos);

  // DVID cleaves the merged supervoxels back out (neu3's save): the cleave covers the rest only.
  const json cleaved = json::parse(c.post(fmt::format("/api/node/{}/{}/cleave/{}", e.child, e.instance, a), json(b_svs).dump(),
                                          "application/json", dvid::Replay::unsafe));
  const uint64_t new_body = cleaved["CleavedLabel"];
  const json seeds = {{"1", {a_svs.front()}}, {"2", {a_svs.back()}}};
  const auto r = test::http(kPort, "POST", "/compute-cleave", e.request(a, seeds).dump());
  REQUIRE(r.status == 200);
  CHECK(all_assigned(json::parse(r.body)) == a_svs);
  cases.push_back({{"supervoxels", a_svs}, {"seeds", seeds}, {"response", json::parse(r.body)}});
  const json seeds2 = {{"1", {b_svs.front()}}, {"2", {b_svs.back()}}};
  const auto r2 = test::http(kPort, "POST", "/compute-cleave", e.request(new_body, seeds2).dump());  // a new id, old table body
  REQUIRE(r2.status == 200);
  cases.push_back({{"supervoxels", b_svs}, {"seeds", seeds2}, {"response", json::parse(r2.body)}});
  run_oracle(cases_file(e, cases), e.dir / "cases-merge.json");
}

TEST_CASE("status codes: 400, 412, 404, 502, 504; OPTIONS, primary-uuid, debug, health and status page", "[example]") {
  auto& e = example_in_dvid();
  test::CleaveServerProcess server(kPort, e.server_args());
  const auto& [body, svs] = *std::find_if(e.bodies.begin(), e.bodies.end(), [](const auto& b) { return b.second.size() >= 3; });
  const auto post = [](const json& j) { return test::http(kPort, "POST", "/compute-cleave", j.dump()); };
  const auto errors_of = [](const test::HttpResult& r) { return json::parse(r.body)["errors"]; };

  auto r = post(e.request(body, json::object()));
  CHECK(r.status == 412);
  CHECK(errors_of(r) == json{"Request contained no seeds!"});
  r = post(e.request(body, {{"1", {svs.front(), 999999999999ULL}}}));
  CHECK(r.status == 412);
  CHECK(errors_of(r) == json{"Request contained seeds that do not belong to body: [999999999999]"});
  CHECK(json::parse(r.body)["request-number"] == 7);
  r = post(e.request(987654321987ULL, {{"1", {1}}}));
  CHECK(r.status == 404);
  CHECK(errors_of(r) == json{"Body not found: 987654321987"});
  json bad_uuid = e.request(body, {{"1", {svs.front()}}});
  bad_uuid["uuid"] = "ffffffffffffffff";
  CHECK(post(bad_uuid).status == 400);  // DVID's own 400, forwarded
  json missing = e.request(body, {{"1", {svs.front()}}});
  missing.erase("uuid");
  r = post(missing);
  CHECK(r.status == 400);
  CHECK(errors_of(r) == json{"Request is missing the field 'uuid'"});
  CHECK(test::http(kPort, "POST", "/compute-cleave", "{\"body-id\": ").status == 400);
  // {"1": []} passes the seeds check (as the reference): everything unassigned, with the warning.
  r = post(e.request(body, {{"1", json::array()}}));
  CHECK(r.status == 200);
  CHECK(json::parse(r.body)["assignments"]["0"] == json(svs));

  // DVID down: 502. DVID accepting but never answering: 504 after --dvid-timeout.
  json down = e.request(body, {{"1", {svs.front()}}});
  down["port"] = 1;  // nothing listens on port 1
  r = post(down);
  CHECK(r.status == 502);
  const int hole = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  REQUIRE(::bind(hole, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
  REQUIRE(::listen(hole, 16) == 0);
  REQUIRE(::getsockname(hole, reinterpret_cast<sockaddr*>(&addr), &len) == 0);
  json slow = e.request(body, {{"1", {svs.front()}}});
  slow["port"] = ntohs(addr.sin_port);
  const auto t0 = std::chrono::steady_clock::now();
  r = post(slow);
  CHECK(r.status == 504);
  CHECK(std::chrono::steady_clock::now() - t0 < std::chrono::seconds(10));
  ::close(hole);

  CHECK(test::http(kPort, "OPTIONS", "/compute-cleave").status == 200);
  CHECK(json::parse(test::http(kPort, "GET", "/primary-uuid").body)["uuid"] == e.child);
  CHECK(json::parse(test::http(kPort, "POST", "/primary-uuid", "{\"uuid\": \"abc\"}").body)["uuid"] == "abc");
  CHECK(json::parse(test::http(kPort, "GET", "/primary-uuid").body)["uuid"] == "abc");
  const auto dbg = test::http(kPort, "POST", "/debug", "{\"seeds\": {\"2\": [3, 1]}, \"body-id\": 5}");
  CHECK(json::parse(dbg.body) == json{{"body-id", 5}, {"seeds", {{"2", {1, 3}}}}, {"user", "unknown"}});
  CHECK(json::parse(test::http(kPort, "GET", "/health").body)["status"] == "ok");
  // /set-default-params?method=echo-seeds (the reference's test_server.py), then back.
  CHECK(json::parse(test::http(kPort, "POST", "/set-default-params?method=echo-seeds").body)["method"] == "echo-seeds");
  const json echoed = json::parse(post(e.request(body, {{"1", {svs.front()}}})).body);
  CHECK(echoed["assignments"]["1"] == json{svs.front()});
  CHECK(json::parse(test::http(kPort, "POST", "/set-default-params").body)["method"] == "echo-seeds");
  CHECK(test::http(kPort, "POST", "/set-default-params?method=magic").status == 400);
  CHECK(json::parse(test::http(kPort, "POST", "/set-default-params?method=seeded-mst").body)["method"] == "seeded-mst");
  const auto page = test::http(kPort, "GET", "/");
  CHECK(page.status == 200);
  CHECK(page.body.find("/compute-cleave") != std::string::npos);
  CHECK(page.body.find("p99") != std::string::npos);
  CHECK(page.body.find("Body not found: 987654321987") != std::string::npos);  // the recent log
  CHECK(test::http(kPort, "GET", "/log?page=0").body.find("Received cleave request") != std::string::npos);
  CHECK(server.alive());
}
