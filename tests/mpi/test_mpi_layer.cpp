// The MPI layer at 1, 2 and 4 ranks: gather, reductions, global progress, journal and the brick loop.
#include <catch2/catch.hpp>

#include <algorithm>
#include <chrono>
#include <map>
#include <numeric>
#include <set>
#include <thread>

#include "core/error.hpp"
#include "core/files.hpp"
#include "mpi/brick_runner.hpp"
#include "mpi/gather.hpp"
#include "mpi/journal.hpp"
#include "mpi/progress.hpp"
#include "mpi/run_log.hpp"
#include "mpi_test_support.hpp"

using namespace dflow;
using namespace dflow::mpi;
using dflow::test::mpi_rank;
using dflow::test::mpi_size;

namespace {
// Deterministic content of blob `id`: its size varies (0 bytes included) and its bytes depend on id.
std::vector<std::byte> blob_content(uint64_t id) {
  std::vector<std::byte> d((id * 37) % 1000);
  for (size_t i = 0; i < d.size(); ++i) d[i] = std::byte((id * 131 + i * 7) & 0xff);
  return d;
}
}  // namespace

TEST_CASE("gather_blobs returns every blob sorted by id, in one or many rounds") {
  const int rank = mpi_rank(), n = mpi_size();
  // Ids handed out in a rank-dependent interleaved order, so only sorting makes the result canonical.
  std::vector<Blob> mine;
  for (uint64_t id = 0; id < 50; ++id)
    if (int((id * 7) % uint64_t(n)) == rank) mine.push_back({id, blob_content(id)});
  std::reverse(mine.begin(), mine.end());
  for (size_t round_bytes : {kDefaultRoundBytes, size_t{64}, size_t{1}}) {
    const auto all = gather_blobs(MPI_COMM_WORLD, mine, 0, round_bytes);
    if (rank == 0) {
      REQUIRE(all.size() == 50);
      for (uint64_t id = 0; id < 50; ++id) {
        CHECK(all[id].id == id);
        CHECK(all[id].data == blob_content(id));
      }
    } else {
      CHECK(all.empty());
    }
  }
}

TEST_CASE("gather_blobs to another root and with empty contributions") {
  const int rank = mpi_rank(), n = mpi_size();
  std::vector<Blob> mine;
  if (rank == n - 1) mine.push_back({7, blob_content(7)});
  const auto all = gather_blobs(MPI_COMM_WORLD, mine, n - 1);
  if (rank == n - 1) {
    REQUIRE(all.size() == 1);
    CHECK(all[0].data == blob_content(7));
  }
}

TEST_CASE("gather_blobs refuses a brick reported twice") {
  std::vector<Blob> mine{{3, {}}};  // every rank claims brick 3
  if (mpi_size() == 1) mine.push_back({3, {}});
  if (mpi_rank() == 0)
    CHECK_THROWS_WITH(gather_blobs(MPI_COMM_WORLD, mine, 0), "gather: brick 3 was reported twice");
  else
    CHECK(gather_blobs(MPI_COMM_WORLD, mine, 0).empty());
}

TEST_CASE("reductions and broadcasts") {
  const int rank = mpi_rank(), n = mpi_size();
  std::vector<uint64_t> v{uint64_t(rank), 1, uint64_t(1) << 40};
  allreduce_sum(MPI_COMM_WORLD, v);
  CHECK(v[0] == uint64_t(n * (n - 1) / 2));
  CHECK(v[1] == uint64_t(n));
  CHECK(v[2] == uint64_t(n) << 40);
  CHECK(allreduce_sum(MPI_COMM_WORLD, 5) == uint64_t(5 * n));
  CHECK(allreduce_max(MPI_COMM_WORLD, uint64_t(rank) * 10) == uint64_t(n - 1) * 10);
  std::vector<uint64_t> r{uint64_t(rank) + 1};
  reduce_sum(MPI_COMM_WORLD, r, 0);
  if (rank == 0) CHECK(r[0] == uint64_t(n * (n + 1) / 2));
  std::string s = rank == 0 ? "from root" : "";
  broadcast(MPI_COMM_WORLD, s, 0);
  CHECK(s == "from root");
  std::vector<uint64_t> ids = rank == 0 ? std::vector<uint64_t>{1, uint64_t(1) << 63, 3} : std::vector<uint64_t>{};
  broadcast(MPI_COMM_WORLD, ids, 0);
  CHECK(ids == std::vector<uint64_t>{1, uint64_t(1) << 63, 3});
}

TEST_CASE("global progress counts every rank's bricks") {
  const int rank = mpi_rank(), n = mpi_size();
  const uint64_t per_rank = 10 + uint64_t(rank);  // uneven on purpose
  const uint64_t total = 10 * uint64_t(n) + uint64_t(n * (n - 1) / 2);
  GlobalProgress p(MPI_COMM_WORLD, total, total * 1000, "test-progress", 0.0);
  uint64_t last = 0;
  for (uint64_t i = 0; i < per_rank; ++i) {
    const uint64_t now = p.brick_done(1000);
    CHECK(now == last + 1);  // this rank's own count; nothing waits for rank 0
    last = now;
  }
  const auto [bricks, voxels] = p.finish();
  CHECK(bricks == total);
  CHECK(voxels == total * 1000);
}

