#include "example/supervoxels.hpp"

#include <algorithm>
#include <exception>
#include <numeric>
#include <thread>
#include <unordered_set>

#include "core/error.hpp"
#include "example/random.hpp"

namespace dflow::example {

namespace {
constexpr int64_t kSub = 256;  // fixed-point subdivisions of a voxel
}

int resolve_threads(int threads) {
  if (threads > 0) return threads;
  const unsigned hw = std::thread::hardware_concurrency();
  return int(std::clamp<unsigned>(hw, 1, 8));
}

void parallel_ranges(int64_t n, int threads, const std::function<void(int64_t, int64_t)>& fn) {
  const int t = int(std::min<int64_t>(resolve_threads(threads), std::max<int64_t>(n, 1)));
  if (t <= 1) {
    fn(0, n);
    return;
  }
  std::vector<std::thread> pool;
  std::vector<std::exception_ptr> errors(static_cast<size_t>(t));
  for (int i = 0; i < t; ++i)
    pool.emplace_back([&, i] {
      try {
        fn(n * i / t, n * (i + 1) / t);
      } catch (...) {
        errors[size_t(i)] = std::current_exception();
      }
    });
  for (auto& th : pool) th.join();
  for (auto& e : errors)
    if (e) std::rethrow_exception(e);
}

SupervoxelModel::SupervoxelModel(const ExampleParams& params)
    : p_(params),
      warp_x_(stream_seed(params.seed, Stream::warp_x), 32),
      warp_y_(stream_seed(params.seed, Stream::warp_y), 32),
      warp_z_(stream_seed(params.seed, Stream::warp_z), 32),
      mask_(stream_seed(params.seed, Stream::mask), 48) {
  if (p_.size.min() <= 0) fail("example: size {} must be positive", p_.size);
  if (p_.cell.min() < 4) fail("example: cell size {} must be at least 4 voxels", p_.cell);
  if (p_.cell.max() > 4096) fail("example: cell size {} must be at most 4096 voxels", p_.cell);
  if (p_.warp < 0 || p_.warp >= p_.cell.min()) fail("example: warp {} must be in [0, {})", p_.warp, p_.cell.min());
  // Warped points lie within `warp` of the volume, and the search looks one cell further.
  c0_ = Vec3::fill(-2);
  cn_ = ceil_div(p_.size, p_.cell) + Vec3::fill(2) - c0_;
  // Distances are measured in cell units; scaling all axes by lcm(cell) keeps them integral.
  const int64_t l = std::lcm(std::lcm(p_.cell.x, p_.cell.y), p_.cell.z);
  wx_ = l / p_.cell.x;
  wy_ = l / p_.cell.y;
  wz_ = l / p_.cell.z;
  // Squared distances must fit in int64: |q - seed| stays below 3 cells.
  if (3 * p_.cell.max() * kSub * std::max({wx_, wy_, wz_}) > (int64_t{1} << 30))
    fail("example: cell sizes {} are too different (their least common multiple is {})", p_.cell, l);

  const uint64_t cell_seed = stream_seed(p_.seed, Stream::cells), id_seed = stream_seed(p_.seed, Stream::ids);
  seeds_.resize(size_t(cn_.prod()));
  std::unordered_set<uint64_t> used;
  for (int64_t cz = 0; cz < cn_.z; ++cz)
    for (int64_t cy = 0; cy < cn_.y; ++cy)
      for (int64_t cx = 0; cx < cn_.x; ++cx) {
        const Vec3 c = Vec3{cx, cy, cz} + c0_;
        const uint64_t h = hash3(cell_seed, c.x, c.y, c.z);
        // Jitter within [0.1, 0.9] of the cell, so neighbouring seeds never coincide.
        const auto jitter = [&](int axis, int shift) {
          const int64_t span = p_.cell[axis] * kSub;
          return c[axis] * span + span / 10 + int64_t(uniform(h >> shift, uint64_t(span * 8 / 10)));
        };
        Seed s{jitter(0, 0), jitter(1, 21), jitter(2, 42), 0};
        const uint64_t g = hash3(id_seed, c.x, c.y, c.z);
        const uint64_t v = g >> 2;
        uint64_t id = 0;
        switch (g & 3) {
          case 0: id = 1 + uniform(v, (uint64_t{1} << 16) - 1); break;
          case 1: id = (uint64_t{1} << 16) + uniform(v, (uint64_t{1} << 32) - (uint64_t{1} << 16)); break;
          case 2: id = (uint64_t{1} << 32) + uniform(v, (uint64_t{1} << 48) - (uint64_t{1} << 32)); break;
          default: id = (uint64_t{1} << 48) + uniform(v, (uint64_t{1} << 62) - (uint64_t{1} << 48)); break;
        }
        while (id == kNearInt64MaxId || !used.insert(id).second) ++id;  // unique, in a fixed order
        s.id = id;
        seeds_[cell_index(cx, cy, cz)] = s;
      }
  // The supervoxel at the centre of the volume (always tissue) gets the id near 2^63.
  const Vec3 mid{p_.size.x / 2, p_.size.y / 2, p_.size.z / 2};
  const int64_t dx = int64_t(warp_x_.at(mid.x, mid.y, mid.z)) * p_.warp * kSub / kNoiseOne;
  const int64_t dy = int64_t(warp_y_.at(mid.x, mid.y, mid.z)) * p_.warp * kSub / kNoiseOne;
  const int64_t dz = int64_t(warp_z_.at(mid.x, mid.y, mid.z)) * p_.warp * kSub / kNoiseOne;
  seeds_[nearest(mid.x * kSub + kSub / 2 + dx, mid.y * kSub + kSub / 2 + dy, mid.z * kSub + kSub / 2 + dz)].id =
      kNearInt64MaxId;
}

size_t SupervoxelModel::cell_index(int64_t cx, int64_t cy, int64_t cz) const {
  return size_t((cz * cn_.y + cy) * cn_.x + cx);
}

size_t SupervoxelModel::nearest(int64_t qx, int64_t qy, int64_t qz) const {
  // The nearest seed over the 3x3x3 cells around q's cell, ties to the lower cell index. Seeds lie
  // in the middle 80% of their cell, so a per-axis lower bound of the distance to each neighbour
  // cell lets most of the 27 candidates be skipped without changing the result.
  const int64_t q[3] = {qx, qy, qz};
  const int64_t w[3] = {wx_, wy_, wz_};
  int64_t cell[3], bound[3][3];
  for (int a = 0; a < 3; ++a) {
    const int64_t span = p_.cell[a] * kSub;
    const int64_t c = floor_div(q[a], span);
    cell[a] = c - c0_[a];
    for (int k = 0; k < 3; ++k) {
      const int64_t lo = (c + k - 1) * span + span / 10, hi = (c + k - 1) * span + span / 10 + span * 8 / 10;
      const int64_t gap = std::max<int64_t>({0, lo - q[a], q[a] - hi}) * w[a];
      bound[a][k] = gap * gap;
    }
  }
  const auto dist = [&](size_t i) {
    const Seed& s = seeds_[i];
    const int64_t ex = (qx - s.x) * wx_, ey = (qy - s.y) * wy_, ez = (qz - s.z) * wz_;
    return ex * ex + ey * ey + ez * ez;
  };
  size_t best = cell_index(cell[0], cell[1], cell[2]);
  int64_t best_d = dist(best);
  for (int k = 0; k < 3; ++k)
    for (int j = 0; j < 3; ++j) {
      const int64_t bzy = bound[2][k] + bound[1][j];
      if (bzy > best_d) continue;
      for (int i = 0; i < 3; ++i) {
        if (bzy + bound[0][i] > best_d) continue;
        const size_t idx = cell_index(cell[0] + i - 1, cell[1] + j - 1, cell[2] + k - 1);
        const int64_t d = dist(idx);
        if (d < best_d || (d == best_d && idx < best)) {
          best_d = d;
          best = idx;
        }
      }
    }
  return best;
}

void SupervoxelModel::generate_row(int64_t y, int64_t z, int64_t x0, int64_t n, uint64_t* out,
                                   std::vector<int32_t>& scratch) const {
  scratch.resize(size_t(4 * n));
  int32_t* nx = scratch.data();
  int32_t* ny = nx + n;
  int32_t* nz = ny + n;
  int32_t* nm = nz + n;
  warp_x_.row(x0, y, z, n, nx);
  warp_y_.row(x0, y, z, n, ny);
  warp_z_.row(x0, y, z, n, nz);
  mask_.row(x0, y, z, n, nm);
  // Tissue mask: an ellipsoid with radii 9/16 of the volume, its surface pushed by +-30% noise.
  const auto t = [](int64_t p, int64_t size) { return (2 * p + 1 - size) * kNoiseOne * 8 / (9 * size); };
  const int64_t ty = t(y, p_.size.y), tz = t(z, p_.size.z);
  const int64_t one = int64_t(kNoiseOne) * kNoiseOne;
  for (int64_t i = 0; i < n; ++i) {
    const int64_t x = x0 + i;
    const int64_t tx = t(x, p_.size.x);
    if (tx * tx + ty * ty + tz * tz >= one + int64_t(nm[i]) * kNoiseOne * 3 / 10) {
      out[i] = 0;
      continue;
    }
    const int64_t qx = x * kSub + kSub / 2 + int64_t(nx[i]) * p_.warp * kSub / kNoiseOne;
    const int64_t qy = y * kSub + kSub / 2 + int64_t(ny[i]) * p_.warp * kSub / kNoiseOne;
    const int64_t qz = z * kSub + kSub / 2 + int64_t(nz[i]) * p_.warp * kSub / kNoiseOne;
    out[i] = seeds_[nearest(qx, qy, qz)].id;
  }
}

Array3<uint64_t> SupervoxelModel::generate(const Box& region) const {
  if (!bounds().contains(region) || region.empty())
    fail("example: region {} is not inside the volume {}", region, bounds());
  Array3<uint64_t> out(region);
  const Vec3 s = region.shape();
  parallel_ranges(s.z * s.y, p_.threads, [&](int64_t begin, int64_t end) {
    std::vector<int32_t> scratch;
    for (int64_t r = begin; r < end; ++r) {
      const int64_t z = r / s.y, y = r % s.y;
      generate_row(region.lo.y + y, region.lo.z + z, region.lo.x, s.x, &out(0, y, z), scratch);
    }
  });
  return out;
}

uint64_t SupervoxelModel::label_at(const Vec3& p) const {
  uint64_t v = 0;
  std::vector<int32_t> scratch;
  generate_row(p.y, p.z, p.x, 1, &v, scratch);
  return v;
}

}  // namespace dflow::example
