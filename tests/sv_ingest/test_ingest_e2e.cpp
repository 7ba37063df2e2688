// ingest-supervoxels end to end: the program under mpirun against the real DVID server (ctest fixture),
// checked against the input's own pyramid computed here, against DVID's own POST /raw ingestion, and
// through faults (DVID down, killed mid-run, answering 503) and resumed runs.
#include <catch2/catch.hpp>

#include <chrono>
#include <csignal>
#include <map>
#include <regex>
#include <set>
#include <thread>

#include <nlohmann/json.hpp>

#include "codec/dvid_labels.hpp"
#include "codec/gzip.hpp"
#include "dvid/block_stream.hpp"
#include "e2e_support.hpp"
#include "integration/fault_proxy.hpp"
#include "stats/block_stats.hpp"

using namespace dflow;
using namespace dflow::test;

namespace {

const Vec3 kSmall{200, 180, 150};  // 4 x 3 x 3 blocks at scale 0, partial blocks on every axis
constexpr int kTop = 3;

nlohmann::json summary(const fs::path& dir) { return nlohmann::json::parse(read_text(dir / "ingest-supervoxels.json")); }

void require_ok(const RunResult& r, const std::string& what) {
  INFO(what << ":\n" << r.output);
  REQUIRE(r.status == 0);
}

// Every scale of `instance` equals the input's pyramid; the per-scale block counts of the summary
// equal the non-empty blocks of that pyramid (write-empty-blocks false).
void check_instance(const std::string& server, const std::string& uuid, const std::string& instance,
                    const std::vector<Array3<uint64_t>>& levels, const Box& vol) {
  dvid::Client c(server);
  dvid::Labelmap lm(c, uuid, instance);
  const auto mism = raw_mismatches(lm, levels, vol);
  for (size_t s = 0; s < mism.size(); ++s) {
    INFO("scale " << s);
    CHECK(mism[s] == 0);
  }
}

// The volume's first and last scale-0 blocks are always written (they set DVID's extents), even if empty.
uint64_t empty_corner_blocks(const Array3<uint64_t>& level0, const Box& vol) {
  uint64_t n = 0;
  const Vec3 first = floor_div(vol.lo, Vec3::fill(64)), last = floor_div(vol.hi - Vec3::fill(1), Vec3::fill(64));
  for (const Vec3& c : {first, last}) {
    const Box b{c * 64, c * 64 + Vec3::fill(64)};
    n += nonzero_blocks(level0, b) == 0;
    if (first == last) break;
  }
  return n;
}

void check_block_counts(const nlohmann::json& j, const std::vector<Array3<uint64_t>>& levels, const Box& vol) {
  for (size_t s = 0; s < levels.size(); ++s) {
    INFO("scale " << s);
    const uint64_t corners = s == 0 ? empty_corner_blocks(levels[0], vol) : 0;
    CHECK(j["scales"][s]["blocks-written"].get<uint64_t>() == nonzero_blocks(levels[s], scaled(vol, int(s))) + corners);
    CHECK(j["scales"][s]["empty-blocks-skipped"].get<uint64_t>() ==
          uint64_t(scaled(vol, int(s)).round_out(Vec3::fill(64)).volume() / (64 * 64 * 64)) -
              nonzero_blocks(levels[s], scaled(vol, int(s))) - corners);
  }
}

// block-statistics.h5 in canonical order: the stage writes the bricks' rows in brick order (each
// brick's sorted), so the file is the same at any rank count but not sorted as a whole.
std::vector<stats::BlockStat> sorted_stats(const fs::path& path) {
  auto rows = stats::read_block_stats_h5(path);
  stats::sort_rows(rows);
  return rows;
}

}  // namespace

