#pragma once
// The cleave algorithms on a body's supervoxel graph (neuclease/cleave/cleave.py), on nodes
// 0..N-1 (the body's supervoxels in ascending id order) and edges with COSTS (lower = more likely
// the same object).
//
//   seeded-mst (default): Kruskal's minimum spanning forest with every seed hung from one virtual
//     root, i.e. union-find where two sets that both hold a seed are never joined; edges are taken
//     by ascending cost. Every node gets the class of the seed its tree grew from (the seed reached
//     by the minimax path, as in an edge-weighted seeded watershed), 0 if its tree has no seed.
//     Tie-break (the reference has none: its test_stability is xfail): edges of equal cost are
//     taken in ascending (lower supervoxel id, higher supervoxel id) order, so a request always
//     gets the same answer.
//   seeded-watershed: the reference runs nifty's edge-weighted watershed, which assigns each node
//     the seed of its minimax path too; computed here by the seeded-mst code.
//   agglomerative-clustering: vigra's agglomerativeClustering as the reference calls it
//     (beta=0, wardness=0, nodeNumStop = number of seed classes): repeatedly contract the cheapest
//     edge between clusters, the cost of a cluster pair being the mean of the original edge costs
//     between them, times 0.8 when both hold the same seed class, + 1e7 when they hold different
//     classes; stop at nodeNumStop clusters, when no edge is left, or when the cheapest is >= 1e7.
//     Clusters holding different classes are never joined (vigra would throw). Ties: lower
//     (smaller cluster id, larger cluster id), cluster id = its smallest node.
//   echo-seeds: the seeds themselves.
//
// disconnected: the seed classes whose nodes end up in more than one piece (connected component of
// the edges whose ends got the same class); for agglomerative-clustering, classes spread over more
// than one cluster (as the reference). Like the reference, a graph without edges reports every
// seed class.
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace dflow::cleave {

enum class Method { seeded_mst, seeded_watershed, agglomerative_clustering, echo_seeds };
std::optional<Method> parse_method(std::string_view name);
const char* method_name(Method m);

struct Edge {
  uint32_t u = 0, v = 0;  // node indices, u < v in a clean edge list
  float cost = 0;
};

struct CleaveResult {
  std::vector<uint32_t> labels;        // per node: seed class, 0 = unassigned
  std::vector<uint32_t> disconnected;  // ascending seed classes
  bool unlabeled = false;              // some node got 0
};

// The reference's clean-up of an edge list: u <= v, of duplicate pairs the LAST kept (in the
// position of the first), self-loops dropped.
std::vector<Edge> clean_edges(std::span<const Edge> raw);

// seeds[i]: class of node i (0 = not seeded). Edges must be clean. `sorted_by_node`: the edges are
// in ascending (u, v) order already (saves a sort).
CleaveResult run_cleave(size_t nodes, std::span<const Edge> edges, std::span<const uint32_t> seeds, Method method,
                        bool sorted_by_node = false);

// Connected components of the edges whose ends have the same label: component id per node
// (ids 0.. in order of each component's smallest node).
std::vector<uint32_t> label_pieces(size_t nodes, std::span<const Edge> edges, std::span<const uint32_t> labels);

}  // namespace dflow::cleave
