// The cleave algorithms on neuclease's golden cases (neuclease/tests/test_cleave.py, spec section 7.2),
// the request parser, the edge-table reader's errors and construct-cleave-table's normalisation.
#include <catch2/catch.hpp>

#include <cmath>
#include <cstring>
#include <fstream>
#include <random>

#include "cleave/algorithms.hpp"
#include "cleave/body_graph.hpp"
#include "cleave/body_source.hpp"
#include "cleave/build.hpp"
#include "cleave/merge_table.hpp"
#include "cleave/request.hpp"
#include "cleave/table.hpp"
#include "core/external_sort.hpp"
#include "core/files.hpp"
#include "test_support.hpp"

using namespace dflow;
using namespace dflow::cleave;

namespace {

std::vector<Edge> path_edges(std::vector<std::pair<uint32_t, uint32_t>> removed = {}, std::vector<std::pair<std::pair<uint32_t, uint32_t>, float>> costs = {}) {
  std::vector<Edge> raw;
  for (uint32_t i = 0; i < 9; ++i) {
    if (std::find(removed.begin(), removed.end(), std::pair(i, i + 1)) != removed.end()) continue;
    float c = 0.5f;
    for (const auto& [e, w] : costs)
      if (e == std::pair(i, i + 1)) c = w;
    raw.push_back(Edge{i, i + 1, c});
  }
  return clean_edges(raw);
}

// The reference's cleave(): seeds {class: [node ids]} on nodes `ids` (node index = position).
CleaveResult run(const std::vector<uint64_t>& ids, const std::vector<Edge>& edges, std::vector<std::pair<uint32_t, std::vector<uint64_t>>> seeds, Method m) {
  std::vector<uint32_t> s(ids.size(), 0);
  for (const auto& [c, nodes] : seeds)
    for (uint64_t id : nodes) s[size_t(std::find(ids.begin(), ids.end(), id) - ids.begin())] = c;
  return run_cleave(ids.size(), edges, s, m);
}

std::vector<uint64_t> iota_ids(size_t n, uint64_t step = 1) {
  std::vector<uint64_t> v(n);
  for (size_t i = 0; i < n; ++i) v[i] = i * step;
  return v;
}

std::vector<uint32_t> L(std::initializer_list<uint32_t> l) { return l; }

}  // namespace

TEST_CASE("neuclease test_cleave.py golden cases, seeded-mst and agglomerative-clustering") {
  for (const Method m : {Method::seeded_mst, Method::agglomerative_clustering, Method::seeded_watershed}) {
    INFO(method_name(m));
    const auto ids = iota_ids(10);
    SECTION("1 simple") {
      const auto r = run(ids, path_edges({}, {{{4, 5}, 1.0f}}), {{1, {0}}, {2, {9}}}, m);
      CHECK(r.labels == L({1, 1, 1, 1, 1, 2, 2, 2, 2, 2}));
      CHECK(r.disconnected.empty());
      CHECK_FALSE(r.unlabeled);
    }
    SECTION("2 discontiguous components") {
      const auto r = run(ids, path_edges(), {{1, {3, 6}}, {2, {4, 5}}}, m);
      CHECK(r.labels == L({1, 1, 1, 1, 2, 2, 1, 1, 1, 1}));
      CHECK_FALSE(r.disconnected.empty());
      CHECK_FALSE(r.unlabeled);
    }
    SECTION("3 unlabeled components") {
      const auto r = run(ids, path_edges({{7, 8}}, {{{4, 5}, 1.0f}}), {{1, {0}}, {2, {7}}}, m);
      CHECK(r.labels == L({1, 1, 1, 1, 1, 2, 2, 2, 0, 0}));
      CHECK(r.disconnected.empty());
      CHECK(r.unlabeled);
    }
    SECTION("4 discontiguous and unlabeled components") {
      const auto r = run(ids, path_edges({{7, 8}}), {{1, {3, 6}}, {2, {4, 5}}}, m);
      CHECK(r.labels == L({1, 1, 1, 1, 2, 2, 1, 1, 0, 0}));
      CHECK_FALSE(r.disconnected.empty());
      CHECK(r.unlabeled);
    }
    SECTION("5 discontiguous unlabeled components") {
      const auto r = run(ids, path_edges({{0, 1}, {8, 9}}, {{{4, 5}, 1.0f}}), {{1, {1}}, {2, {8}}}, m);
      CHECK(r.labels == L({0, 1, 1, 1, 1, 2, 2, 2, 2, 0}));
      CHECK(r.disconnected.empty());
      CHECK(r.unlabeled);
    }
    SECTION("6 empty cleave") {
      const auto tens = iota_ids(10, 10);
      const auto r = run(tens, {}, {{1, {0}}, {2, {90}}}, m);
      CHECK(r.labels == L({1, 0, 0, 0, 0, 0, 0, 0, 0, 2}));
      CHECK(r.disconnected == L({1, 2}));
      CHECK(r.unlabeled);
    }
    SECTION("7 empty cleave, complete seeds") {
      const auto r = run({10, 20}, {}, {{1, {10}}, {2, {20}}}, m);
      CHECK(r.labels == L({1, 2}));
      CHECK(r.disconnected == L({1, 2}));
      CHECK_FALSE(r.unlabeled);
    }
  }
}