TEST_CASE("the example ingests identically at 1, 2 and 4 ranks and matches its own pyramid", "[ranks]") {
  const std::string server = dvid_url_env();
  const fs::path work = scratch_dir("ingest-ranks");
  const Example ex = make_example(work / "example", kSmall);
  const auto levels = pyramid(ex.seg, kTop);

  // Independent block statistics: every voxel of the example, counted per 64^3 block.
  Array3<uint64_t> padded(ex.box().round_out(Vec3::fill(64)));
  padded.paste(ex.seg);
  const auto want_rows = stats::block_stats(padded, ex.box());

  std::map<int, fs::path> dirs;
  for (int np : {1, 2, 4}) {
    const fs::path dir = work / fmt::format("np{}", np);
    WorkflowOptions o;
    o.server = server;
    o.uuid = new_repo(server, fmt::format("ingest-np{}", np));
    // 3 passes: scales 0..1, then 2, then 3; the CSV too (written only when asked).
    o.options = "  brick-shape: [128, 128, 128]\n  block-statistics-csv: true\n";
    write_workflow(dir, ex, o);
    const auto t0 = std::chrono::steady_clock::now();
    const RunResult r = run_shell(stage_command(np, dir));
    const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    require_ok(r, fmt::format("np {}", np));
    CHECK(r.output.find("created labelmap") != std::string::npos);
    dirs[np] = dir;
    const auto j = summary(dir);
    std::cout << fmt::format("ingest-supervoxels np {}: {} voxels, {} blocks in {:.2f} s inside the stage ({:.1f} Mvox/s, "
                             "{:.0f} blocks/s), {:.2f} s including mpirun\n",
                             np, j["voxels"].get<int64_t>(), j["scales"][0]["blocks-written"].get<uint64_t>(),
                             j["seconds"].get<double>(), j["mvox-per-second"].get<double>(),
                             j["blocks-per-second"].get<double>(), secs);
    CHECK(j["passes"] == 3);
    check_block_counts(j, levels, ex.box());
    check_instance(server, o.uuid, o.instance, levels, ex.box());
    check_with_oracle(ex, server, o.uuid, o.instance, kTop, dir / "block-statistics.h5");

    // Extents: the first and last block went through /blocks, so DVID's extents cover the volume.
    dvid::Client c(server);
    const auto info = dvid::instance_info(c, o.uuid, o.instance);
    CHECK(info["Extents"]["MinPoint"] == nlohmann::json::array({0, 0, 0}));
    CHECK(info["Extents"]["MaxPoint"] == nlohmann::json::array({255, 191, 191}));
    CHECK(info["Extended"]["MaxDownresLevel"] == kTop);

    // The program's own verification agrees.
    const RunResult v = run_shell(stage_command(np, dir, "--verify"));
    INFO(v.output);
    CHECK(v.status == 0);
    CHECK(v.output.find("verify: OK") != std::string::npos);
    CHECK(v.output.find("block-statistics.h5 match") != std::string::npos);

    CHECK(sorted_stats(dir / "block-statistics.h5") == want_rows);
    CHECK(summary(dir)["block-statistics"]["rows"] == want_rows.size());
  }
  // Byte-identical statistics at every rank count.
  for (int np : {2, 4}) {
    CHECK(read_file(dirs[1] / "block-statistics.h5") == read_file(dirs[np] / "block-statistics.h5"));
    CHECK(read_file(dirs[1] / "block-statistics.csv") == read_file(dirs[np] / "block-statistics.csv"));
  }
}

