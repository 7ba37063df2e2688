// bench_codec: our DVID label block codec (lib/codec/dvid_labels) on the blocks bench/go-labels times
// with DVID's own Go codec; driven by bench/bench_codec.py.
//
//   bench_codec dump RAW --test-data DIR [--n5 CONTAINER --dataset DS]
//       writes the benchmark's blocks (bench/block_file.hpp): DVID's four 64^3 fixture volumes
//       (DIR/{fib19,cx}-64x64x64-sample{1,2}.dat.gz), every non-empty 64^3 block of the N5
//       segmentation (edge blocks padded with 0, as ingest-supervoxels does), and synthetic blocks.
//   bench_codec time RAW [--reps N] [--min-ms M] [--write ENC]
//       encode = encode_block, decode = decode_block(span) (both allocate their output, as DVID's
//       MakeBlock / MakeLabelVolume do), each the best of N repetitions of k calls, k chosen so a
//       repetition lasts at least M ms; one thread. One JSON line per block, the same fields as
//       go-labels: {"name", "voxels", "bytes", "encode_ns", "decode_ns"}. --write saves our encodings.
//   bench_codec check RAW ENC
//       decodes ENC (DVID's encodings) with our decoder and compares with RAW voxel for voxel.
#include <chrono>
#include <cstdio>
#include <functional>
#include <random>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "block_file.hpp"
#include "codec/dvid_labels.hpp"
#include "codec/gzip.hpp"
#include "io/n5/n5.hpp"

using namespace dflow;
using bench::RawBlock;

