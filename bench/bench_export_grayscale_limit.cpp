// The JPEG limit for bench_export_grayscale.py: every chunk export-grayscale writes (all scales of
// the pyramid), encoded with the same libjpeg-turbo call in a tight loop, nothing else timed.
//   bench_export_grayscale_limit --input PRECOMPUTED --max-scale K [--chunk 64] [--quality 85] [--repeat 1]
// Prints one JSON line: {"chunks":..,"voxels":..,"bytes":..,"seconds":..,"cpu-seconds":..}.
#include <chrono>
#include <cstdio>
#include <ctime>
#include <string>
#include <vector>

#include "codec/jpeg.hpp"
#include "core/error.hpp"
#include "io/precomputed/precomputed.hpp"
#include "ops/downsample.hpp"

using namespace dflow;

namespace {
// CPU time of this thread: on a shared machine, wall time also counts the time others ran.
double cpu_now() {
  timespec t{};
  ::clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
  return double(t.tv_sec) + 1e-9 * double(t.tv_nsec);
}
}  // namespace

int main(int argc, char** argv) {
  try {
    std::string input;
    int max_scale = 0, quality = 85, repeat = 1;
    int64_t chunk = 64;
    for (int i = 1; i + 1 < argc; i += 2) {
      const std::string a = argv[i], v = argv[i + 1];
      if (a == "--input") input = v;
      else if (a == "--max-scale") max_scale = std::stoi(v);
      else if (a == "--chunk") chunk = std::stoll(v);
      else if (a == "--quality") quality = std::stoi(v);
      else if (a == "--repeat") repeat = std::stoi(v);
      else fail("unknown argument {}", a);
    }
    const auto reader = open_precomputed(input, 0);
    Array3<uint8_t> level = reader->read_as<uint8_t>(reader->bounds());
    std::vector<Array3<uint8_t>> levels;
    for (int s = 0; s <= max_scale; ++s) {
      if (s > 0) {
        // Zero padding to even, as export-grayscale (the benchmark volume is a multiple of 2^K anyway).
        const Box b = levels.back().box();
        Array3<uint8_t> padded(Box{floor_div(b.lo, Vec3::fill(2)) * 2, ceil_div(b.hi, Vec3::fill(2)) * 2}, 0);
        padded.paste(levels.back());
        level = downsample_mean_2x(padded);
      }
      levels.push_back(std::move(level));
    }
    uint64_t chunks = 0, voxels = 0, bytes = 0;
    std::vector<uint8_t> buf;
    double seconds = 0, cpu = 0;
    for (int r = 0; r < repeat; ++r)
      for (const auto& l : levels) {
        const Box b = l.box();
        for (int64_t z = b.lo.z; z < b.hi.z; z += chunk)
          for (int64_t y = b.lo.y; y < b.hi.y; y += chunk)
            for (int64_t x = b.lo.x; x < b.hi.x; x += chunk) {
              const Box cb{{x, y, z}, vmin(Vec3{x, y, z} + Vec3::fill(chunk), b.hi)};
              buf.resize(size_t(cb.volume()));
              copy_region(l.data(), b, buf.data(), cb, cb);
              const Vec3 s = cb.shape();
              const auto t0 = std::chrono::steady_clock::now();
              const double c0 = cpu_now();
              const auto enc = jpeg::encode(buf.data(), int(s.x), int(s.y * s.z), 1, quality);
              seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
              cpu += cpu_now() - c0;
              ++chunks;
              voxels += uint64_t(cb.volume());
              bytes += enc.size();
            }
      }
    std::printf("{\"chunks\": %llu, \"voxels\": %llu, \"bytes\": %llu, \"seconds\": %.6f, \"cpu-seconds\": %.6f}\n",
                (unsigned long long)(chunks / repeat), (unsigned long long)(voxels / repeat),
                (unsigned long long)(bytes / repeat), seconds / repeat, cpu / repeat);
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bench_export_grayscale_limit: %s\n", e.what());
    return 1;
  }
}
