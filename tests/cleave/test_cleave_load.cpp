// Load and bad input against cleave-server and the REAL DVID, bounded in time, loopback only.
// Generated bodies of 10k-100k supervoxels: their label indexes are posted to DVID (so that
// GET /supervoxels answers them), their edges go through construct-cleave-table's .npy path.
#include "cleave_test_support.hpp"

#include <atomic>
#include <map>
#include <mutex>
#include <random>

#include <nlohmann/json.hpp>

#include "cleave/build.hpp"
#include "cleave/merge_table.hpp"
#include "cleave/synthetic.hpp"
#include "core/files.hpp"
#include "dvid/labelmap.hpp"
#include "dvid/repo.hpp"
#include "labelops.pb.h"

using namespace dflow;
using nlohmann::json;
namespace fs = std::filesystem;

namespace {

// Set by tests.cmake (the test DVID port + 30 / + 31).
const int kPort = std::getenv("DFLOW_CLEAVE_TEST_PORT") ? std::atoi(std::getenv("DFLOW_CLEAVE_TEST_PORT")) : 18630;

struct Generated {
  fs::path dir, table;
  std::string uuid, instance = "segmentation";
  std::map<uint64_t, std::vector<uint64_t>> bodies;  // body -> supervoxels (ascending)
};

// Synthetic bodies of 10k to 100k supervoxels (cleave/synthetic.hpp).
Generated& generated() {
  static Generated g = [] {
    Generated g;
    g.dir = test::scratch_dir("cleave-load");
    cleave::MergeTableNpyWriter npy(g.dir / "edges.npy");
    std::string mapping = "sv,body\n";
    uint64_t next = 5000000;
    dvidpb::LabelIndices indices;
    for (const size_t n : {10000, 20000, 50000, 100000}) {
      cleave::SyntheticBody b = cleave::synthetic_body(n, next, n);
      next += 3 * n + 1000;
      npy.write(b.edges);
      for (uint64_t sv : b.svs) mapping += fmt::format("{},{}\n", sv, b.body);
      *indices.add_indices() = cleave::synthetic_label_index(b);
      g.bodies[b.body] = std::move(b.svs);
    }
    npy.finish();
    write_text_atomic(g.dir / "mapping.csv", mapping);
    dvid::Client c(test::env_required("DFLOW_DVID_URL"));
    c.set_admin_token(test::test_admin_token());
    g.uuid = dvid::create_repo(c, "cleave-load", "cleave server load test");
    dvid::create_instance(c, g.uuid, "labelmap", g.instance, {{"BlockSize", "64,64,64"}});
    dvid::Labelmap(c, g.uuid, g.instance).post_indices(indices);
    cleave::BuildOptions o;
    o.edges = g.dir / "edges.npy";
    o.mapping = g.dir / "mapping.csv";
    o.output = g.table = g.dir / "table.bin";
    cleave::build_cleave_table(o);
    return g;
  }();
  return g;
}

std::vector<std::string> server_args(const Generated& g) {
  return {"--merge-table", g.table.string(), "--primary-dvid-server", test::env_required("DFLOW_DVID_URL"), "--primary-labelmap-instance",
          g.instance, "--log-dir", g.dir.string(), "--threads", "16", "--dvid-timeout", "5"};
}

json request(const Generated& g, uint64_t body, const json& seeds) {
  const std::string url = test::env_required("DFLOW_DVID_URL");
  const auto colon = url.rfind(':');
  return json{{"body-id", body}, {"seeds", seeds}, {"server", url.substr(7, colon - 7)}, {"port", std::stoi(url.substr(colon + 1))},
              {"uuid", g.uuid}, {"segmentation-instance", g.instance}, {"user", "load"}};
}

}  // namespace