TEST_CASE("DVID's own POST /raw ingestion of the same example gives the same voxels at every scale", "[dvid-raw]") {
  const std::string server = dvid_url_env();
  const fs::path work = scratch_dir("ingest-vs-raw");
  const Example ex = make_example(work / "example", kSmall);
  const auto levels = pyramid(ex.seg, kTop);
  const std::string uuid = new_repo(server, "ingest-vs-raw");

  WorkflowOptions o;
  o.server = server;
  o.uuid = uuid;
  o.options = "  brick-shape: [256, 256, 256]\n";  // scales 0..2 in one pass, 3 in a second
  write_workflow(work / "run", ex, o);
  require_ok(run_shell(stage_command(2, work / "run")), "ingest");

  // Second way: DVID computes lower scales (and label indexes) itself from block-aligned 64-deep slabs.
  dvid::Client c(server);
  dvid::create_instance(c, uuid, "labelmap", "segraw",
                        {{"BlockSize", "64,64,64"}, {"IndexedLabels", "true"}, {"MaxDownresLevel", std::to_string(kTop)}});
  const Box all = ex.box().round_out(Vec3::fill(64));
  for (int64_t z = all.lo.z; z < all.hi.z; z += 64) {
    const Box slab{{all.lo.x, all.lo.y, z}, {all.hi.x, all.hi.y, z + 64}};
    Array3<uint64_t> a(slab);
    a.paste(ex.seg);
    const Vec3 s = slab.shape();
    c.post(fmt::format("/api/node/{}/segraw/raw/0_1_2/{}_{}_{}/{}_{}_{}", uuid, s.x, s.y, s.z, slab.lo.x, slab.lo.y, slab.lo.z),
           a.bytes());
  }

  dvid::Labelmap ours(c, uuid, "seg"), theirs(c, uuid, "segraw");
  for (int s = 0; s <= kTop; ++s) {
    INFO("scale " << s);
    const Box r = scaled(ex.box(), s).round_out(Vec3::fill(64));
    const auto a = ours.raw(r, s, true), b = theirs.raw(r, s, true);
    uint64_t diff = 0;
    for (size_t i = 0; i < a.size(); ++i) diff += a.vec()[i] != b.vec()[i];
    CHECK(diff == 0);
  }
  check_instance(server, uuid, "segraw", levels, ex.box());  // and both equal our independent pyramid
  check_instance(server, uuid, "seg", levels, ex.box());

  // Label indexes: ours come from ingest-label-indexes on block-statistics.h5, DVID's from its own
  // indexing of POST /raw (asynchronous: poll until they settle).
  const char* li = std::getenv("DFLOW_LABEL_INDEX_EXE");
  // The comparison is part of this test: a missing program is a failure, never a skip.
  REQUIRE(li != nullptr);
  INFO("DFLOW_LABEL_INDEX_EXE=" << li);
  REQUIRE(fs::exists(li));
  require_ok(run_shell(fmt::format("{} --server {} --uuid {} --instance seg --stats {}", li, server, uuid,
                                   quote((work / "run" / "block-statistics.h5").string()))),
             "ingest-label-indexes");
  std::set<uint64_t> svs;
  for (const auto& r : stats::read_block_stats_h5(work / "run" / "block-statistics.h5")) svs.insert(r.segment_id);
  REQUIRE(svs.size() > 100);
  auto blocks_of = [](const std::optional<dvidpb::LabelIndex>& idx) {
    std::map<uint64_t, std::map<uint64_t, uint32_t>> m;
    if (!idx) return m;
    for (const auto& [key, svc] : idx->blocks())
      for (const auto& [sv, n] : svc.counts()) m[key][sv] = n;
    return m;
  };
  size_t differ = 0;
  for (int attempt = 0; attempt < 30; ++attempt) {
    differ = 0;
    for (uint64_t sv : svs) differ += blocks_of(ours.index(sv)) != blocks_of(theirs.index(sv));
    if (differ == 0) break;
    std::this_thread::sleep_for(std::chrono::seconds(1));
  }
  INFO(svs.size() << " supervoxels compared");
  CHECK(differ == 0);
}

