#include "cleave/body_graph.hpp"

#include <algorithm>
#include <bit>
#include <tuple>

namespace dflow::cleave {

NodeIndex::NodeIndex(std::span<const uint64_t> ids) {
  const size_t cap = std::bit_ceil(std::max<size_t>(16, ids.size() * 2));
  slots_.resize(cap);
  mask_ = cap - 1;
  for (uint32_t i = 0; i < ids.size(); ++i) {
    size_t h = hash(ids[i]) & mask_;
    while (slots_[h].index != npos && slots_[h].id != ids[i]) h = (h + 1) & mask_;
    slots_[h] = Slot{ids[i], i};
  }
}

BodyGraph gather_body_graph(const CleaveTable& table, uint64_t body, std::vector<uint64_t> svs) {
  BodyGraph g;
  g.svs = std::move(svs);
  g.index = NodeIndex(g.svs);
  const NodeIndex& index = g.index;
  std::vector<uint8_t> covered(g.svs.size(), 0);  // the supervoxel belongs to a table body already taken
  std::vector<uint64_t> taken;
  const auto take = [&](uint64_t table_body) {
    const auto rows = table.edges_of(table_body);
    if (rows.empty()) return;
    taken.push_back(table_body);
    if (!g.edges.empty()) g.sorted_by_node = false;  // the rows of two bodies interleave in (u, v)
    // Rows are in ascending (id_a, id_b) order and the nodes in ascending id order: id_a's node is
    // found by walking forward, only id_b needs the hash.
    size_t walk = 0;
    for (const MergeRow& r : rows) {
      while (walk < g.svs.size() && g.svs[walk] < r.id_a) ++walk;
      const uint32_t u = walk < g.svs.size() && g.svs[walk] == r.id_a ? uint32_t(walk) : NodeIndex::npos;
      const uint32_t v = index.find(r.id_b);
      if (u != NodeIndex::npos) covered[u] = 1;
      if (v != NodeIndex::npos) covered[v] = 1;
      if (u == NodeIndex::npos || v == NodeIndex::npos) continue;
      // id_a < id_b and node order is id order, so u < v.
      g.edges.push_back(Edge{u, v, r.score});
      g.rows.push_back(&r);
    }
  };
  take(body);
  for (size_t i = 0; i < g.svs.size(); ++i) {
    if (covered[i]) continue;
    const auto tb = table.body_of(g.svs[i]);
    if (!tb || std::find(taken.begin(), taken.end(), *tb) != taken.end()) continue;
    take(*tb);
  }
  g.table_bodies = taken.size();
  return g;
}

void isolate_groups(BodyGraph& g, std::span<const uint32_t> group) {
  size_t k = 0;
  for (size_t i = 0; i < g.edges.size(); ++i) {
    if (group[g.edges[i].u] != group[g.edges[i].v]) continue;
    g.edges[k] = g.edges[i];
    g.rows[k] = g.rows[i];
    ++k;
  }
  g.edges.resize(k);
  g.rows.resize(k);
}

}  // namespace dflow::cleave