TEST_CASE("progress line format") {
  CHECK(GlobalProgress::format_line("progress", 37, 120, 494'400'000, 1'603'200'000, 12.0) ==
        "progress: 37/120 bricks (30.8%), 41.2 Mvox/s, elapsed 0:00:12, ETA 0:00:27");
  CHECK(GlobalProgress::format_duration(3725.4) == "1:02:05");
  CHECK(GlobalProgress::format_line("x", 0, 10, 0, 100, 1.0) == "x: 0/10 bricks (0.0%), 0.0 Mvox/s, elapsed 0:00:01, ETA ?");
}

TEST_CASE("journal: records, resumes at another rank count, ignores a torn line, refuses another plan") {
  const auto dir = dflow::test::shared_scratch_dir("journal");
  const int rank = mpi_rank();
  {
    Journal j(MPI_COMM_WORLD, dir, "stage", "sig-A");
    CHECK(j.done().empty());
    j.record(100 + uint64_t(rank));
  }
  MPI_Barrier(MPI_COMM_WORLD);
  if (rank == 0) {
    // An earlier run with more ranks, killed mid-line: "57" without its newline must not count.
    write_text_atomic(journal_path(dir, "stage", 9), "# dvidflow journal: stage sig-A\n5\n57");
    // Another stage's journal in the same directory is none of our business.
    write_text_atomic(journal_path(dir, "other", 0), "# dvidflow journal: other sig-B\n1\n");
  }
  MPI_Barrier(MPI_COMM_WORLD);
  {
    Journal j(MPI_COMM_WORLD, dir, "stage", "sig-A");
    std::vector<uint64_t> expect{5};
    for (int r = 0; r < mpi_size(); ++r) expect.push_back(100 + uint64_t(r));
    CHECK(j.done() == expect);
    CHECK(j.is_done(5));
    CHECK_FALSE(j.is_done(57));
  }
  MPI_Barrier(MPI_COMM_WORLD);
  if (rank == 0) {
    CHECK(read_text(journal_path(dir, "stage", 0)) == "# dvidflow journal: stage sig-A\n100\n");
    CHECK_THROWS_WITH(read_journals(dir, "stage", "sig-B"), Catch::Contains("journal was written for a different run"));
    write_text_atomic(journal_path(dir, "stage", 3), "# dvidflow journal: stage sig-A\nabc\n");
    CHECK_THROWS_WITH(read_journals(dir, "stage", "sig-A"), Catch::Contains("stage.rank3.txt: line 2: not a brick id: \"abc\""));
  }
}

TEST_CASE("run_bricks processes every brick exactly once and a resumed run gives the same results") {
  const auto dir = dflow::test::shared_scratch_dir("runner");
  const BrickPlan plan = plan_bricks({{0, 0, 0}, {200, 130, 70}}, Vec3::fill(64));  // 4*3*2 = 24 bricks
  REQUIRE(plan.bricks.size() == 24);
  const BrickRunOptions opt{dir, "unit", plan.signature(), 10.0};
  const auto fn = [](const Brick& b) {
    const std::string s = fmt::format("{} {}", b.id, b.box);
    return std::vector<std::byte>(reinterpret_cast<const std::byte*>(s.data()), reinterpret_cast<const std::byte*>(s.data() + s.size()));
  };
  const auto expected = [&](uint64_t id) { return fn(plan.bricks[id]); };

  // What a crashed earlier run (at 8 ranks) leaves behind: three journaled bricks with their
  // results, and a torn last journal line.
  if (mpi_rank() == 0) {
    std::string j = "# dvidflow journal: unit " + plan.signature() + "\n";
    for (uint64_t id : {3, 11, 20}) {
      write_file_atomic(brick_result_path(dir, "unit", id), expected(id));
      j += fmt::format("{}\n", id);
    }
    // brick 12 finished its result file but was killed before journaling it: it is redone.
    write_file_atomic(brick_result_path(dir, "unit", 12), expected(12));
    // brick 5 was journaled but its result never reached the disk (a node crash before the rename
    // was durable): it is redone too, not an abort.
    j += "5\n";
    write_text_atomic(journal_path(dir, "unit", 7), j + "1");
  }
  MPI_Barrier(MPI_COMM_WORLD);
  const BrickRunResult r = run_bricks(MPI_COMM_WORLD, plan, opt, fn);
  CHECK(r.skipped == 3);
  CHECK(r.processed == 21);
  if (mpi_rank() == 0) {
    REQUIRE(r.results.size() == 24);
    for (uint64_t id = 0; id < 24; ++id) {
      CHECK(r.results[id].id == id);
      CHECK(r.results[id].data == expected(id));
    }
    std::vector<uint64_t> lines;
    const auto done = read_journals(dir, "unit", plan.signature(), &lines);
    CHECK(done.size() == 24);
    CHECK(lines.size() == 25);  // each brick journaled exactly once by this run, plus brick 5's stale line
  } else {
    CHECK(r.results.empty());
  }
  // A second run finds everything done and still returns every result.
  const BrickRunResult again = run_bricks(MPI_COMM_WORLD, plan, opt, [](const Brick&) -> std::vector<std::byte> {
    throw Error("no brick should be processed");
  });
  CHECK(again.skipped == 24);
  CHECK(again.processed == 0);
  if (mpi_rank() == 0) {
    REQUIRE(again.results.size() == 24);
    for (uint64_t id = 0; id < 24; ++id) CHECK(again.results[id].data == expected(id));
  }
}

namespace {
// Bricks whose cost is a sleep (no CPU, so the figures do not depend on how loaded the machine is).
// The costly bricks form a one-brick-wide column along z at grid x = y = 0: in Z-order their ids are
// all multiples of 4, so the static plan (round robin over the Z-order) gives every one of them to
// rank 0 at 2 and 4 ranks.
constexpr int kDenseMs = 400, kLightMs = 20;
bool dense_column(const Brick& b) { return b.grid.x == 0 && b.grid.y == 0; }
}  // namespace

TEST_CASE("run_bricks: dynamic and static schedules give identical results; dynamic evens out skewed bricks") {
  const int n = mpi_size();
  const BrickPlan plan = plan_bricks({{0, 0, 0}, {256, 256, 256}}, Vec3::fill(64));  // 4*4*4 = 64 bricks
  REQUIRE(plan.bricks.size() == 64);
  const auto expected = [&](uint64_t id) {
    const std::string s = fmt::format("{} {}", id, plan.bricks[id].box);
    return std::vector<std::byte>(reinterpret_cast<const std::byte*>(s.data()), reinterpret_cast<const std::byte*>(s.data() + s.size()));
  };
  const auto fn = [&](const Brick& b) {
    std::this_thread::sleep_for(std::chrono::milliseconds(dense_column(b) ? kDenseMs : kLightMs));
    return expected(b.id);
  };
  std::map<std::string, BrickRunResult> runs;
  for (const Schedule schedule : {Schedule::fixed, Schedule::dynamic}) {
    const auto dir = dflow::test::shared_scratch_dir(std::string("schedule-") + schedule_name(schedule));
    BrickRunOptions opt{dir, "skew", plan.signature(), 10.0};
    opt.schedule = schedule;
    // What a stage that knows its costly bricks passes: they go first, so the last bricks are short.
    opt.cost = [](const Brick& b) { return dense_column(b) ? double(kDenseMs) : double(kLightMs); };
    BrickRunResult r = run_bricks(MPI_COMM_WORLD, plan, opt, fn);
    CHECK(r.processed == 64);
    if (mpi_rank() == 0) {
      REQUIRE(r.results.size() == 64);
      for (uint64_t id = 0; id < 64; ++id) CHECK(r.results[id].data == expected(id));
      std::vector<uint64_t> lines;
      CHECK(read_journals(dir, "skew", plan.signature(), &lines).size() == 64);
      CHECK(lines.size() == 64);  // every brick journaled once, whichever rank did it
      REQUIRE(r.balance.bricks.size() == size_t(n));
      CHECK(std::accumulate(r.balance.bricks.begin(), r.balance.bricks.end(), uint64_t{0}) == 64);
      // The timing records (launchflow --status, report.html) say which schedule ran.
      const auto phases = read_phases(dir);
      REQUIRE(phases.size() == 1);
      CHECK(phases[0].schedule == schedule_name(schedule));
      CHECK(phases[0].assigned.size() == (schedule == Schedule::fixed ? size_t(n) : 0));
      CHECK(read_brick_records(dir, "skew").size() == 64);
      WARN(fmt::format("{} ranks, {} schedule: {}", n, schedule_name(schedule), r.balance.describe()));
    }
    runs[schedule_name(schedule)] = std::move(r);
  }
  if (mpi_rank() == 0) {
    for (uint64_t id = 0; id < 64; ++id) CHECK(runs["static"].results[id].data == runs["dynamic"].results[id].data);
    const double fixed = runs["static"].balance.max_over_mean_busy(), dynamic = runs["dynamic"].balance.max_over_mean_busy();
    if (n == 1) {
      CHECK(fixed == Approx(1.0));
      CHECK(dynamic == Approx(1.0));
    } else {
      // Static: rank 0 holds the whole column: 1.4 at 2 ranks and 2.2 at 4 with the ~16 ms that
      // writing and fsyncing each brick's result and journal line adds here, less where fsync is
      // slower (1.23 at 2 ranks with 50 ms).
      CHECK(fixed > 1.15);
      // Dynamic: the ranks end within one short brick of each other (<= 1.03 in theory). A loaded
      // machine delays single sleeps and fsyncs by up to ~100 ms (seen here), which no schedule can
      // absorb when it hits a last brick: at 4 ranks (~1 s busy each) that is up to +0.08, hence
      // 1.15 here; bench/bench_brick_schedule.py measures the real stage against 1.05.
      CHECK(dynamic <= 1.15);
      CHECK(dynamic < fixed - 0.1);
    }
  }
}
