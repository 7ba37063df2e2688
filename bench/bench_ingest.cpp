// bench_ingest: the pieces of ingest-supervoxels' scale-0 path timed on one core, and the rate at which
// DVID accepts the same blocks pre-encoded (its limit for this workload); driven by bench/bench_ingest.py.
//
//   bench_ingest --n5 CONTAINER [--dataset segmentation/s0] [--brick 256] [--batch-blocks 64]
//                [--concurrency 4] [--gzip-level 6] [--reps 3]
//                [--server URL --uuid UUID --threads 4,8 [--server-pid PID] [--replay DIR]]
//
// components (single thread, best of --reps, in thread CPU seconds so that other load on the machine
// does not count; the pass's wall time is reported too): the input is cut into the pipeline's bricks
// (mpi::plan_bricks) and each brick is read through our N5 reader, its block statistics computed,
// its 64^3 blocks copied out (all-zero ones skipped), encoded (DVID label blocks) and gzip'd with
// libdeflate at level 1 and at level 6. Seconds and bytes of each step.
//
// limit (with --server): the blocks are encoded and gzip'd ONCE (at --gzip-level) into exactly the
// request bodies the pipeline sends at scale 0 (per brick: the volume's corner blocks on their own,
// the rest split by ingest::split_batches(batch-blocks, concurrency)), kept in memory; then only the
// POSTs of those bodies to /ingest-supervoxels?scale=0 are timed, by T threads each with its own
// keep-alive connection taking the next body, into a new labelmap instance per repetition
// (limit-t<T>-r<i>, MaxDownresLevel 0). Best of --reps per T. With --server-pid, the CPU seconds DVID
// used during the POSTs (/proc/PID/stat) are reported too, and always this process's own.
//
// --replay DIR (with --server): instead of building scale-0 bodies, post the bodies a real run of
// ingest-supervoxels recorded with DFLOW_RECORD_POSTS=DIR, at every scale they hold, each to the
// endpoint it went to, into an instance with MaxDownresLevel = the highest recorded scale.
//
// Prints one JSON object on stdout.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <filesystem>
#include <fstream>
#include <sstream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <sys/resource.h>
#include <unistd.h>

#include "codec/dvid_labels.hpp"
#include "codec/gzip.hpp"
#include "core/files.hpp"
#include "dvid/block_stream.hpp"
#include "dvid/client.hpp"
#include "dvid/labelmap.hpp"
#include "dvid/repo.hpp"
#include "ingest/block_poster.hpp"
#include "ingest/ingest.hpp"
#include "io/n5/n5.hpp"
#include "mpi/bricks.hpp"
#include "stats/block_stats.hpp"

using namespace dflow;
using nlohmann::json;
using clk = std::chrono::steady_clock;

namespace {

constexpr int64_t kB = 64;
const Vec3 kShape = Vec3::fill(kB);
constexpr size_t kVoxels = size_t(kB * kB * kB);

struct Options {
  std::string n5, dataset = "segmentation/s0", server, uuid, replay;
  long server_pid = 0;
  int64_t brick = 256;
  int batch_blocks = 64, concurrency = 4, gzip_level = 6, reps = 3;
  std::vector<int> threads{4, 8};
};

Options parse(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    const std::string k = argv[i];
    if (i + 1 >= argc) fail("{} needs a value", k);
    const std::string v = argv[++i];
    if (k == "--n5") o.n5 = v;
    else if (k == "--dataset") o.dataset = v;
    else if (k == "--server") o.server = v;
    else if (k == "--uuid") o.uuid = v;
    else if (k == "--replay") o.replay = v;
    else if (k == "--server-pid") o.server_pid = std::stol(v);
    else if (k == "--brick") o.brick = std::stoll(v);
    else if (k == "--batch-blocks") o.batch_blocks = std::stoi(v);
    else if (k == "--concurrency") o.concurrency = std::stoi(v);
    else if (k == "--gzip-level") o.gzip_level = std::stoi(v);
    else if (k == "--reps") o.reps = std::stoi(v);
    else if (k == "--threads") {
      o.threads.clear();
      for (size_t at = 0; at <= v.size();) {
        const size_t c = std::min(v.find(',', at), v.size());
        o.threads.push_back(std::stoi(v.substr(at, c - at)));
        at = c + 1;
      }
    } else fail("unknown option {}", k);
  }
  if (o.n5.empty()) fail("--n5 CONTAINER is required");
  if (!o.server.empty() && o.uuid.empty()) fail("--server needs --uuid");
  return o;
}