TEST_CASE("many concurrent cleaves of 10k-100k supervoxel bodies: no errors; p50/p99 printed", "[load]") {
  auto& g = generated();
  test::CleaveServerProcess server(kPort, server_args(g));
  std::vector<uint64_t> bodies;
  for (const auto& [b, svs] : g.bodies) bodies.push_back(b);
  constexpr int kThreads = 8, kPerThread = 8;
  std::mutex mu;
  std::map<size_t, std::vector<double>> latency;  // body size -> ms
  std::atomic<int> errors{0};
  std::vector<std::thread> clients;
  const auto t0 = std::chrono::steady_clock::now();
  for (int t = 0; t < kThreads; ++t)
    clients.emplace_back([&, t] {
      std::mt19937_64 rng(100 + t);
      httplib::Client c("127.0.0.1", kPort);  // keep-alive, as neu3's QNetworkAccessManager
      c.set_read_timeout(60, 0);
      for (int k = 0; k < kPerThread; ++k) {
        const uint64_t body = bodies[size_t(t + k) % bodies.size()];
        const auto& svs = g.bodies.at(body);
        json seeds = json::object();
        const int classes = 2 + int(rng() % 3);
        for (int s = 1; s <= classes; ++s) seeds[std::to_string(s)] = {svs[rng() % svs.size()]};
        const std::string text = request(g, body, seeds).dump();
        const auto s0 = std::chrono::steady_clock::now();
        const auto r = c.Post("/compute-cleave", text, "application/json");
        const double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - s0).count();
        bool ok = r && r->status == 200;
        size_t n = 0;
        if (ok) {
          const json resp = json::parse(r->body);
          for (const auto& [label, list] : resp["assignments"].items()) n += list.size();
          ok = n == svs.size();
        }
        if (!ok && errors++ == 0)
          std::printf("cleave load: first error: body %llu: %zu/%zu assigned, HTTP %d: %.300s\n", (unsigned long long)body, n, svs.size(), r ? r->status : 0,
                      r ? r->body.c_str() : httplib::to_string(r.error()).c_str());
        std::lock_guard lock(mu);
        latency[svs.size()].push_back(ms);
      }
    });
  for (auto& c : clients) c.join();
  const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::vector<double> all;
  for (const auto& [n, v] : latency) {
    std::printf("cleave load: %6zu supervoxels: %3zu requests, p50 %7.1f ms, p99 %7.1f ms\n", n, v.size(), test::percentile_ms(v, 50),
                test::percentile_ms(v, 99));
    all.insert(all.end(), v.begin(), v.end());
  }
  std::printf("cleave load: %zu requests from %d concurrent clients in %.1f s: p50 %.1f ms, p99 %.1f ms, %d errors\n", all.size(), kThreads,
              wall, test::percentile_ms(all, 50), test::percentile_ms(all, 99), errors.load());
  CHECK(errors == 0);
  CHECK(all.size() == size_t(kThreads * kPerThread));
  CHECK(server.alive());
}

