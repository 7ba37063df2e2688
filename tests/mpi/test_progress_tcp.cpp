// Global progress and the brick queue never wait for rank 0's main thread. Run at 4 ranks with Open
// MPI forced onto TCP (--mca btl tcp,self, tests.cmake), where MPI has no progress thread: a message
// to rank 0 moves only while some thread of rank 0 is inside MPI. Rank 0's main thread sleeps outside
// MPI for seconds (a slow brick); meanwhile the other ranks must get bricks, finish them, and the
// progress lines must keep coming, as the timestamps of rank 0's log show.
#include <catch2/catch.hpp>

#include <algorithm>
#include <chrono>
#include <thread>

#include "core/files.hpp"
#include "core/log.hpp"
#include "mpi/brick_runner.hpp"
#include "mpi/gather.hpp"
#include "mpi/progress.hpp"
#include "mpi_test_support.hpp"

using namespace dflow;
using namespace dflow::mpi;
using dflow::test::mpi_rank;
using dflow::test::mpi_size;

namespace {

constexpr double kSlowSeconds = 3.0;

double now_s() { return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count(); }

// Timestamps ("YYYY-MM-DD HH:MM:SS.mmm", same clock and format as log::timestamp()) of rank 0's log
// lines that contain `needle`.
std::vector<std::string> stamps_of(const std::filesystem::path& log_file, const std::string& needle) {
  std::vector<std::string> out;
  const std::string text = read_text(log_file);
  size_t pos = 0;
  while (pos < text.size()) {
    const size_t nl = std::min(text.find('\n', pos), text.size());
    const std::string line = text.substr(pos, nl - pos);
    if (line.find(needle) != std::string::npos && line.size() > 24) out.push_back(line.substr(1, 23));
    pos = nl + 1;
  }
  return out;
}

}  // namespace

TEST_CASE("over TCP, ranks get bricks and progress lines keep coming while rank 0 computes outside MPI") {
  const int rank = mpi_rank(), n = mpi_size();
  REQUIRE(n >= 2);
  const auto dir = dflow::test::shared_scratch_dir("progress-tcp");
  const auto log_file = dir / "rank0.log";
  if (rank == 0) log::add_file(log_file);
  const BrickPlan plan = plan_bricks({{0, 0, 0}, {256, 256, 192}}, Vec3::fill(64));  // 48 bricks
  BrickRunOptions opt{dir, "tcp", plan.signature(), 0.0 /* a time line whenever something changed */};
  opt.schedule = Schedule::dynamic;
  std::string slow_from, slow_to;  // rank 0: when its slow brick ran
  std::vector<double> finished;    // this rank: when each of its bricks ended
  bool first = true;
  const BrickRunResult r = run_bricks(MPI_COMM_WORLD, plan, opt, [&](const Brick&) {
    if (rank == 0 && first) {
      first = false;
      slow_from = log::timestamp();
      std::this_thread::sleep_for(std::chrono::duration<double>(kSlowSeconds));  // outside MPI
      slow_to = log::timestamp();
    } else {
      std::this_thread::sleep_for(std::chrono::milliseconds(40));
    }
    finished.push_back(now_s());
    return std::vector<std::byte>{};
  });
  CHECK(r.processed == 48);
  // The other ranks did the 47 other bricks (~0.7 s) during rank 0's 3 s brick: nobody waited for it.
  double last_other = 0;
  if (rank != 0 && !finished.empty()) last_other = finished.back();
  const uint64_t last_ms = allreduce_max(MPI_COMM_WORLD, uint64_t(last_other * 1000));
  if (rank == 0) {
    REQUIRE(finished.size() == 1);
    CHECK(r.balance.bricks[0] == 1);
    // The others were done over a second before rank 0's brick ended.
    CHECK(double(last_ms) / 1000 < finished.front() - 1.0);
    // Progress lines were logged (by rank 0's dispatcher thread) while its main thread slept.
    const auto lines = stamps_of(log_file, "tcp: ");
    const auto during = std::count_if(lines.begin(), lines.end(), [&](const std::string& t) { return t > slow_from && t < slow_to; });
    INFO("slow brick from " << slow_from << " to " << slow_to << "; progress lines at: " << fmt::format("{}", fmt::join(lines, ", ")));
    CHECK(during >= 20);
  }

  // GlobalProgress (the per-object phases of sv-meshes and body-meshes) the same way: rank 0 reports
  // one unit, sleeps outside MPI, reports another; the others report theirs meanwhile.
  {
    GlobalProgress p(MPI_COMM_WORLD, 2 + 20 * uint64_t(n - 1), 1000, "objects-tcp", 0.0, 20, "objects");
    std::string from, to;
    double others_done = 0;
    if (rank == 0) {
      p.brick_done(1);
      from = log::timestamp();
      std::this_thread::sleep_for(std::chrono::duration<double>(kSlowSeconds));
      to = log::timestamp();
      p.brick_done(1);
    } else {
      for (int i = 0; i < 20; ++i) {
        std::this_thread::sleep_for(std::chrono::milliseconds(30));
        p.brick_done(1);
      }
      others_done = now_s();
    }
    const auto [units, voxels] = p.finish();
    CHECK(units == 2 + 20 * uint64_t(n - 1));
    const uint64_t others_ms = allreduce_max(MPI_COMM_WORLD, uint64_t(others_done * 1000));
    if (rank == 0) {
      CHECK(double(others_ms) / 1000 < now_s() - 1.0);  // they were not held up by rank 0's sleep
      const auto lines = stamps_of(log_file, "objects-tcp: ");
      const auto during = std::count_if(lines.begin(), lines.end(), [&](const std::string& t) { return t > from && t < to; });
      INFO("rank 0 slept from " << from << " to " << to << "; progress lines at: " << fmt::format("{}", fmt::join(lines, ", ")));
      CHECK(during >= 3);
    }
  }
}
