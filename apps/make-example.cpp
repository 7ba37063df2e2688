// make-example: writes the embedded example dataset (EM-like grayscale, supervoxels, agglomeration
// mapping and edge table) that the tests and the README's walkthrough run the pipeline on.
#include <cstdlib>
#include <exception>
#include <iostream>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "core/error.hpp"
#include "core/log.hpp"
#include "example/example.hpp"

namespace {

constexpr const char* kHelp = R"(usage: make-example --output DIR [options]

Writes a deterministic EM-like example dataset to DIR:
  DIR/example.n5   grayscale/s0 (uint8) and segmentation/s0 (uint64 supervoxels), gzip, 64^3 chunks
  DIR/mapping.csv  sv,body agglomeration (every supervoxel once; body id = its smallest supervoxel id)
  DIR/edges.csv    id_a,id_b,xa,ya,za,xb,yb,zb,score for every pair of touching supervoxels
                   (the cleave server's merge-table columns; score is a cost, low = same body)
  DIR/example.json sizes, counts, id ranges and content hashes

options:
  --output DIR      where to write (created if missing)
  --size X,Y,Z      volume size in voxels (default 330,290,256)
  --large           benchmark size 1000,1000,1000 (1 Gvoxel, about 9 GB of output before compression;
                    a few minutes; generated in slabs of 64 z-slices, so memory stays around 2 GB)
  --seed N          random seed (default 1); the same seed gives byte-identical output
  --threads N       worker threads (default: all cores, at most 8)
  --help            this text
)";

dflow::Vec3 parse_xyz(const std::string& s) {
  std::vector<int64_t> v;
  size_t pos = 0;
  while (pos <= s.size()) {
    const size_t comma = s.find(',', pos);
    const std::string part = s.substr(pos, comma == std::string::npos ? std::string::npos : comma - pos);
    try {
      size_t used = 0;
      v.push_back(std::stoll(part, &used));
      if (used != part.size()) throw std::invalid_argument(part);
    } catch (const std::exception&) {
      dflow::fail("--size {}: expected three integers X,Y,Z", s);
    }
    if (comma == std::string::npos) break;
    pos = comma + 1;
  }
  if (v.size() != 3) dflow::fail("--size {}: expected three integers X,Y,Z", s);
  return {v[0], v[1], v[2]};
}

uint64_t parse_uint(const std::string& opt, const std::string& s) {
  try {
    size_t used = 0;
    const unsigned long long v = std::stoull(s, &used);
    if (used == s.size() && s[0] != '-') return v;
  } catch (const std::exception&) {
  }
  dflow::fail("{} {}: expected a non-negative integer", opt, s);
}

}  // namespace

int main(int argc, char** argv) {
  dflow::log::set_source("make-example");
  try {
    dflow::example::ExampleParams params;
    std::string output;
    const std::vector<std::string> args(argv + 1, argv + argc);
    for (size_t i = 0; i < args.size(); ++i) {
      const std::string& a = args[i];
      const auto value = [&]() -> const std::string& {
        if (i + 1 >= args.size()) dflow::fail("{} needs a value (see --help)", a);
        return args[++i];
      };
      if (a == "--help" || a == "-h") {
        std::cout << kHelp;
        return 0;
      } else if (a == "--output") {
        output = value();
      } else if (a == "--size") {
        params.size = parse_xyz(value());
      } else if (a == "--large") {
        params.size = dflow::example::kLargeSize;
      } else if (a == "--seed") {
        params.seed = parse_uint(a, value());
      } else if (a == "--threads") {
        params.threads = static_cast<int>(parse_uint(a, value()));
      } else {
        dflow::fail("unknown argument {} (see --help)", a);
      }
    }
    if (output.empty()) dflow::fail("--output DIR is required (see --help)");
    dflow::example::write_example(params, output);
    return 0;
  } catch (const std::exception& e) {
    dflow::log::error("{}", e.what());
    return 1;
  }
}