TEST_CASE("echo-seeds (test_echo_seeds)") {
  const auto r = run(iota_ids(10), path_edges(), {{1, {0, 2}}, {2, {9}}}, Method::echo_seeds);
  CHECK(r.labels == L({1, 0, 1, 0, 0, 0, 0, 0, 0, 2}));
  CHECK(r.disconnected == L({1}));
  CHECK(r.unlabeled);
}

TEST_CASE("seeded-mst: ties broken by (cost, lower node, higher node); the same answer every time (test_stability)") {
  // A square 0-1-2-3-0 with equal costs and seeds at 0 and 2: nodes 1 and 3 are tied between the seeds.
  const std::vector<Edge> sq = clean_edges(std::vector<Edge>{{0, 1, 1}, {1, 2, 1}, {2, 3, 1}, {0, 3, 1}});
  const auto r = run({0, 1, 2, 3}, sq, {{1, {0}}, {2, {2}}}, Method::seeded_mst);
  // Edge order: (0,1) joins 1 to seed 0; (0,3) joins 3 to seed 0; (1,2) and (2,3) would join two seeded trees.
  CHECK(r.labels == L({1, 1, 2, 1}));
  // A random graph with many ties gives the same labels whatever the input edge order.
  std::mt19937 rng(7);
  std::vector<Edge> raw;
  for (uint32_t i = 0; i < 300; ++i)
    for (int k = 0; k < 3; ++k) raw.push_back(Edge{i, uint32_t(rng() % 300), float(rng() % 4)});
  const auto clean = clean_edges(raw);
  std::vector<uint32_t> seeds(300, 0);
  seeds[0] = 1, seeds[150] = 2, seeds[299] = 3;
  const auto first = run_cleave(300, clean, seeds, Method::seeded_mst);
  for (int t = 0; t < 5; ++t) {
    auto shuffled = clean;
    std::shuffle(shuffled.begin(), shuffled.end(), rng);
    CHECK(run_cleave(300, shuffled, seeds, Method::seeded_mst).labels == first.labels);
  }
}

TEST_CASE("clean_edges: u <= v, duplicates keep the last cost, self-loops dropped") {
  const auto c = clean_edges(std::vector<Edge>{{2, 1, 0.1f}, {1, 2, 0.7f}, {3, 3, 0.2f}, {0, 1, 0.3f}});
  REQUIRE(c.size() == 2);
  CHECK((c[0].u == 1 && c[0].v == 2 && c[0].cost == 0.7f));
  CHECK((c[1].u == 0 && c[1].v == 1));
}