TEST_CASE("a run killed by DFLOW_FAIL_AFTER_BRICKS resumes and ends like an uninterrupted run", "[resume]") {
  const std::string server = dvid_url_env();
  const fs::path work = scratch_dir("ingest-resume");
  const Example ex = make_example(work / "example", kSmall);
  const auto levels = pyramid(ex.seg, kTop);

  WorkflowOptions o;
  o.server = server;
  o.options = "  brick-shape: [64, 64, 64]\n  concurrency: 2\n";  // 36 bricks in the first pass
  o.uuid = new_repo(server, "ingest-uninterrupted");
  write_workflow(work / "ref", ex, o);
  require_ok(run_shell(stage_command(2, work / "ref")), "uninterrupted run");

  o.uuid = new_repo(server, "ingest-resumed");
  write_workflow(work / "crash", ex, o);
  const RunResult crashed = run_shell(stage_command(2, work / "crash", "", "DFLOW_FAIL_AFTER_BRICKS=3"));
  INFO(crashed.output);
  REQUIRE(crashed.status != 0);
  CHECK(crashed.output.find("DFLOW_FAIL_AFTER_BRICKS=3: simulated failure after 3 bricks") != std::string::npos);
  CHECK_FALSE(fs::exists(work / "crash" / "block-statistics.h5"));
  CHECK_FALSE(fs::exists(work / "ref" / "block-statistics.csv"));  // the CSV only when asked
  // A finished brick whose rows file was lost is redone (its result blob alone is not enough).
  const fs::path bricks = work / "crash" / "bricks" / "ingest-supervoxels";
  fs::path lost;
  for (const auto& e : fs::directory_iterator(bricks))
    if (e.path().extension() == ".rows" && fs::exists(fs::path(e.path()).replace_extension(".bin"))) lost = e.path();
  REQUIRE_FALSE(lost.empty());
  fs::remove(lost);

  const RunResult resumed = run_shell(stage_command(2, work / "crash"));
  require_ok(resumed, "resumed run");
  CHECK(resumed.output.find("1 bricks have a result but no block-statistics rows file (first: " + lost.string() +
                            "); redoing them") != std::string::npos);
  CHECK(fs::exists(lost));
  std::smatch m;
  const std::regex re("ingest-supervoxels: resuming: skipping ([0-9]+) of 36 bricks already done");
  REQUIRE(std::regex_search(resumed.output, m, re));
  const int skipped = std::stoi(m[1]);
  CHECK(skipped >= 2);
  CHECK(skipped <= 5);
  CHECK(summary(work / "crash")["bricks-skipped-resume"].get<int>() == skipped);

  CHECK(read_file(work / "ref" / "block-statistics.h5") == read_file(work / "crash" / "block-statistics.h5"));
  Array3<uint64_t> padded(ex.box().round_out(Vec3::fill(64)));
  padded.paste(ex.seg);
  CHECK(sorted_stats(work / "ref" / "block-statistics.h5") == stats::block_stats(padded, ex.box()));
  check_instance(server, o.uuid, o.instance, levels, ex.box());
  check_with_oracle(ex, server, o.uuid, o.instance, kTop, work / "crash" / "block-statistics.h5");
  // Same blocks written in total (the summary counts the earlier run's bricks from their results).
  const auto a = summary(work / "ref"), b = summary(work / "crash");
  for (int s = 0; s <= kTop; ++s) CHECK(a["scales"][s]["blocks-written"] == b["scales"][s]["blocks-written"]);

  const RunResult v = run_shell(stage_command(2, work / "crash", "--verify"));
  INFO(v.output);
  CHECK(v.status == 0);

  // A finished run re-run in place does nothing new.
  const RunResult again = run_shell(stage_command(1, work / "crash"));
  require_ok(again, "re-run of a finished run");
  CHECK(again.output.find("skipping 36 of 36 bricks") != std::string::npos);
  // ... and says so, instead of a rate as if it had written the whole volume again.
  CHECK(again.output.find("ingest-supervoxels: done: nothing left to do, all") != std::string::npos);
  CHECK(again.output.find("Mvox/s") == std::string::npos);
  // The resumed run's rate is for its own bricks only.
  CHECK(std::regex_search(resumed.output, std::regex(fmt::format("Mvox/s, [0-9]+ blocks/s \\(this run's [0-9]+ of [0-9]+ bricks; {} were done before\\)", skipped))));
  CHECK(read_file(work / "ref" / "block-statistics.h5") == read_file(work / "crash" / "block-statistics.h5"));
}

TEST_CASE("DVID down: a closed port gives one error line naming the URL", "[faults]") {
  const fs::path work = scratch_dir("ingest-down");
  const Example ex = make_example(work / "example", {100, 70, 64});
  WorkflowOptions o;
  o.server = fmt::format("http://127.0.0.1:{}", free_port());
  o.uuid = "0123456789abcdef";
  write_workflow(work / "run", ex, o);
  const RunResult r = run_shell(stage_command(2, work / "run"));
  INFO(r.output);
  CHECK(r.status != 0);
  CHECK(count_lines_with(r.output, "] ERROR ") == 1);
  CHECK(count_lines_with(r.output, o.server + "/api/repo/0123456789abcdef/info") >= 1);
  CHECK(r.output.find("gave up after 5 attempts") != std::string::npos);
  CHECK(r.output.find("retrying in") != std::string::npos);  // the retry path ran
}