namespace {

constexpr int64_t kB = 64;
const Vec3 kShape = Vec3::fill(kB);
constexpr size_t kVoxels = size_t(kB * kB * kB);

std::string arg_value(std::vector<std::string>& args, const std::string& key, const std::string& def = "") {
  for (size_t i = 0; i + 1 < args.size(); ++i)
    if (args[i] == key) {
      std::string v = args[i + 1];
      args.erase(args.begin() + ptrdiff_t(i), args.begin() + ptrdiff_t(i + 2));
      return v;
    }
  return def;
}

std::vector<RawBlock> fixture_blocks(const std::filesystem::path& dir) {
  std::vector<RawBlock> out;
  for (const char* f : {"fib19-64x64x64-sample1", "fib19-64x64x64-sample2", "cx-64x64x64-sample1", "cx-64x64x64-sample2"}) {
    const auto path = dir / (std::string(f) + ".dat.gz");
    const auto raw = gzip::decompress(read_file(path), gzip::Format::gzip, kVoxels * 8);
    RawBlock b{fmt::format("dvid/{}", f), kShape, std::vector<uint64_t>(kVoxels)};
    std::memcpy(b.labels.data(), raw.data(), raw.size());
    out.push_back(std::move(b));
  }
  return out;
}

std::vector<RawBlock> example_blocks(const std::filesystem::path& container, const std::string& dataset) {
  const auto reader = open_n5(container, dataset);
  const Box bounds = reader->bounds();
  const auto a = reader->read_as<uint64_t>(bounds);
  const Vec3 lo = floor_div(bounds.lo, kShape), hi = ceil_div(bounds.hi, kShape);
  std::vector<RawBlock> out;
  for (int64_t z = lo.z; z < hi.z; ++z)
    for (int64_t y = lo.y; y < hi.y; ++y)
      for (int64_t x = lo.x; x < hi.x; ++x) {
        const Box b{Vec3{x, y, z} * kB, Vec3{x + 1, y + 1, z + 1} * kB};
        RawBlock r{fmt::format("example/{}_{}_{}", x, y, z), kShape, std::vector<uint64_t>(kVoxels, 0)};
        copy_region(a.data(), a.box(), r.labels.data(), b, b.intersect(bounds));
        bool any = false;
        for (uint64_t v : r.labels) any |= v != 0;
        if (any) out.push_back(std::move(r));  // ingest-supervoxels skips all-zero blocks
      }
  return out;
}

std::vector<RawBlock> synthetic_blocks() {
  std::vector<RawBlock> out;
  const auto make = [&](const char* name, const std::function<uint64_t(int64_t, int64_t, int64_t)>& f) {
    RawBlock b{fmt::format("synthetic/{}", name), kShape, std::vector<uint64_t>(kVoxels)};
    size_t i = 0;
    for (int64_t z = 0; z < kB; ++z)
      for (int64_t y = 0; y < kB; ++y)
        for (int64_t x = 0; x < kB; ++x) b.labels[i++] = f(x, y, z);
    out.push_back(std::move(b));
  };
  make("solid", [](int64_t, int64_t, int64_t) { return uint64_t(123456789); });
  // Two labels split by a plane that cuts through sub-blocks: most sub-blocks solid, a diagonal band of 2.
  make("two-halves", [](int64_t x, int64_t y, int64_t z) { return x + y + z < 96 ? uint64_t(17) : uint64_t(1) << 40; });
  // Two labels at random: every sub-block holds both (1 bit per voxel everywhere).
  std::mt19937_64 rng(3);
  make("two-random", [&](int64_t, int64_t, int64_t) { return (rng() & 1) ? uint64_t(5) : uint64_t(9000000001); });
  // Every voxel its own label: 262144 labels, 512 per sub-block (9 bits per voxel).
  make("all-distinct", [](int64_t x, int64_t y, int64_t z) { return uint64_t(1000000 + ((z * kB + y) * kB + x) * 7); });
  return out;
}

// ns per call: the best of `reps` repetitions of k calls, k so that one repetition lasts >= min_time.
double best_ns(const std::function<void()>& f, int reps, double min_ms) {
  using clock = std::chrono::steady_clock;
  auto t0 = clock::now();
  f();  // warm-up, and the calibration of k
  const double one = std::chrono::duration<double, std::milli>(clock::now() - t0).count();
  const int64_t k = one >= min_ms ? 1 : int64_t(min_ms / (one + 1e-6)) + 1;
  double best = 0;
  for (int r = 0; r < reps; ++r) {
    t0 = clock::now();
    for (int64_t i = 0; i < k; ++i) f();
    const double ns = std::chrono::duration<double, std::nano>(clock::now() - t0).count() / double(k);
    if (r == 0 || ns < best) best = ns;
  }
  return best;
}

volatile size_t g_sink;  // keeps results observable so nothing is optimized away

int cmd_dump(std::vector<std::string> args) {
  const std::string test_data = arg_value(args, "--test-data"), n5 = arg_value(args, "--n5"),
                    dataset = arg_value(args, "--dataset", "segmentation/s0");
  if (args.size() != 1 || test_data.empty()) fail("usage: bench_codec dump RAW --test-data DIR [--n5 CONTAINER --dataset DS]");
  auto blocks = fixture_blocks(test_data);
  if (!n5.empty()) {
    auto ex = example_blocks(n5, dataset);
    for (auto& b : ex) blocks.push_back(std::move(b));
  }
  for (auto& b : synthetic_blocks()) blocks.push_back(std::move(b));
  bench::write_raw_blocks(args[0], blocks);
  std::printf("{\"blocks\": %zu}\n", blocks.size());
  return 0;
}

int cmd_time(std::vector<std::string> args) {
  const int reps = std::stoi(arg_value(args, "--reps", "5"));
  const double min_ms = std::stod(arg_value(args, "--min-ms", "20"));
  const std::string write = arg_value(args, "--write");
  if (args.size() != 1) fail("usage: bench_codec time RAW [--reps N] [--min-ms M] [--write ENC]");
  const auto blocks = bench::read_raw_blocks(args[0]);
  std::vector<bench::EncodedBlock> encoded;
  for (const auto& b : blocks) {
    const auto enc = dvidlabels::encode_block(b.labels, b.shape);
    if (dvidlabels::decode_block(enc) != b.labels) fail("block {}: our decode of our encoding differs", b.name);
    const double enc_ns = best_ns([&] { g_sink = dvidlabels::encode_block(b.labels, b.shape).size(); }, reps, min_ms);
    const double dec_ns = best_ns([&] { g_sink = dvidlabels::decode_block(enc).size(); }, reps, min_ms);
    std::printf("{\"name\": \"%s\", \"voxels\": %zu, \"bytes\": %zu, \"encode_ns\": %.1f, \"decode_ns\": %.1f}\n",
                b.name.c_str(), b.labels.size(), enc.size(), enc_ns, dec_ns);
    std::fflush(stdout);
    encoded.push_back({b.name, enc});
  }
  if (!write.empty()) bench::write_encoded_blocks(write, encoded);
  return 0;
}

int cmd_check(std::vector<std::string> args) {
  if (args.size() != 2) fail("usage: bench_codec check RAW ENC");
  const auto raw = bench::read_raw_blocks(args[0]);
  const auto enc = bench::read_encoded_blocks(args[1]);
  if (raw.size() != enc.size()) fail("{} has {} blocks, {} has {}", args[1], enc.size(), args[0], raw.size());
  for (size_t i = 0; i < raw.size(); ++i) {
    if (raw[i].name != enc[i].name) fail("block {}: {} is {}, {} is {}", i, args[1], enc[i].name, args[0], raw[i].name);
    if (dvidlabels::block_shape(enc[i].data) != raw[i].shape) fail("block {}: DVID's encoding has another shape", raw[i].name);
    const auto got = dvidlabels::decode_block(enc[i].data);
    for (size_t v = 0; v < got.size(); ++v)
      if (got[v] != raw[i].labels[v])
        fail("block {}: our decode of DVID's encoding differs at voxel {}: {}, expected {}", raw[i].name, v, got[v], raw[i].labels[v]);
  }
  std::printf("{\"check\": \"ok\", \"blocks\": %zu}\n", raw.size());
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  try {
    if (args.empty()) fail("usage: bench_codec dump|time|check ... (see the comment at the top of bench/bench_codec.cpp)");
    const std::string cmd = args[0];
    args.erase(args.begin());
    if (cmd == "dump") return cmd_dump(args);
    if (cmd == "time") return cmd_time(args);
    if (cmd == "check") return cmd_check(args);
    fail("bench_codec: unknown command {}", cmd);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bench_codec: %s\n", e.what());
    return 1;
  }
}