TEST_CASE("request parsing: required fields, types, depth; unknown fields kept") {
  const std::string good = R"({"body-id": 17, "seeds": {"2": [5], "10": [7, 6], "1": []}, "server": "127.0.0.1", "port": 8000,
    "uuid": "abc123", "segmentation-instance": "segmentation", "request-number": 4, "mesh-instance": "x"})";
  const auto r = parse_cleave_request(parse_json_object(good), Method::seeded_mst);
  CHECK(r.body == 17);
  CHECK(r.server == "127.0.0.1:8000");
  REQUIRE(r.seeds.size() == 3);
  CHECK(r.seeds[0].label == 2);  // request order is kept (the last class wins for a shared supervoxel)
  CHECK(r.seeds[1].svs == std::vector<uint64_t>{7, 6});
  CHECK(r.json["request-number"] == 4);
  const auto err = [](const std::string& text) {
    try {
      parse_cleave_request(parse_json_object(text), Method::seeded_mst);
    } catch (const BadRequest& e) {
      return std::string(e.what());
    }
    return std::string("(no error)");
  };
  CHECK(err("") == "Request is missing a JSON body");
  CHECK(err("{\"body-id\": 1,").starts_with("Request body is not valid JSON"));
  CHECK(err("[1, 2]") == "Request JSON must be an object, got a array");
  CHECK(err(std::string(100000, '[') + std::string(100000, ']')) == "Request JSON is nested deeper than 64 levels");
  CHECK(err(R"({"seeds": {}})") == "Request is missing the field 'body-id'");
  CHECK(err(R"({"body-id": -3})").starts_with("Request field 'body-id' must be a non-negative integer"));
  CHECK(err(R"({"body-id": "12", "server": "h", "port": 70000})") == "Request field 'port' must be a TCP port, got 70000");
  CHECK(err(R"({"body-id": 1, "server": "h", "port": "80", "uuid": "u", "segmentation-instance": "s", "seeds": []})")
            .starts_with("Request field 'seeds' must be an object"));
  CHECK(err(R"({"body-id": 1, "server": "h", "port": 80, "uuid": "u", "segmentation-instance": "s", "seeds": {"x": [1]}})")
            .starts_with("Seed class 'x' must be a positive integer"));
  CHECK(err(R"({"body-id": 1, "server": "h", "port": 80, "uuid": "u", "segmentation-instance": "s", "seeds": {"1": [1.5]}})")
            .starts_with("seeds[\"1\"] must hold supervoxel ids"));
  CHECK(err(R"({"body-id": 1, "server": "h", "port": 80, "uuid": "u", "segmentation-instance": "s", "seeds": {"1": [1]}, "method": "magic"})")
            .starts_with("Invalid cleave method name: magic"));
}

TEST_CASE("parse_id_array: DVID's /supervoxels answer") {
  CHECK(parse_id_array(" [3, 1,18446744073709551615]\n", "x") == std::vector<uint64_t>{3, 1, 18446744073709551615ULL});
  CHECK(parse_id_array("[]", "x").empty());
  CHECK(test::error_of([] { parse_id_array("[1,-2]", "u"); }).starts_with("u: not a JSON array of supervoxel ids"));
  CHECK(test::error_of([] { parse_id_array("{}", "u"); }).starts_with("u: not a JSON array"));
}

TEST_CASE("edge table CSV errors name file:line; nothing is written") {
  const auto dir = test::scratch_dir("cleave-bad-rows");
  const auto bad = [&](const std::string& name, const std::string& text) {
    write_text_atomic(dir / name, text);
    BuildOptions o;
    o.edges = dir / name;
    o.output = dir / (name + ".table");
    const std::string e = test::error_of([&] { build_cleave_table(o); });
    CHECK_FALSE(std::filesystem::exists(o.output));
    return e;
  };
  const std::string h = "id_a,id_b,xa,ya,za,xb,yb,zb,score\n";
  CHECK(bad("h.csv", "a,b,c\n1,2,3\n") == (dir / "h.csv").string() + ":1: 'a,b,c': the header must be exactly id_a,id_b,xa,ya,za,xb,yb,zb,score (optionally ,body)");
  CHECK(bad("n.csv", h + "1,2,0,0,0,1,1,1,0.5\n3,x,0,0,0,1,1,1,0.5\n") ==
        (dir / "n.csv").string() + ":3: '3,x,0,0,0,1,1,1,0.5': id_b 'x' is not an unsigned 64-bit integer");
  CHECK(bad("c.csv", h + "1,2,0,0,0,1,1,1\n") == (dir / "c.csv").string() + ":2: '1,2,0,0,0,1,1,1': expected 9 columns (id_a,id_b,xa,ya,za,xb,yb,zb,score), got 8");
  CHECK(bad("s.csv", h + "1,2,0,0,0,1,1,1,nan\n") == (dir / "s.csv").string() + ":2: '1,2,0,0,0,1,1,1,nan': score 'nan' is not a number");
  CHECK(bad("z.csv", h + "0,2,0,0,0,1,1,1,0.1\n") == (dir / "z.csv").string() + ":2: '0,2,0,0,0,1,1,1,0.1': supervoxel 0 is background and has no edges");
  CHECK(bad("k.csv", h + "1,2,-1,0,0,1,1,1,0.1\n") == (dir / "k.csv").string() + ":2: '1,2,-1,0,0,1,1,1,0.1': xa '-1' is not an unsigned 32-bit coordinate");
  CHECK(bad("e.txt", h) == (dir / "e.txt").string() + ": unknown edge table format (expected .npy of MERGE_TABLE_DTYPE or .csv)");
}