TEST_CASE("DVID that stops answering: the stage ends within output.timeouts.deadline-s, naming the URL", "[faults]") {
  const fs::path work = scratch_dir("ingest-hang");
  const Example ex = make_example(work / "example", {100, 70, 64});
  const std::string dvid_url = env_or_fail("DFLOW_DVID_URL");
  test::FaultProxy proxy(dvid_url.substr(dvid_url.rfind(':') + 1), "hang");
  WorkflowOptions o;
  o.server = proxy.url();
  o.uuid = "0123456789abcdef";
  o.output_extra = "  timeouts: {request-s: 30, deadline-s: 4}\n";
  write_workflow(work / "run", ex, o);
  const auto t0 = std::chrono::steady_clock::now();
  const RunResult r = run_shell(stage_command(2, work / "run"));
  const double took = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  INFO(r.output);
  CHECK(r.status != 0);
  CHECK(took < 15.0);  // the deadline (4 s) plus start-up, not 5 x 30 s of retries
  CHECK(count_lines_with(r.output, "] ERROR ") == 1);
  CHECK(count_lines_with(r.output, "DVID GET " + o.server + "/api/repo/0123456789abcdef/info") >= 1);
  CHECK(r.output.find("Operation timed out") != std::string::npos);
}

// A private DVID server for the tests that stop, kill or throttle it.
struct PrivateDvid {
  fs::path dir;
  int port = 0;
  std::string url;
  PrivateDvid(const fs::path& d) : dir(d), port(free_port()), url(fmt::format("http://127.0.0.1:{}", port)) { start(true); }
  ~PrivateDvid() { std::system(fmt::format("bash {} stop {} >/dev/null 2>&1", env_or_fail("DFLOW_DVID_SCRIPT"), quote(dir.string())).c_str()); }
  void start(bool fresh) {
    const auto r = run_shell(fmt::format("bash {} {} {} {}", env_or_fail("DFLOW_DVID_SCRIPT"), fresh ? "start-fresh" : "start",
                                         quote(dir.string()), port));
    INFO(r.output);
    REQUIRE(r.status == 0);
  }
  void kill9() {
    const std::string pid = read_text(dir / "dvid.pid");
    REQUIRE(::kill(std::stoi(pid), SIGKILL) == 0);
    for (int i = 0; i < 100 && ::kill(std::stoi(pid), 0) == 0; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(50));
    fs::remove(dir / "dvid.pid");
  }
  void throttle(int max_ops) {
    dvid::Client c(url);
    c.post("/api/server/settings", fmt::format("{{\"throttle\": \"{}\"}}", max_ops));
  }
};

TEST_CASE("DVID killed mid-run: the error names the brick and URL; after a restart the run resumes", "[faults]") {
  const fs::path work = scratch_dir("ingest-killed");
  const Example ex = make_example(work / "example", kSmall);
  const auto levels = pyramid(ex.seg, kTop);
  PrivateDvid dvid(work / "dvid");
  WorkflowOptions o;
  o.server = dvid.url;
  o.uuid = new_repo(dvid.url, "killed");
  // Slow on purpose (one thread, one block per request, slowest gzip), so the kill lands mid-run.
  o.options = "  brick-shape: [64, 64, 64]\n  concurrency: 1\n  batch-blocks: 1\n  gzip-level: 12\n";
  write_workflow(work / "run", ex, o);
  bool killed = false;
  const RunResult r = run_shell(stage_command(1, work / "run"), [&](const std::string& line) {
    if (!killed && line.find("ingest-supervoxels: ") != std::string::npos && line.find("/36 bricks (") != std::string::npos) {
      dvid.kill9();
      killed = true;
    }
  });
  INFO(r.output);
  REQUIRE(killed);
  CHECK(r.status != 0);
  CHECK(count_lines_with(r.output, "] ERROR ") == 1);
  const std::regex err("ERROR .*ingest-supervoxels: brick [0-9]+ \\[\\[.*\\]\\], scale 0, .*"
                       "DVID POST " + dvid.url + "/api/node/" + o.uuid + "/seg/(ingest-supervoxels|blocks)\\?scale=0.*gave up after 5 attempts");
  CHECK(std::regex_search(r.output, err));

  dvid.start(false);  // same data directory: what was stored before the kill is still there
  const RunResult resumed = run_shell(stage_command(2, work / "run"));
  require_ok(resumed, "resumed after restart");
  CHECK(resumed.output.find("resuming: skipping") != std::string::npos);
  check_instance(dvid.url, o.uuid, o.instance, levels, ex.box());
  const RunResult v = run_shell(stage_command(2, work / "run", "--verify"));
  INFO(v.output);
  CHECK(v.status == 0);
}

