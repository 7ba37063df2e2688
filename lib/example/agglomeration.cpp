#include "example/agglomeration.hpp"

#include <algorithm>
#include <mutex>
#include <numeric>

#include "core/error.hpp"
#include "example/random.hpp"
#include "example/supervoxels.hpp"

namespace dflow::example {

size_t PairHash::operator()(const PairKey& k) const { return size_t(mix64(k.a ^ mix64(k.b))); }

namespace {

void add_contact(ContactMap& m, uint64_t la, uint64_t lb, const Vec3& pa, const Vec3& pb, uint64_t seed) {
  if (la > lb) return add_contact(m, lb, la, pb, pa, seed);
  Contact& c = m[PairKey{la, lb}];
  ++c.count;
  // The representative: smallest hash of (lower voxel, axis); ties impossible for distinct contacts
  // only up to hash collisions, so break them by position too.
  const Vec3 lo = pa.x + pa.y + pa.z < pb.x + pb.y + pb.z ? pa : pb;
  const Vec3 d = pa - pb;
  const int64_t axis = d.x != 0 ? 0 : d.y != 0 ? 1 : 2;
  const uint64_t h = hash3(seed, lo.x, lo.y, lo.z * 4 + axis);
  if (h < c.best_hash || (h == c.best_hash && std::tie(pa.z, pa.y, pa.x) < std::tie(c.pa.z, c.pa.y, c.pa.x))) {
    c.best_hash = h;
    c.pa = pa;
    c.pb = pb;
  }
}

void merge_contact(Contact& into, const Contact& c) {
  into.count += c.count;
  if (c.best_hash < into.best_hash ||
      (c.best_hash == into.best_hash && std::tie(c.pa.z, c.pa.y, c.pa.x) < std::tie(into.pa.z, into.pa.y, into.pa.x))) {
    into.best_hash = c.best_hash;
    into.pa = c.pa;
    into.pb = c.pb;
  }
}

}  // namespace

void AdjacencyScan::merge(AdjacencyScan&& other) {
  for (auto& [k, c] : other.contacts) merge_contact(contacts[k], c);
  for (auto& [l, n] : other.voxels) voxels[l] += n;
  other = AdjacencyScan{};
}

AdjacencyScan scan_adjacency(const Array3<uint64_t>& seg, const Box& own, const Box& volume, uint64_t seed, int threads) {
  if (!seg.box().contains(own)) fail("example: adjacency scan box {} is outside the labels {}", own, seg.box());
  const uint64_t cseed = stream_seed(seed, Stream::contact);
  const Box reach = seg.box().intersect(volume);
  const Vec3 s = own.shape();
  AdjacencyScan total;
  std::mutex mu;
  const Vec3 ss = seg.box().shape();
  const int64_t stride[3] = {1, ss.x, ss.x * ss.y};
  parallel_ranges(s.z, threads, [&](int64_t z0, int64_t z1) {
    AdjacencyScan local;
    for (int64_t z = own.lo.z + z0; z < own.lo.z + z1; ++z)
      for (int64_t y = own.lo.y; y < own.hi.y; ++y) {
        const uint64_t* row = &seg.at({own.lo.x, y, z});
        // Which +x/+y/+z neighbours exist (inside both the label array and the volume).
        const bool has_y = y + 1 < reach.hi.y, has_z = z + 1 < reach.hi.z;
        uint64_t run_label = 0, run = 0;
        for (int64_t i = 0; i < s.x; ++i) {
          const uint64_t* c = row + i;
          const uint64_t l = *c;
          if (l == run_label) {
            ++run;
          } else {
            if (run) local.voxels[run_label] += run;
            run_label = l;
            run = 1;
          }
          if (l == 0) continue;
          const Vec3 p{own.lo.x + i, y, z};
          const bool has[3] = {p.x + 1 < reach.hi.x, has_y, has_z};
          for (int axis = 0; axis < 3; ++axis) {
            if (!has[axis]) continue;
            const uint64_t m = c[stride[axis]];
            if (m == 0 || m == l) continue;
            Vec3 q = p;
            q[axis] += 1;
            add_contact(local.contacts, l, m, p, q, cseed);
          }
        }
        if (run) local.voxels[run_label] += run;
      }
    std::lock_guard lock(mu);
    total.merge(std::move(local));
  });
  return total;
}

uint64_t Agglomeration::body_of(uint64_t sv) const {
  if (sv == 0) return 0;
  const auto it = std::lower_bound(mapping.begin(), mapping.end(), std::pair<uint64_t, uint64_t>{sv, 0});
  if (it == mapping.end() || it->first != sv) fail("example: supervoxel {} is not in the mapping", sv);
  return it->second;
}

Agglomeration agglomerate(const AdjacencyScan& scan, uint64_t seed) {
  // Supervoxels present in the volume, in id order.
  std::vector<uint64_t> svs;
  for (const auto& [l, n] : scan.voxels)
    if (l != 0 && n > 0) svs.push_back(l);
  std::sort(svs.begin(), svs.end());
  const auto index_of = [&](uint64_t sv) { return size_t(std::lower_bound(svs.begin(), svs.end(), sv) - svs.begin()); };

  struct Pair {
    uint64_t order;
    PairKey key;
    const Contact* c;
  };
  std::vector<Pair> pairs;
  pairs.reserve(scan.contacts.size());
  const uint64_t aseed = stream_seed(seed, Stream::agglo);
  for (const auto& [k, c] : scan.contacts) pairs.push_back({hash2(aseed, k.a, k.b), k, &c});
  std::sort(pairs.begin(), pairs.end(), [](const Pair& x, const Pair& y) {
    return std::tie(x.order, x.key.a, x.key.b) < std::tie(y.order, y.key.a, y.key.b);
  });

  // Union-find (by size, with path halving); root's `min_id` is the body id.
  std::vector<size_t> parent(svs.size()), size(svs.size(), 1);
  std::iota(parent.begin(), parent.end(), 0);
  const auto find = [&](size_t i) {
    while (parent[i] != i) i = parent[i] = parent[parent[i]];
    return i;
  };
  constexpr size_t kMaxBodySvs = 10;
  for (const Pair& p : pairs) {
    if (uniform(p.order >> 8, 100) >= 55) continue;
    size_t ra = find(index_of(p.key.a)), rb = find(index_of(p.key.b));
    if (ra == rb || size[ra] + size[rb] > kMaxBodySvs) continue;
    if (size[ra] < size[rb]) std::swap(ra, rb);
    parent[rb] = ra;
    size[ra] += size[rb];
  }
  // svs is sorted, so the first member seen of each set is its smallest id.
  std::vector<uint64_t> body_of_root(svs.size(), 0);
  Agglomeration out;
  out.mapping.reserve(svs.size());
  for (size_t i = 0; i < svs.size(); ++i) {
    uint64_t& b = body_of_root[find(i)];
    if (b == 0) {
      b = svs[i];
      ++out.bodies;
    }
    out.mapping.push_back({svs[i], b});
  }

  const uint64_t sseed = stream_seed(seed, Stream::score);
  out.edges.reserve(pairs.size());
  for (const Pair& p : pairs) {
    Edge e{p.key.a, p.key.b, p.c->pa, p.c->pb, p.c->count, 0};
    const uint64_t h = hash2(sseed, e.a, e.b);
    const bool same = body_of_root[find(index_of(e.a))] == body_of_root[find(index_of(e.b))];
    const bool misleading = uniform(h, 100) < 4;
    const uint32_t u = uint32_t(uniform(h >> 8, 3001));  // 0 .. 0.3001
    if (same)
      e.cost_e4 = misleading ? 5000 + u : 500 + u;
    else
      e.cost_e4 = misleading ? 1500 + u * 25 / 30 : 5500 + u * 4 / 3;
    out.edges.push_back(e);
  }
  std::sort(out.edges.begin(), out.edges.end(), [](const Edge& x, const Edge& y) { return std::tie(x.a, x.b) < std::tie(y.a, y.b); });
  return out;
}

}  // namespace dflow::example