TEST_CASE("construct-cleave-table: normalised, last duplicate kept, internal edges only; on disk equals in memory") {
  const auto dir = test::scratch_dir("cleave-build");
  // Bodies: 100 <- {1,2,3}, 200 <- {4,5}; 6 unmapped (its own body).
  write_text_atomic(dir / "map.csv", "sv,body\n1,100\n2,100\n3,100\n4,200\n5,200\n");
  write_text_atomic(dir / "e.csv", "id_a,id_b,xa,ya,za,xb,yb,zb,score\n"
                                   "2,1,20,21,22,10,11,12,0.9\n"   // swapped: becomes 1,2 with coordinates swapped
                                   "1,2,1,1,1,2,2,2,0.4\n"         // duplicate: the last one (this) wins
                                   "3,3,0,0,0,0,0,0,0.1\n"         // self-loop
                                   "3,4,0,0,0,0,0,0,0.1\n"         // between bodies
                                   "2,3,5,5,5,6,6,6,0.3\n"
                                   "5,4,7,7,7,8,8,8,inf\n"
                                   "6,1,0,0,0,0,0,0,0.2\n");
  BuildOptions o;
  o.edges = dir / "e.csv";
  o.mapping = dir / "map.csv";
  o.output = dir / "t.bin";
  o.npy_output = dir / "t.npy";
  const BuildSummary s = build_cleave_table(o);
  CHECK(s.rows == 7);
  CHECK(s.self_loops == 1);
  CHECK(s.inter_body == 2);
  CHECK(s.duplicates == 1);
  CHECK(s.edges == 3);
  const CleaveTable t(o.output);
  CHECK(t.header().bodies == 2);
  const auto b100 = t.edges_of(100);
  REQUIRE(b100.size() == 2);
  CHECK((b100[0].id_a == 1 && b100[0].id_b == 2 && b100[0].xa == 1 && b100[0].xb == 2 && b100[0].score == 0.4f));
  CHECK((b100[1].id_a == 2 && b100[1].id_b == 3));
  const auto b200 = t.edges_of(200);
  REQUIRE(b200.size() == 1);
  CHECK((b200[0].id_a == 4 && b200[0].id_b == 5 && b200[0].xa == 8 && b200[0].xb == 7 && std::isinf(b200[0].score)));
  CHECK(t.edges_of(6).empty());
  CHECK(t.body_of(3) == 100u);
  CHECK(t.body_of(5) == 200u);
  CHECK_FALSE(t.body_of(6).has_value());
  // The .npy holds the same rows (read back through the .npy reader).
  std::vector<MergeRow> back;
  read_merge_table(o.npy_output, 2, [&](std::span<const MergeRow> rows, uint64_t) { back.insert(back.end(), rows.begin(), rows.end()); });
  REQUIRE(back.size() == 3);
  CHECK(std::memcmp(back.data(), t.all_edges().data(), 3 * sizeof(MergeRow)) == 0);

  // A larger random table, sorted on disk (tiny budget) and in memory: byte-identical tables.
  std::mt19937_64 rng(3);
  std::string csv = "id_a,id_b,xa,ya,za,xb,yb,zb,score\n", map = "sv,body\n";
  for (uint64_t sv = 1; sv <= 3000; ++sv) map += fmt::format("{},{}\n", sv, 1 + sv % 5);
  for (int i = 0; i < 60000; ++i)
    csv += fmt::format("{},{},{},{},{},{},{},{},{}\n", 1 + rng() % 3000, 1 + rng() % 3000, rng() % 1000, rng() % 1000, rng() % 1000,
                       rng() % 1000, rng() % 1000, rng() % 1000, double(rng() % 1000) / 1000);
  write_text_atomic(dir / "big.csv", csv);
  write_text_atomic(dir / "bigmap.csv", map);
  o.edges = dir / "big.csv";
  o.mapping = dir / "bigmap.csv";
  o.npy_output.clear();
  o.output = dir / "mem.bin";
  const auto in_memory = build_cleave_table(o);
  CHECK(in_memory.sort_runs == 0);
  o.output = dir / "disk.bin";
  o.memory_budget = 200000;
  const auto on_disk = build_cleave_table(o);
  CHECK(on_disk.sort_runs > 2);
  CHECK(read_file(dir / "mem.bin") == read_file(dir / "disk.bin"));
  // Every body's edges are internal, normalised and unique.
  const CleaveTable big(dir / "mem.bin");
  uint64_t total = 0;
  for (const BodyEntry& b : big.bodies()) {
    const auto rows = big.edges_of(b.body);
    uint64_t last_a = 0, last_b = 0;
    for (size_t i = 0; i < rows.size(); ++i) {
      const uint64_t a = rows[i].id_a, bb = rows[i].id_b;  // copies: table rows are packed
      CHECK(a < bb);
      CHECK(1 + a % 5 == b.body);
      CHECK(1 + bb % 5 == b.body);
      if (i) CHECK(std::pair(last_a, last_b) < std::pair(a, bb));
      last_a = a, last_b = bb;
    }
    total += rows.size();
  }
  CHECK(total == big.header().edges);
}