double since(clk::time_point t0) { return std::chrono::duration<double>(clk::now() - t0).count(); }

// CPU seconds of the calling thread (single-thread steps: what other load on the machine cannot inflate).
double thread_cpu() {
  timespec t{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
  return double(t.tv_sec) + double(t.tv_nsec) / 1e9;
}

// User + system CPU seconds of this process (all threads).
double own_cpu() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return double(u.ru_utime.tv_sec + u.ru_stime.tv_sec) + double(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

// User + system CPU seconds of another process (fields 14 and 15 of /proc/PID/stat), 0 if pid is 0.
double process_cpu(long pid) {
  if (pid <= 0) return 0;
  std::ifstream f(fmt::format("/proc/{}/stat", pid));
  std::string text((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  const size_t close = text.rfind(')');  // the command name may hold spaces
  if (close == std::string::npos) fail("/proc/{}/stat: unreadable (is DVID running?)", pid);
  std::istringstream rest(text.substr(close + 2));
  std::string field;
  double ticks = 0;
  for (int i = 3; i <= 15 && rest >> field; ++i)
    if (i >= 14) ticks += std::stod(field);
  return ticks / double(sysconf(_SC_CLK_TCK));
}

// One brick as ingest-supervoxels holds it: the full grid cell, padded with 0 outside the volume.
Array3<uint64_t> read_brick(const VolumeReader& r, const mpi::Brick& b) {
  Array3<uint64_t> a(b.logical);
  if (b.box == b.logical) {
    r.read(b.box, a.bytes());
  } else {
    Array3<uint64_t> part(b.box);
    r.read(b.box, part.bytes());
    a.paste(part);
  }
  return a;
}

// Copies block `coord` out of the brick; true if all zero (the pipeline skips those).
bool cut_block(const Array3<uint64_t>& a, const Vec3& coord, uint64_t* out) {
  const Box b{coord * kB, coord * kB + kShape};
  copy_region(a.data(), a.box(), out, b, b);
  uint64_t any = 0;
  for (size_t i = 0; i < kVoxels; ++i) any |= out[i];
  return any == 0;
}

struct Steps {
  double wall = 0, read = 0, stats = 0, cut = 0, encode = 0, gzip1 = 0, gzip6 = 0;
  uint64_t blocks = 0, empty = 0, encoded_bytes = 0, gzip1_bytes = 0, gzip6_bytes = 0, stat_rows = 0;
};

Steps time_components(const VolumeReader& r, const mpi::BrickPlan& plan) {
  Steps s;
  std::vector<uint64_t> buf(kVoxels);
  const auto t0 = clk::now();
  for (const mpi::Brick& b : plan.bricks) {
    double t = thread_cpu();
    const Array3<uint64_t> a = read_brick(r, b);
    s.read += thread_cpu() - t;
    t = thread_cpu();
    s.stat_rows += stats::block_stats(a, plan.bounds, kShape).size();
    s.stats += thread_cpu() - t;
    for (const Vec3& coord : ingest::blocks_in(a.box(), plan.bounds)) {
      t = thread_cpu();
      const bool zero = cut_block(a, coord, buf.data());
      s.cut += thread_cpu() - t;
      if (zero) {
        ++s.empty;
        continue;
      }
      t = thread_cpu();
      const auto enc = dvidlabels::encode_block(buf.data(), kShape);
      s.encode += thread_cpu() - t;
      t = thread_cpu();
      const auto g1 = gzip::compress(enc, gzip::Format::gzip, 1);
      s.gzip1 += thread_cpu() - t;
      t = thread_cpu();
      const auto g6 = gzip::compress(enc, gzip::Format::gzip, 6);
      s.gzip6 += thread_cpu() - t;
      ++s.blocks;
      s.encoded_bytes += enc.size();
      s.gzip1_bytes += g1.size();
      s.gzip6_bytes += g6.size();
    }
  }
  s.wall = since(t0);
  return s;
}

// The scale-0 request bodies exactly as ingest-supervoxels composes them (see block_poster.cpp).
struct Body {
  std::vector<std::byte> data;
  int scale = 0;
  bool via_blocks = false;  // POST /blocks?noindexing=true (the pipeline's corner blocks), else /ingest-supervoxels
};
struct Bodies {
  std::vector<Body> bodies;
  uint64_t blocks = 0, bytes = 0;  // bytes: gzip'd block payloads when built here, whole bodies when recorded
  size_t min_blocks = SIZE_MAX, max_blocks = 0;
  int top_scale = 0;
};

Bodies build_bodies(const VolumeReader& r, const mpi::BrickPlan& plan, const Options& o) {
  Bodies out;
  const auto corners = ingest::corner_blocks(plan.bounds);
  std::vector<uint64_t> buf(kVoxels);
  for (const mpi::Brick& b : plan.bricks) {
    const Array3<uint64_t> a = read_brick(r, b);
    std::vector<Vec3> blocks = ingest::blocks_in(a.box(), plan.bounds), corner;
    std::erase_if(blocks, [&](const Vec3& c) {
      const bool is = c == corners.first || c == corners.second;
      if (is) corner.push_back(c);
      return is;
    });
    std::vector<std::vector<Vec3>> batches;
    if (!corner.empty()) batches.push_back(corner);
    for (auto& batch : ingest::split_batches(blocks, o.batch_blocks, o.concurrency)) batches.push_back(std::move(batch));
    for (size_t i = 0; i < batches.size(); ++i) {
      const bool corner_batch = i == 0 && !corner.empty();  // always written, as the pipeline does
      std::vector<std::byte> stream;
      size_t n = 0;
      for (const Vec3& c : batches[i]) {
        if (cut_block(a, c, buf.data()) && !corner_batch) continue;
        const auto gz = gzip::compress(dvidlabels::encode_block(buf.data(), kShape), gzip::Format::gzip, o.gzip_level);
        dvid::append_block_record(stream, c, gz);
        out.bytes += gz.size();
        ++n;
      }
      if (n == 0) continue;
      out.blocks += n;
      out.min_blocks = std::min(out.min_blocks, n);
      out.max_blocks = std::max(out.max_blocks, n);
      out.bodies.push_back({std::move(stream), 0, false});
    }
  }
  return out;
}

// The request bodies ingest-supervoxels sent, recorded with DFLOW_RECORD_POSTS=DIR
// (s<scale>-<blocks|ingest>-<pid>-<n>.bin, see ingest/block_poster.cpp), every scale.
Bodies load_recorded(const std::string& dir) {
  Bodies out;
  for (const auto& e : std::filesystem::directory_iterator(dir)) {
    const std::string name = e.path().filename().string();
    int scale = -1;
    char kind[16] = {};
    if (std::sscanf(name.c_str(), "s%d-%15[a-z]-", &scale, kind) != 2 || scale < 0)
      fail("{}: not a recorded body (s<scale>-<kind>-...bin)", e.path().string());
    Body b{read_file(e.path()), scale, std::string(kind) == "blocks"};
    const size_t n = dvid::parse_block_stream(b.data).size();
    out.blocks += n;
    out.bytes += b.data.size();
    out.min_blocks = std::min(out.min_blocks, n);
    out.max_blocks = std::max(out.max_blocks, n);
    out.top_scale = std::max(out.top_scale, scale);
    out.bodies.push_back(std::move(b));
  }
  if (out.bodies.empty()) fail("{}: no recorded bodies", dir);
  return out;
}

struct PostTimes {
  double seconds = 0, client_cpu = 0, server_cpu = 0;
};

// Wall and CPU seconds to POST every body with `threads` connections.
PostTimes post_all(const Options& o, const std::string& instance, const Bodies& bodies, int threads) {
  std::atomic<size_t> next{0};
  std::vector<std::string> errors(static_cast<size_t>(threads));
  std::vector<std::unique_ptr<dvid::Client>> clients;
  for (int i = 0; i < threads; ++i) {
    clients.push_back(std::make_unique<dvid::Client>(o.server));
    (void)dvid::heartbeat(*clients.back());  // open the connection before the clock starts
  }
  const double cpu0 = own_cpu(), server0 = process_cpu(o.server_pid);
  const auto t0 = clk::now();
  std::vector<std::thread> pool;
  for (int i = 0; i < threads; ++i)
    pool.emplace_back([&, i] {
      try {
        dvid::Labelmap lm(*clients[size_t(i)], o.uuid, instance);
        for (size_t k; (k = next.fetch_add(1)) < bodies.bodies.size();) {
          const Body& b = bodies.bodies[k];
          if (b.via_blocks)
            lm.post_blocks(b.data, b.scale, /*noindexing=*/true, false);
          else
            lm.ingest_supervoxels(b.data, b.scale);
        }
      } catch (const std::exception& e) {
        errors[size_t(i)] = e.what();
      }
    });
  for (auto& t : pool) t.join();
  const PostTimes times{since(t0), own_cpu() - cpu0, process_cpu(o.server_pid) - server0};
  for (const auto& e : errors)
    if (!e.empty()) fail("posting: {}", e);
  return times;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    const Options o = parse(argc, argv);
    const auto reader = open_n5(o.n5, o.dataset);
    if (reader->dtype() != DType::uint64) fail("{}: expected uint64 labels", reader->describe());
    const mpi::BrickPlan plan = mpi::plan_bricks(reader->bounds(), Vec3::fill(o.brick), kShape);
    json out;
    out["input"] = reader->describe();
    out["voxels"] = plan.bounds.volume();
    out["bricks"] = plan.bricks.size();

    Steps best;
    for (int r = 0; r < o.reps; ++r) {
      const Steps s = time_components(*reader, plan);
      if (r == 0) best = s;
      best.wall = std::min(best.wall, s.wall);
      best.read = std::min(best.read, s.read);
      best.stats = std::min(best.stats, s.stats);
      best.cut = std::min(best.cut, s.cut);
      best.encode = std::min(best.encode, s.encode);
      best.gzip1 = std::min(best.gzip1, s.gzip1);
      best.gzip6 = std::min(best.gzip6, s.gzip6);
    }
    out["components"] = {{"blocks", best.blocks},           {"empty-blocks", best.empty},    {"wall-s", best.wall},
                         {"read-s", best.read},             {"stats-s", best.stats},
                         {"cut-s", best.cut},               {"encode-s", best.encode},
                         {"gzip1-s", best.gzip1},           {"gzip6-s", best.gzip6},
                         {"encoded-bytes", best.encoded_bytes}, {"gzip1-bytes", best.gzip1_bytes},
                         {"gzip6-bytes", best.gzip6_bytes}, {"stat-rows", best.stat_rows}};

    if (!o.server.empty()) {
      auto t0 = clk::now();
      const Bodies bodies = o.replay.empty() ? build_bodies(*reader, plan, o) : load_recorded(o.replay);
      out["bodies"] = {{"requests", bodies.bodies.size()}, {"blocks", bodies.blocks},    {"bytes", bodies.bytes},
                       {"min-blocks", bodies.min_blocks},  {"max-blocks", bodies.max_blocks},
                       {"gzip-level", o.gzip_level},       {"build-s", since(t0)},
                       {"top-scale", bodies.top_scale},    {"recorded", !o.replay.empty()}};
      dvid::Client c(o.server);
      json limit = json::array();
      for (int t : o.threads) {
        std::vector<PostTimes> runs;
        for (int r = 0; r < o.reps; ++r) {
          const std::string inst = fmt::format("limit-t{}-r{}", t, r);
          dvid::create_instance(c, o.uuid, "labelmap", inst,
                                {{"BlockSize", "64,64,64"}, {"IndexedLabels", "true"},
                                 {"MaxDownresLevel", std::to_string(bodies.top_scale)}});
          runs.push_back(post_all(o, inst, bodies, t));
        }
        const auto best = std::min_element(runs.begin(), runs.end(), [](auto& a, auto& b) { return a.seconds < b.seconds; });
        json secs = json::array();
        for (const auto& r : runs) secs.push_back(r.seconds);
        limit.push_back({{"threads", t}, {"seconds", secs}, {"best-s", best->seconds},
                         {"best-client-cpu-s", best->client_cpu}, {"best-server-cpu-s", best->server_cpu}});
      }
      out["limit"] = limit;
    }
    std::printf("%s\n", out.dump().c_str());
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bench_ingest: %s\n", e.what());
    return 1;
  }
}
