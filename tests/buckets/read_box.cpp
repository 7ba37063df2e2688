// Test tool for check_buckets.py --part reads: opens a volume from a volume config (YAML text, as under
// `input:` of workflow.yaml, `bucket:` block included), reads one box with ONE VolumeReader::read call,
// writes the voxels raw (x fastest) to a file and prints the call's wall time ("seconds <t>").
#include <chrono>
#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "config/schema.hpp"
#include "config/volume_schema.hpp"
#include "core/dtype.hpp"
#include "core/error.hpp"
#include "io/open_volume.hpp"

int main(int argc, char** argv) try {
  using namespace dflow;
  using config::volume_schema;
  if (argc != 9 || std::string(argv[1]) == "--help") {
    fmt::print("usage: read_box VOLUME_YAML X0 Y0 Z0 X1 Y1 Z1 OUT.raw\n");
    return argc == 2 ? 0 : 2;
  }
  const YAML::Node config = validate(volume_schema(), YAML::Load(argv[1]), "volume");
  const auto reader = open_volume(config, ".");
  auto num = [&](int i) { return int64_t(std::stoll(argv[i])); };
  const Box box{{num(2), num(3), num(4)}, {num(5), num(6), num(7)}};
  std::vector<std::byte> out(size_t(box.volume()) * dtype_size(reader->dtype()));
  const auto t0 = std::chrono::steady_clock::now();
  reader->read(box, out);
  const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::ofstream(argv[8], std::ios::binary).write(reinterpret_cast<const char*>(out.data()), std::streamsize(out.size()));
  fmt::print("seconds {:.3f}\n", s);
  return 0;
} catch (const std::exception& e) {
  std::fprintf(stderr, "read_box: %s\n", e.what());
  return 1;
}
