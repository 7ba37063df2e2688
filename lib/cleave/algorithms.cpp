#include "cleave/algorithms.hpp"

#include <algorithm>
#include <bit>
#include <map>
#include <numeric>
#include <queue>
#include <tuple>
#include <unordered_map>

#include "core/error.hpp"

namespace dflow::cleave {
namespace {

class UnionFind {
 public:
  explicit UnionFind(size_t n) : parent_(n), size_(n, 1) { std::iota(parent_.begin(), parent_.end(), 0u); }
  uint32_t find(uint32_t x) {
    while (parent_[x] != x) {
      parent_[x] = parent_[parent_[x]];  // path halving
      x = parent_[x];
    }
    return x;
  }
  // Joins the sets of two roots; returns the new root.
  uint32_t join_roots(uint32_t a, uint32_t b) {
    if (size_[a] < size_[b]) std::swap(a, b);
    parent_[b] = a;
    size_[a] += size_[b];
    return a;
  }

 private:
  std::vector<uint32_t> parent_, size_;
};

// Monotonic map of a float to an unsigned key (negative numbers below positive ones).
uint32_t cost_key(float f) {
  const uint32_t b = std::bit_cast<uint32_t>(f);
  return (b & 0x80000000u) ? ~b : (b | 0x80000000u);
}

// Edges in ascending (cost, u, v) order: the documented tie-break.
std::vector<Edge> by_cost(std::span<const Edge> edges, bool sorted_by_node) {
  std::vector<Edge> a(edges.begin(), edges.end());
  const auto by_node = [](const Edge& x, const Edge& y) { return std::tie(x.u, x.v) < std::tie(y.u, y.v); };
  if (!sorted_by_node || !std::is_sorted(a.begin(), a.end(), by_node)) std::sort(a.begin(), a.end(), by_node);
  if (a.size() < 64) {
    std::stable_sort(a.begin(), a.end(), [](const Edge& x, const Edge& y) { return cost_key(x.cost) < cost_key(y.cost); });
    return a;
  }
  // Stable LSD radix sort of (cost key, position) pairs on the key, 8 bits a pass, keeps the (u, v)
  // order of ties; then the edges are gathered in that order.
  std::vector<uint64_t> k(a.size()), t(a.size());
  for (size_t i = 0; i < a.size(); ++i) k[i] = uint64_t(cost_key(a[i].cost)) << 32 | i;
  for (int shift = 32; shift < 64; shift += 8) {
    size_t count[257] = {};
    for (uint64_t x : k) ++count[((x >> shift) & 0xff) + 1];
    if (std::count(std::begin(count) + 1, std::end(count), k.size()) == 1) continue;  // one bucket
    for (int b = 0; b < 256; ++b) count[b + 1] += count[b];
    for (uint64_t x : k) t[count[(x >> shift) & 0xff]++] = x;
    k.swap(t);
  }
  std::vector<Edge> out(a.size());
  for (size_t i = 0; i < k.size(); ++i) out[i] = a[uint32_t(k[i])];
  return out;
}

std::vector<uint32_t> seeded_mst(size_t n, std::span<const Edge> edges, std::span<const uint32_t> seeds, bool sorted_by_node) {
  UnionFind uf(n);
  std::vector<uint32_t> root_label(seeds.begin(), seeds.end());  // valid at roots
  for (const Edge& e : by_cost(edges, sorted_by_node)) {
    const uint32_t a = uf.find(e.u), b = uf.find(e.v);
    // Both trees hang from the virtual root already (both hold a seed): the edge would close a cycle.
    if (a == b || (root_label[a] != 0 && root_label[b] != 0)) continue;
    const uint32_t label = std::max(root_label[a], root_label[b]);
    root_label[uf.join_roots(a, b)] = label;
  }
  std::vector<uint32_t> labels(n);
  for (uint32_t i = 0; i < n; ++i) labels[i] = root_label[uf.find(i)];
  return labels;
}

// vigra's hierarchical clustering with EdgeWeightNodeFeatures(beta=0, wardness=0) and node labels.
struct Agglomeration {
  std::vector<uint32_t> labels;
  std::vector<uint32_t> cluster;  // per node: its cluster id (smallest node of the cluster)
};

Agglomeration agglomerate(size_t n, std::span<const Edge> edges, std::span<const uint32_t> seeds, size_t stop_at) {
  constexpr double kGamma = 1e7, kSameLabel = 0.8;
  struct Link {
    double sum = 0;  // sum of original costs
    double count = 0;
  };
  std::vector<std::unordered_map<uint32_t, Link>> adj(n);
  for (const Edge& e : edges) {
    Link& l = adj[e.u][e.v];
    l.sum += e.cost, l.count += 1;
    adj[e.v][e.u] = l;
  }
  std::vector<uint32_t> label(seeds.begin(), seeds.end()), version(n, 0), rep(n);
  std::iota(rep.begin(), rep.end(), 0u);  // smallest node of each cluster (its id)
  UnionFind uf(n);
  const auto weight = [&](uint32_t a, uint32_t b, const Link& l) {
    double w = l.sum / l.count;
    if (label[a] != 0 && label[b] != 0) w = label[a] == label[b] ? w * kSameLabel : w + kGamma;
    return w;
  };
  using Entry = std::tuple<double, uint32_t, uint32_t, uint32_t, uint32_t, uint32_t, uint32_t>;  // w, rep lo, rep hi, a, b, va, vb
  std::priority_queue<Entry, std::vector<Entry>, std::greater<Entry>> pq;
  const auto push = [&](uint32_t a, uint32_t b, const Link& l) {
    const uint32_t lo = std::min(rep[a], rep[b]), hi = std::max(rep[a], rep[b]);
    pq.emplace(weight(a, b, l), lo, hi, a, b, version[a], version[b]);
  };
  for (uint32_t a = 0; a < n; ++a)
    for (const auto& [b, l] : adj[a])
      if (a < b) push(a, b, l);
  size_t clusters = n;
  while (clusters > stop_at && !pq.empty()) {
    const auto [w, lo, hi, a, b, va, vb] = pq.top();
    if (version[a] != va || version[b] != vb || uf.find(a) != a || uf.find(b) != b) {
      pq.pop();
      continue;
    }
    if (w >= kGamma) break;  // vigra's done(): the cheapest edge joins different seed classes
    pq.pop();
    if (label[a] != 0 && label[b] != 0 && label[a] != label[b]) continue;  // vigra throws here; never join them
    // The union-find root (the larger cluster) keeps the merged adjacency.
    const uint32_t root = uf.join_roots(a, b), other = root == a ? b : a;
    adj[root].erase(other);
    adj[other].erase(root);
    for (const auto& [c, l] : adj[other]) {
      Link& m = adj[root][c];
      m.sum += l.sum, m.count += l.count;
      adj[c].erase(other);
      adj[c][root] = m;
    }
    std::unordered_map<uint32_t, Link>().swap(adj[other]);
    label[root] = std::max(label[a], label[b]);
    rep[root] = std::min(rep[a], rep[b]);
    ++version[root];
    ++version[other];
    --clusters;
    for (const auto& [c, l] : adj[root]) push(root, c, l);
  }
  Agglomeration out;
  out.labels.resize(n);
  out.cluster.resize(n);
  for (uint32_t i = 0; i < n; ++i) {
    const uint32_t r = uf.find(i);
    out.labels[i] = label[r];
    out.cluster[i] = rep[r];
  }
  return out;
}

std::vector<uint32_t> disconnected_by_pieces(size_t n, std::span<const Edge> edges, std::span<const uint32_t> labels) {
  const std::vector<uint32_t> piece = label_pieces(n, edges, labels);
  std::map<uint32_t, uint32_t> first_piece;  // label -> a piece
  std::vector<uint32_t> out;
  for (size_t i = 0; i < n; ++i) {
    if (labels[i] == 0) continue;
    const auto [it, fresh] = first_piece.emplace(labels[i], piece[i]);
    if (!fresh && it->second != piece[i] && (out.empty() || !std::binary_search(out.begin(), out.end(), labels[i]))) {
      out.push_back(labels[i]);
      std::sort(out.begin(), out.end());
    }
  }
  return out;
}

}  // namespace

std::optional<Method> parse_method(std::string_view name) {
  if (name == "seeded-mst") return Method::seeded_mst;
  if (name == "seeded-watershed") return Method::seeded_watershed;
  if (name == "agglomerative-clustering") return Method::agglomerative_clustering;
  if (name == "echo-seeds") return Method::echo_seeds;
  return std::nullopt;
}

const char* method_name(Method m) {
  switch (m) {
    case Method::seeded_mst: return "seeded-mst";
    case Method::seeded_watershed: return "seeded-watershed";
    case Method::agglomerative_clustering: return "agglomerative-clustering";
    case Method::echo_seeds: return "echo-seeds";
  }
  return "?";
}

std::vector<Edge> clean_edges(std::span<const Edge> raw) {
  std::map<std::pair<uint32_t, uint32_t>, size_t> where;  // pair -> position in out
  std::vector<Edge> out;
  for (Edge e : raw) {
    if (e.u > e.v) std::swap(e.u, e.v);
    const auto [it, fresh] = where.emplace(std::pair(e.u, e.v), out.size());
    if (fresh)
      out.push_back(e);
    else
      out[it->second].cost = e.cost;  // keep='last': the last weight, the first position
  }
  std::erase_if(out, [](const Edge& e) { return e.u == e.v; });
  return out;
}

std::vector<uint32_t> label_pieces(size_t n, std::span<const Edge> edges, std::span<const uint32_t> labels) {
  UnionFind uf(n);
  for (const Edge& e : edges) {
    if (labels[e.u] != labels[e.v]) continue;
    const uint32_t a = uf.find(e.u), b = uf.find(e.v);
    if (a != b) uf.join_roots(a, b);
  }
  std::vector<uint32_t> id(n, UINT32_MAX), out(n);
  uint32_t next = 0;
  for (uint32_t i = 0; i < n; ++i) {
    const uint32_t r = uf.find(i);
    if (id[r] == UINT32_MAX) id[r] = next++;
    out[i] = id[r];
  }
  return out;
}

CleaveResult run_cleave(size_t n, std::span<const Edge> edges, std::span<const uint32_t> seeds, Method method, bool sorted_by_node) {
  if (seeds.size() != n) fail("internal: {} seed labels for {} nodes", seeds.size(), n);
  for (const Edge& e : edges)
    if (e.u >= n || e.v >= n) fail("internal: edge {}-{} outside the {} nodes", e.u, e.v, n);
  CleaveResult r;
  std::vector<uint32_t> classes(seeds.begin(), seeds.end());
  std::sort(classes.begin(), classes.end());
  classes.erase(std::unique(classes.begin(), classes.end()), classes.end());
  std::erase(classes, 0u);
  if (edges.empty()) {
    // The reference: no edges -> the seeds, and every seed class reported as non-contiguous.
    r.labels.assign(seeds.begin(), seeds.end());
    r.disconnected = classes;
  } else if (method == Method::agglomerative_clustering) {
    Agglomeration a = agglomerate(n, edges, seeds, classes.size());
    r.labels = std::move(a.labels);
    std::map<uint32_t, uint32_t> cluster_of;
    for (size_t i = 0; i < n; ++i) {
      if (r.labels[i] == 0) continue;
      const auto [it, fresh] = cluster_of.emplace(r.labels[i], a.cluster[i]);
      if (!fresh && it->second != a.cluster[i] && !std::binary_search(r.disconnected.begin(), r.disconnected.end(), r.labels[i])) {
        r.disconnected.push_back(r.labels[i]);
        std::sort(r.disconnected.begin(), r.disconnected.end());
      }
    }
  } else {
    r.labels = method == Method::echo_seeds ? std::vector<uint32_t>(seeds.begin(), seeds.end()) : seeded_mst(n, edges, seeds, sorted_by_node);
    r.disconnected = disconnected_by_pieces(n, edges, r.labels);
  }
  r.unlabeled = std::find(r.labels.begin(), r.labels.end(), 0u) != r.labels.end();
  return r;
}

}  // namespace dflow::cleave
