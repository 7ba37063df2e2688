// bench_meshes: lib/mesh's chain on one thread, for bench/bench_meshes.py (which times zmesh on the
// same labels).
//   bench_meshes dump OUT_DIR X,Y,Z
//     the example's supervoxels of [0,X)x[0,Y)x[0,Z) as OUT_DIR/labels.u64 (uint64, z-major, x fastest)
//   bench_meshes run DIR BUDGET FORMAT MAX_ERROR [PEER_DIR]
//     meshes DIR/labels.u64 (one brick = the volume, and again as 64^3 bricks + merge), simplifies each
//     supervoxel to the triangle count BUDGET gives it ("label triangles" lines; 0 = keep all) or
//     until a vertex would move more than MAX_ERROR voxels ("inf" = no limit), whichever comes first,
//     encodes it as FORMAT; then the surface error of our simplified meshes and of PEER_DIR/<label>.ngmesh
//     (the peer's, voxel units, same frame) against our unsimplified mesh. Prints one JSON line.
#include <time.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>

#include <fmt/format.h>

#include "core/array.hpp"
#include "core/error.hpp"
#include "example/supervoxels.hpp"
#include "mesh/build.hpp"
#include "mesh/marching_cubes.hpp"
#include "mesh/stitch.hpp"
#include "mesh_distance.hpp"

using namespace dflow;
namespace fs = std::filesystem;

