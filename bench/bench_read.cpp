// bench_read: times reads through our N5 / Zarr readers for bench/bench_readers.py.
//   bench_read <n5|zarr|zarr-nested|zarr-n5> <container> <dataset> <x0,y0,z0,x1,y1,z1> <repeats>
// Opens once, reads the box `repeats` times on one thread (a new buffer each time) and prints
// one JSON line:
//   {"seconds": [...], "open_seconds": s, "sum": "<uint64>", "weighted": "<uint64>"}
// The two checksums (wrapping uint64 sums of the values and of value*(i%251+1)) let the script
// check that we read the same voxels as tensorstore.
#include <chrono>
#include <memory>
#include <cstdio>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "io/n5/n5.hpp"
#include "io/zarr/zarr.hpp"

using namespace dflow;

namespace {

template <typename T>
std::pair<uint64_t, uint64_t> checksums(std::span<const std::byte> bytes) {
  const T* v = reinterpret_cast<const T*>(bytes.data());
  const size_t n = bytes.size() / sizeof(T);
  uint64_t sum = 0, weighted = 0;
  for (size_t i = 0; i < n; ++i) {
    sum += static_cast<uint64_t>(v[i]);
    weighted += static_cast<uint64_t>(v[i]) * (i % 251 + 1);
  }
  return {sum, weighted};
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 6) {
    std::fprintf(stderr, "usage: %s <n5|zarr|zarr-nested|zarr-n5> <container> <dataset> <x0,y0,z0,x1,y1,z1> <repeats>\n", argv[0]);
    return 2;
  }
  try {
    const std::string kind = argv[1];
    Box box;
    if (std::sscanf(argv[4], "%ld,%ld,%ld,%ld,%ld,%ld", &box.lo.x, &box.lo.y, &box.lo.z, &box.hi.x, &box.hi.y, &box.hi.z) != 6)
      fail("bad box '{}'", argv[4]);
    const int repeats = std::stoi(argv[5]);
    using clock = std::chrono::steady_clock;
    const auto t0 = clock::now();
    std::unique_ptr<VolumeReader> r;
    if (kind == "n5") r = open_n5(argv[2], argv[3]);
    else if (kind == "zarr") r = open_zarr(argv[2], argv[3], ZarrStore::directory);
    else if (kind == "zarr-nested") r = open_zarr(argv[2], argv[3], ZarrStore::nested);
    else if (kind == "zarr-n5") r = open_zarr(argv[2], argv[3], ZarrStore::n5);
    else fail("unknown kind '{}'", kind);
    const double open_s = std::chrono::duration<double>(clock::now() - t0).count();

    const size_t nbytes = static_cast<size_t>(box.volume()) * dtype_size(r->dtype());
    std::unique_ptr<std::byte[]> buf;
    std::span<std::byte> out;
    std::vector<double> secs;
    for (int i = 0; i < repeats; ++i) {
      const auto s = clock::now();
      // A fresh, uninitialised buffer per read, as tensorstore allocates its result array: both
      // pay the page faults of touching new memory, neither a separate zero fill.
      buf.reset();
      buf = std::make_unique_for_overwrite<std::byte[]>(nbytes);
      out = std::span(buf.get(), nbytes);
      r->read(box, out);
      secs.push_back(std::chrono::duration<double>(clock::now() - s).count());
    }
    std::pair<uint64_t, uint64_t> cs;
    switch (r->dtype()) {
      case DType::uint8: cs = checksums<uint8_t>(out); break;
      case DType::uint16: cs = checksums<uint16_t>(out); break;
      case DType::uint32: cs = checksums<uint32_t>(out); break;
      case DType::uint64: cs = checksums<uint64_t>(out); break;
      default: fail("checksums only for unsigned types");
    }
    fmt::print("{{\"seconds\": [{}], \"open_seconds\": {}, \"sum\": \"{}\", \"weighted\": \"{}\"}}\n",
               fmt::join(secs, ", "), open_s, cs.first, cs.second);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bench_read: %s\n", e.what());
    return 1;
  }
  return 0;
}