TEST_CASE("body graph: edges selected by membership (a merged body takes both table bodies, a cleaved one a subset)") {
  const auto dir = test::scratch_dir("cleave-graph");
  write_text_atomic(dir / "map.csv", "1,100\n2,100\n3,100\n4,200\n5,200\n");
  write_text_atomic(dir / "e.csv", "id_a,id_b,xa,ya,za,xb,yb,zb,score\n1,2,0,0,0,0,0,0,0.1\n2,3,0,0,0,0,0,0,0.2\n4,5,0,0,0,0,0,0,0.3\n3,4,0,0,0,0,0,0,0.3\n");
  BuildOptions o;
  o.edges = dir / "e.csv";
  o.mapping = dir / "map.csv";
  o.output = dir / "t.bin";
  build_cleave_table(o);
  const CleaveTable t(o.output);
  const BodyGraph merged = gather_body_graph(t, 100, {1, 2, 3, 4, 5, 9});
  CHECK(merged.edges.size() == 3);  // 1-2, 2-3, 4-5; 3-4 was between bodies at build time
  CHECK(merged.table_bodies == 2);
  const BodyGraph cleaved = gather_body_graph(t, 100, {1, 2});
  REQUIRE(cleaved.edges.size() == 1);
  CHECK((cleaved.edges[0].u == 0 && cleaved.edges[0].v == 1));
  const BodyGraph renamed = gather_body_graph(t, 777, {4, 5});  // e.g. cleaved off under a new id
  CHECK(renamed.edges.size() == 1);
}

TEST_CASE("external sort: any record type, same stream in memory and spilled") {
  struct Rec {
    uint64_t k;
    uint32_t v;
    bool operator<(const Rec& o) const { return k != o.k ? k < o.k : v < o.v; }
  };
  std::mt19937_64 rng(1);
  std::vector<Rec> recs(50000);
  for (auto& r : recs) r = Rec{rng() % 1000, uint32_t(rng())};
  const auto dir = test::scratch_dir("extsort");
  ExternalSorter<Rec> small(4096 * sizeof(Rec), dir / "runs", 2);
  small.add(recs);
  auto s = small.finish(1 << 16);
  CHECK(small.runs() > 3);
  auto want = recs;
  std::sort(want.begin(), want.end());
  Rec r{};
  size_t i = 0;
  bool same = true;
  while (s->next(r)) same = same && i < want.size() && r.k == want[i].k && r.v == want[i].v, ++i;
  CHECK(same);
  CHECK(i == want.size());
}

TEST_CASE("sort_ids: the radix sort of a body's supervoxels equals std::sort") {
  std::mt19937_64 rng(9);
  for (const size_t n : {size_t(0), size_t(10), size_t(300), size_t(100000)}) {
    std::vector<uint64_t> ids(n);
    for (size_t i = 0; i < n; ++i) ids[i] = i % 3 ? rng() : 7000000 + rng() % 300000;  // wide and clustered ids
    auto want = ids;
    std::sort(want.begin(), want.end());
    sort_ids(ids);
    CHECK(ids == want);
  }
}