TEST_CASE("DVID answering 503 (throttled): retried with backoff; a persistent 503 fails naming brick and URL", "[faults]") {
  const fs::path work = scratch_dir("ingest-503");
  const Example ex = make_example(work / "example", {100, 70, 64});
  const auto levels = pyramid(ex.seg, 1);
  PrivateDvid dvid(work / "dvid");
  WorkflowOptions o;
  o.server = dvid.url;
  o.throttle = true;
  o.max_scale = 1;
  o.options = "  brick-shape: [128, 128, 128]\n";

  // No throttled operation allowed: POST /blocks?throttle=true (the extent-setting corner blocks) gets 503.
  dvid.throttle(0);
  o.uuid = new_repo(dvid.url, "throttled-fail");
  write_workflow(work / "fail", ex, o);
  const RunResult r = run_shell(stage_command(1, work / "fail"));
  INFO(r.output);
  CHECK(r.status != 0);
  CHECK(count_lines_with(r.output, "] ERROR ") == 1);
  CHECK(count_lines_with(r.output, "HTTP 503") >= 4);  // 4 warnings + the error
  const std::regex err("ERROR .*ingest-supervoxels: brick 0 \\[\\[0,0,0\\],\\[100,70,64\\]\\], scale 0, "
                       "2 blocks \\[0,0,0\\]..\\[1,1,0\\]: DVID POST " + dvid.url + "/api/node/" + o.uuid +
                       "/seg/blocks\\?scale=0&noindexing=true&throttle=true: HTTP 503: Server already running 0 throttled "
                       "operations \\(max = 0\\) \\(gave up after 5 attempts\\)");
  CHECK(std::regex_search(r.output, err));

  // The same, but DVID recovers while the client is backing off: the run completes.
  o.uuid = new_repo(dvid.url, "throttled-recovers");
  write_workflow(work / "recover", ex, o);
  bool restored = false;
  const RunResult ok = run_shell(stage_command(1, work / "recover"), [&](const std::string& line) {
    if (!restored && line.find("HTTP 503") != std::string::npos && line.find("retrying in") != std::string::npos) {
      dvid.throttle(1);
      restored = true;
    }
  });
  INFO(ok.output);
  CHECK(restored);
  CHECK(ok.status == 0);
  check_instance(dvid.url, o.uuid, o.instance, levels, ex.box());
}

