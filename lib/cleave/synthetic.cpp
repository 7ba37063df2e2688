#include "cleave/synthetic.hpp"

#include <algorithm>
#include <random>

#include "dvid/labelindex.hpp"

namespace dflow::cleave {

SyntheticBody synthetic_body(size_t n, uint64_t first_sv, uint64_t seed) {
  SyntheticBody b;
  std::mt19937_64 rng(seed);
  b.svs.resize(n);
  for (size_t i = 0; i < n; ++i) b.svs[i] = first_sv + 3 * i;
  b.body = b.svs.front();
  const auto edge = [&](size_t i, size_t j) {
    b.edges.push_back(MergeRow{b.svs[i], b.svs[j], uint32_t(i % 4096), uint32_t(i / 4096), 7, uint32_t(j % 4096), uint32_t(j / 4096), 7,
                               float(rng() % 10000) / 10000.0f});
  };
  for (size_t i = 1; i < n; ++i) edge(i, i - 1 - rng() % std::min<size_t>(i, 64));
  for (size_t i = 0; i + 1 < n; ++i) edge(i, std::min(n - 1, i + 1 + rng() % 64));
  return b;
}

dvidpb::LabelIndex synthetic_label_index(const SyntheticBody& b) {
  dvidpb::LabelIndex li;
  li.set_label(b.body);
  for (size_t i = 0; i < b.svs.size(); ++i) {
    auto& block = (*li.mutable_blocks())[dvid::encode_block_index(int64_t(i / 512 % 32), int64_t(i / 512 / 32), 0)];
    (*block.mutable_counts())[b.svs[i]] = 100;
  }
  return li;
}

}  // namespace dflow::cleave