TEST_CASE("JSON fuzz: malformed, huge, deep, wrong types, unknown ids, 10 MB bodies; the right status each; the server keeps answering", "[load]") {
  auto& g = generated();
  test::CleaveServerProcess server(kPort, server_args(g));
  const uint64_t body = g.bodies.begin()->first;
  const auto& svs = g.bodies.begin()->second;
  const json good = request(g, body, {{"1", {svs.front()}}, {"2", {svs.back()}}});
  const auto status = [](const std::string& text) { return test::http(kPort, "POST", "/compute-cleave", text).status; };
  const auto with = [&](const std::string& key, const json& value) {
    json j = good;
    j[key] = value;
    return j.dump();
  };
  struct Case {
    std::string name, text;
    int want;
  };
  std::vector<Case> cases = {
      {"empty", "", 400},
      {"whitespace", " \n ", 400},
      {"truncated", good.dump().substr(0, 40), 400},
      {"not an object", "[1,2,3]", 400},
      {"null", "null", 400},
      {"a number", "42", 400},
      {"trailing garbage", good.dump() + "}", 400},
      {"invalid utf-8", "{\"body-id\": 1, \"comment\": \"\xff\xfe\"}", 400},
      {"deep nesting", std::string(200000, '[') + std::string(200000, ']'), 400},
      {"deep in a field", with("comment", json::parse(std::string(100, '[') + std::string(100, ']'))), 400},
      {"body-id string of letters", with("body-id", "abc"), 400},
      {"body-id negative", with("body-id", -5), 400},
      {"body-id float", with("body-id", 1.5), 400},
      {"body-id 2^64", good.dump().replace(good.dump().find(std::to_string(body)), std::to_string(body).size(), "18446744073709551616"), 400},
      {"body-id 0", with("body-id", 0), 400},
      {"seeds a list", with("seeds", json::array({1, 2})), 400},
      {"seeds class text", with("seeds", {{"one", {svs.front()}}}), 400},
      {"seeds class 0", with("seeds", {{"0", {svs.front()}}}), 400},
      {"seeds not ids", with("seeds", {{"1", {"x"}}}), 400},
      {"seeds nested", with("seeds", {{"1", {{svs.front()}}}}), 400},
      {"port text", with("port", "http"), 400},
      {"port negative", with("port", -1), 400},
      {"server a number", with("server", 5), 400},
      {"uuid a list", with("uuid", json::array()), 400},
      {"uuid with a path", with("uuid", "../../api/repos"), 400},
      {"instance with a query", with("segmentation-instance", "seg?x=1"), 400},
      {"method unknown", with("method", "magic"), 400},
      {"method a number", with("method", 3), 400},
      {"find-missing-edges text", with("find-missing-edges", "yes"), 400},
      {"isolated-groups wrong", with("isolated-groups", {1, 2}), 400},
      {"no seeds", with("seeds", json::object()), 412},
      {"unknown seed ids", with("seeds", {{"1", {1, 2, 3}}}), 412},
      {"unknown body", with("body-id", 424242), 404},
      {"unknown fields are echoed", with("x-anything", {{"a", {1, 2}}}), 200},
      {"10 MB field", with("comment", std::string(10 << 20, 'x')), 200},
  };
  json big_seeds = json::array();
  for (uint64_t i = 0; i < 1200000; ++i) big_seeds.push_back(i * 7 + 1);
  cases.push_back({"10 MB of unknown seeds", with("seeds", {{"1", big_seeds}}), 412});
  for (const Case& c : cases) {
    INFO(c.name);
    CHECK(status(c.text) == c.want);
  }
  // 70 MB: over the server's 64 MB limit.
  CHECK(status(std::string(70 << 20, ' ')) == 413);
  // The 10 MB echo comes back whole.
  const auto echo = test::http(kPort, "POST", "/compute-cleave", with("comment", std::string(10 << 20, 'y')));
  CHECK(json::parse(echo.body)["comment"].get<std::string>().size() == size_t(10 << 20));

  // Random byte mutations of a valid request (the DVID address kept intact, at the end).
  const std::string head = json{{"body-id", body}, {"seeds", {{"1", {svs[1]}}, {"2", {svs[2]}}}}, {"method", "seeded-mst"}}.dump();
  const std::string tail = request(g, body, json::object()).dump();
  const std::string prefix = head.substr(0, head.size() - 1) + ",", suffix = tail.substr(1);
  std::mt19937_64 rng(5);
  std::map<int, int> seen;
  for (int i = 0; i < 300; ++i) {
    std::string t = prefix;
    for (int m = 0; m < 1 + int(rng() % 3); ++m) {
      const size_t at = rng() % t.size();
      switch (rng() % 3) {
        case 0: t[at] = char(rng() % 256); break;
        case 1: t.erase(at, 1); break;
        default: t.insert(at, 1, "{}[]\",:0123456789-e."[rng() % 20]);
      }
    }
    const int s = status(t + suffix);
    ++seen[s];
    INFO(t + suffix);
    CHECK((s == 200 || s == 400 || s == 404 || s == 412));
  }
  for (const auto& [s, n] : seen) std::printf("cleave fuzz: HTTP %d x %d\n", s, n);
  CHECK(server.alive());
  CHECK(test::http(kPort, "GET", "/health").status == 200);
  CHECK(status(good.dump()) == 200);
}