TEST_CASE("options: verify finds corruption, dont-overwrite-identical-blocks, skip-scale-0-write, bad instances, dry run",
          "[options]") {
  const std::string server = dvid_url_env();
  const fs::path work = scratch_dir("ingest-options");
  const Example ex = make_example(work / "example", kSmall);
  const auto levels = pyramid(ex.seg, kTop);
  const std::string uuid = new_repo(server, "ingest-options");
  dvid::Client c(server);

  SECTION("dry run plans without writing anything") {
    WorkflowOptions o{server, uuid};
    write_workflow(work / "dry", ex, o);
    const RunResult r = run_shell(stage_command(2, work / "dry", "--dry-run"));
    INFO(r.output);
    REQUIRE(r.status == 0);
    CHECK(r.output.find("(would be created)") != std::string::npos);
    CHECK(r.output.find("2 ranks: ") != std::string::npos);
    CHECK(r.output.find("estimated memory per rank") != std::string::npos);
    CHECK(r.output.find("pass 1 (stage ingest-supervoxels-from-s2)") != std::string::npos);
    CHECK(std::regex_search(r.output, std::regex(R"(DVID: at most [1-9]\d* blocks in about [1-9]\d* POST /ingest-supervoxels requests .* about \S+ \S+ to \S+ \S+ sent and stored)")));
    CHECK_FALSE(dvid::repo_info(c, uuid)["DataInstances"].contains("seg"));
    CHECK_FALSE(fs::exists(work / "dry" / "block-statistics.h5"));
  }

  SECTION("--verify reports a corrupted block; dont-overwrite-identical-blocks then rewrites only that block") {
    WorkflowOptions o{server, uuid, "segv"};
    write_workflow(work / "first", ex, o);
    require_ok(run_shell(stage_command(1, work / "first")), "ingest");
    // Overwrite scale-1 block (1,0,0) with a solid block of another label.
    std::vector<std::byte> stream;
    dvid::append_block_record(stream, {1, 0, 0},
                              gzip::compress(dvidlabels::solid_block(987654321, {64, 64, 64}), gzip::Format::gzip));
    dvid::Labelmap(c, uuid, "segv").ingest_supervoxels(stream, 1);
    const RunResult v = run_shell(stage_command(2, work / "first", "--verify"));
    INFO(v.output);
    CHECK(v.status == 1);
    // The bad scale-1 block, and its scale-2 parent (which no longer matches the scale-1 blocks below it).
    CHECK(count_lines_with(v.output, "verify: MISMATCH block-voxels: 2 blocks (first: scale 1 block [1,0,0]: 262144 voxels "
                                     "differ, e.g. at [64,0,0]: expected 0, stored 987654321)") == 1);
    CHECK(count_lines_with(v.output, "verify: MISMATCH raw-voxels: 294912 voxels (first: scale 1 in") == 1);
    CHECK(count_lines_with(v.output, "verify: FAILED: 2 kinds of mismatch") == 1);

    o.options = "  dont-overwrite-identical-blocks: true\n";
    write_workflow(work / "second", ex, o);
    require_ok(run_shell(stage_command(2, work / "second")), "re-ingest");
    const auto j = summary(work / "second");
    CHECK(j["scales"][0]["blocks-written"] == 0);
    CHECK(j["scales"][0]["identical-blocks-skipped"] == nonzero_blocks(levels[0], ex.box()) + empty_corner_blocks(levels[0], ex.box()));
    CHECK(j["scales"][1]["blocks-written"] == 1);
    CHECK(j["scales"][2]["blocks-written"] == 0);
    check_instance(server, uuid, "segv", levels, ex.box());
    CHECK(run_shell(stage_command(1, work / "second", "--verify")).status == 0);
  }

  SECTION("skip-scale-0-write writes the pyramid and only the two corner blocks that set DVID's extents") {
    WorkflowOptions o{server, uuid, "seg-noscale0"};
    o.options = "  skip-scale-0-write: true\n";
    write_workflow(work / "skip0", ex, o);
    require_ok(run_shell(stage_command(2, work / "skip0")), "ingest");
    const auto j = summary(work / "skip0");
    CHECK(j["scales"][0]["blocks-written"] == 2);
    CHECK(j["scales"][1]["blocks-written"] == nonzero_blocks(levels[1], scaled(ex.box(), 1)));
    dvid::Labelmap lm(c, uuid, "seg-noscale0");
    CHECK_FALSE(lm.specific_blocks({{0, 0, 0}, {1, 1, 1}}, 0).empty());  // the first corner
    CHECK(lm.specific_blocks({{1, 0, 0}, {2, 1, 1}}, 0).empty());      // not a corner: skipped
    // DVID's extents cover the volume although scale 0 was not written (they were empty before the fix).
    const auto ext = dvid::instance_info(c, uuid, "seg-noscale0")["Extents"];
    CHECK(ext["MinPoint"] == nlohmann::json::array({0, 0, 0}));
    const Vec3 last = ex.box().round_out(Vec3::fill(64)).hi - Vec3::fill(1);
    CHECK(ext["MaxPoint"] == nlohmann::json::array({last.x, last.y, last.z}));
    const auto mism = raw_mismatches(lm, levels, ex.box());
    CHECK(mism[0] > 0);
    for (int s = 1; s <= kTop; ++s) CHECK(mism[size_t(s)] == 0);
    Array3<uint64_t> padded(ex.box().round_out(Vec3::fill(64)));
    padded.paste(ex.seg);
    CHECK(sorted_stats(work / "skip0" / "block-statistics.h5") == stats::block_stats(padded, ex.box()));
  }

  SECTION("write-empty-blocks writes every block inside the volume") {
    WorkflowOptions o{server, uuid, "seg-empty"};
    o.max_scale = 0;
    o.options = "  write-empty-blocks: true\n";
    write_workflow(work / "empty", ex, o);
    require_ok(run_shell(stage_command(1, work / "empty")), "ingest");
    const auto j = summary(work / "empty");
    CHECK(j["max-scale"] == 0);
    CHECK(j["scales"][0]["blocks-written"] == 36);
    CHECK(j["scales"][0]["empty-blocks-skipped"] == 0);
  }

  SECTION("bad targets: one clear error line each") {
    dvid::create_instance(c, uuid, "labelmap", "seg32", {{"BlockSize", "32,32,32"}});
    WorkflowOptions o{server, uuid, "seg32"};
    write_workflow(work / "bs32", ex, o);
    RunResult r = run_shell(stage_command(2, work / "bs32"));
    INFO(r.output);
    CHECK(r.status != 0);
    CHECK(count_lines_with(r.output, "] ERROR ") == 1);
    CHECK(count_lines_with(r.output, "/seg32: BlockSize is [32,32,32]; this stage writes 64x64x64 blocks only") == 1);

    // A committed node is refused before any brick is read or instance created.
    {
      dvid::Client admin(server);
      const std::string locked = new_repo(server, "ingest-locked");
      dvid::commit(admin, locked, "locked before ingest");
      o = {server, locked, "seg"};
      write_workflow(work / "locked", ex, o);
      r = run_shell(stage_command(2, work / "locked"));
      CHECK(r.status != 0);
      CHECK(count_lines_with(r.output, "] ERROR ") == 1);
      CHECK(count_lines_with(r.output, "/api/node/" + locked + ": the node is committed (locked) and takes no writes") == 1);
      CHECK(r.output.find("brick") == std::string::npos);  // nothing was read
      CHECK(dvid::instance_types(admin, locked).count("seg") == 0);  // nothing was created
    }

    o = {server, uuid, "missing"};
    o.create = false;
    write_workflow(work / "missing", ex, o);
    r = run_shell(stage_command(2, work / "missing"));
    CHECK(r.status != 0);
    CHECK(count_lines_with(r.output, "/missing: the labelmap does not exist (set output.create-if-necessary: true") == 1);

    dvid::create_instance(c, uuid, "labelmap", "seg-max1", {{"BlockSize", "64,64,64"}, {"MaxDownresLevel", "1"}});
    o = {server, uuid, "seg-max1"};
    o.options = "  pyramid-depth: 2\n";
    write_workflow(work / "depth", ex, o);
    r = run_shell(stage_command(1, work / "depth"));
    CHECK(r.status != 0);
    CHECK(count_lines_with(r.output, "options.pyramid-depth 2 is larger than the instance's MaxDownresLevel 1") == 1);
    // A shallower pyramid than the instance advertises would leave scale 1 empty: refused.
    o.options = "  pyramid-depth: 0\n";
    write_workflow(work / "shallow", ex, o);
    r = run_shell(stage_command(1, work / "shallow"));
    CHECK(r.status != 0);
    CHECK(count_lines_with(r.output, "options.pyramid-depth 0 is below the instance's MaxDownresLevel 1: scales 1..1 "
                                     "would stay empty; use pyramid-depth -1 (every scale) or 1") == 1);
  }
}