namespace {

double cpu_now() {
  timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return double(ts.tv_sec) + 1e-9 * double(ts.tv_nsec);
}

Vec3 parse_xyz(const std::string& s) {
  Vec3 v;
  if (std::sscanf(s.c_str(), "%ld,%ld,%ld", &v.x, &v.y, &v.z) != 3) fail("bad size '{}' (expected X,Y,Z)", s);
  return v;
}

std::string read_file(const fs::path& p) {
  std::ifstream f(p, std::ios::binary);
  if (!f) fail("cannot open {}", p.string());
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

struct Errors {
  double sum_mean = 0;     // sum over labels of the mean distance (reference vertices -> mesh)
  double sum_hausdorff = 0;
  double max_hausdorff = 0;
  size_t n = 0;
};

// Two-sided distance between `m` and the reference surface, sampled at the vertices of each.
void add_error(Errors& e, const mesh::Mesh& ref, const mesh::Mesh& m) {
  bench::SurfaceDistance to_m(m), to_ref(ref);
  double sum = 0, h = 0;
  for (size_t i = 0; i < ref.vertices.size(); i += 3) {
    const double d = to_m(&ref.vertices[i]);
    sum += d, h = std::max(h, d);
  }
  for (size_t i = 0; i < m.vertices.size(); i += 3) h = std::max(h, to_ref(&m.vertices[i]));
  e.sum_mean += sum / double(ref.num_vertices());
  e.sum_hausdorff += h;
  e.max_hausdorff = std::max(e.max_hausdorff, h);
  ++e.n;
}

int dump(const fs::path& out, Vec3 size) {
  example::ExampleParams p;
  p.size = vmax(size, p.size);
  const auto vol = example::SupervoxelModel(p).generate({{0, 0, 0}, size});
  fs::create_directories(out);
  std::ofstream(out / "labels.u64", std::ios::binary).write(reinterpret_cast<const char*>(vol.data()), std::streamsize(vol.size() * 8));
  std::ofstream(out / "shape.txt") << size.x << " " << size.y << " " << size.z << "\n";
  return 0;
}

int run(const fs::path& dir, const fs::path& budget_file, const std::string& format, double max_error, const fs::path& peer) {
  Vec3 size;
  std::ifstream(dir / "shape.txt") >> size.x >> size.y >> size.z;
  const Box box{{0, 0, 0}, size};
  Array3<uint64_t> vol(box);
  {
    const std::string raw = read_file(dir / "labels.u64");
    if (raw.size() != vol.size() * 8) fail("{}: {} bytes, expected {}", (dir / "labels.u64").string(), raw.size(), vol.size() * 8);
    std::memcpy(vol.data(), raw.data(), raw.size());
  }
  std::map<uint64_t, size_t> budget;
  {
    std::ifstream f(budget_file);
    uint64_t l;
    size_t n;
    while (f >> l >> n) budget[l] = n;
  }
  const mesh::Format fmt_ = mesh::parse_format(format);

  // 1. Marching cubes, the whole volume as one brick (what zmesh does).
  double t0 = cpu_now();
  const Array3<uint64_t> halo = vol.crop({box.lo - Vec3::fill(1), box.hi + Vec3::fill(1)});
  auto pieces = mesh::marching_cubes({halo.vec(), box, box});
  const double t_mc = cpu_now() - t0;

  // 2. Simplify to the budget and encode.
  double t_simplify = 0, t_encode = 0;
  size_t tri_before = 0, tri_after = 0, bytes = 0;
  std::map<uint64_t, mesh::Mesh> simplified;
  for (auto& [label, m] : pieces) {
    mesh::SimplifyOptions so;
    auto it = budget.find(label);
    if (it != budget.end() && it->second > 0) so.max_triangles = it->second;
    so.max_error = max_error;
    tri_before += m.num_triangles();
    double a = cpu_now();
    mesh::Mesh s = m;
    mesh::simplify(s, so);
    double b = cpu_now();
    bytes += mesh::encode(s, fmt_).size();
    double c = cpu_now();
    t_simplify += b - a, t_encode += c - b;
    tri_after += s.num_triangles();
    simplified[label] = std::move(s);
  }

  // 3. The stage's way: 64^3 bricks with a halo, then merge_pieces per supervoxel.
  t0 = cpu_now();
  std::map<uint64_t, std::vector<mesh::Mesh>> by_label;
  const Vec3 bs{64, 64, 64};
  for (int64_t z = 0; z < size.z; z += bs.z)
    for (int64_t y = 0; y < size.y; y += bs.y)
      for (int64_t x = 0; x < size.x; x += bs.x) {
        const Box b = Box{{x, y, z}, Vec3{x, y, z} + bs}.intersect(box);
        const auto h = vol.crop({b.lo - Vec3::fill(1), b.hi + Vec3::fill(1)});
        for (auto& [label, m] : mesh::marching_cubes({h.vec(), b, box})) by_label[label].push_back(std::move(m));
      }
  const double t_bricks = cpu_now() - t0;
  t0 = cpu_now();
  size_t same = 0;
  for (auto& [label, ps] : by_label) {
    mesh::Mesh merged = mesh::merge_pieces(std::move(ps));
    same += merged.num_triangles() == 0 ? 0 : 1;
  }
  const double t_merge = cpu_now() - t0;

  // 4. Surface error against our unsimplified mesh.
  Errors ours, theirs;
  size_t peer_tris = 0, peer_missing = 0;
  for (auto& [label, ref] : pieces) {
    add_error(ours, ref, simplified[label]);
    if (!peer.empty()) {
      const fs::path p = peer / fmt::format("{}.ngmesh", label);
      if (!fs::exists(p)) {
        ++peer_missing;
        continue;
      }
      mesh::Mesh pm = mesh::decode(read_file(p), mesh::Format::ngmesh, p.string());
      peer_tris += pm.num_triangles();
      add_error(theirs, ref, pm);
    }
  }
  auto err_json = [](const Errors& e) {
    return fmt::format("{{\"mean\": {:.5f}, \"hausdorff_mean\": {:.5f}, \"hausdorff_max\": {:.5f}, \"n\": {}}}",
                       e.n ? e.sum_mean / e.n : 0.0, e.n ? e.sum_hausdorff / e.n : 0.0, e.max_hausdorff, e.n);
  };
  fmt::print("{{\"voxels\": {}, \"supervoxels\": {}, \"mc_s\": {:.4f}, \"simplify_s\": {:.4f}, \"encode_s\": {:.4f}, "
             "\"bricks64_mc_s\": {:.4f}, \"merge_s\": {:.4f}, \"merged\": {}, \"triangles_before\": {}, \"triangles_after\": {}, "
             "\"bytes\": {}, \"error\": {}, \"peer_error\": {}, \"peer_triangles\": {}, \"peer_missing\": {}}}\n",
             vol.size(), pieces.size(), t_mc, t_simplify, t_encode, t_bricks, t_merge, same, tri_before, tri_after, bytes,
             err_json(ours), err_json(theirs), peer_tris, peer_missing);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    const std::string cmd = argc > 1 ? argv[1] : "";
    if (cmd == "dump" && argc == 4) return dump(argv[2], parse_xyz(argv[3]));
    if (cmd == "run" && (argc == 6 || argc == 7)) return run(argv[2], argv[3], argv[4], std::stod(argv[5]), argc == 7 ? argv[6] : "");
    std::fprintf(stderr, "usage: %s dump OUT_DIR X,Y,Z | run DIR BUDGET FORMAT MAX_ERROR [PEER_DIR]\n", argv[0]);
    return 2;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bench_meshes: %s\n", e.what());
    return 1;
  }
}