TEST_CASE("DVID v1.0.0 answers HTTP 500 for GET /raw of one missing block: retried, reported, and avoided by raw()",
          "[faults]") {
  const std::string server = dvid_url_env();
  const std::string uuid = new_repo(server, "raw-missing-block");
  dvid::Client c(server, dvid::RetryPolicy{.attempts = 2, .first_delay = std::chrono::milliseconds(50)});
  dvid::create_instance(c, uuid, "labelmap", "seg", {{"BlockSize", "64,64,64"}});
  dvid::Labelmap lm(c, uuid, "seg");
  const Box one{{64, 0, 0}, {128, 64, 64}};
  try {
    lm.raw_exact(one, 0, true);
    FAIL("DVID answered a single missing block");
  } catch (const Error& e) {
    // A real 5xx from the real server, after the client's retries.
    CHECK_THAT(e.what(), Catch::Contains("/seg/raw/0_1_2/64_64_64/64_0_0?scale=0&supervoxels=true: HTTP 500: Panic detected") &&
                             Catch::Contains("(gave up after 2 attempts)"));
  }
  const auto a = lm.raw(one, 0, true);
  CHECK(a.box() == one);
  CHECK(std::all_of(a.vec().begin(), a.vec().end(), [](uint64_t v) { return v == 0; }));
}
