#pragma once
// Shared by the label-index tests: the generated test data (tests/golden/gen_label_indexes.py),
// a sink that keeps what would have been posted, and canonical forms of LabelIndex protobufs.
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/error.hpp"
#include "labelindex/sink.hpp"
#include "labelops.pb.h"

namespace dflow::test {

inline std::filesystem::path label_index_data() {
  const char* d = std::getenv("DFLOW_LABELINDEX_DATA");
  if (!d) fail("DFLOW_LABELINDEX_DATA is not set: run this test through ctest (gen_label_indexes.py makes the data)");
  return d;
}

inline nlohmann::json label_index_expected() {
  std::ifstream in(label_index_data() / "expected.json");
  return nlohmann::json::parse(in);
}

// (block key, sv, count) triples of an index, sorted: equal iff the indexes hold the same counts.
using Triples = std::vector<std::tuple<uint64_t, uint64_t, uint32_t>>;
inline Triples triples(const dvidpb::LabelIndex& li) {
  Triples t;
  for (const auto& [key, svc] : li.blocks())
    for (const auto& [sv, n] : svc.counts()) t.emplace_back(key, sv, n);
  std::sort(t.begin(), t.end());
  return t;
}

// Keeps every posted batch (thread-safe); optionally fails on the n-th mapping post.
class RecordingSink : public labelindex::Sink {
 public:
  void post_indices(int, const std::string& wire, size_t) override {
    dvidpb::LabelIndices m;
    if (!m.ParseFromString(wire)) fail("RecordingSink: bad LabelIndices");
    std::lock_guard lock(mu);
    index_batches.push_back(std::move(m));
  }
  void post_mappings(int, const std::string& wire, size_t) override {
    std::lock_guard lock(mu);
    if (fail_mapping_post > 0 && ++mapping_posts_seen == fail_mapping_post) fail("RecordingSink: injected failure");
    dvidpb::MappingOps m;
    if (!m.ParseFromString(wire)) fail("RecordingSink: bad MappingOps");
    mapping_batches.push_back(std::move(m));
  }
  // All indexes by label (a label posted twice is an error of the test subject).
  std::map<uint64_t, dvidpb::LabelIndex> indexes() const {
    std::map<uint64_t, dvidpb::LabelIndex> out;
    for (const auto& b : index_batches)
      for (const auto& li : b.indices())
        if (!out.emplace(li.label(), li).second) fail("label {} posted twice", li.label());
    return out;
  }
  std::mutex mu;
  std::vector<dvidpb::LabelIndices> index_batches;
  std::vector<dvidpb::MappingOps> mapping_batches;
  int fail_mapping_post = 0, mapping_posts_seen = 0;
};

// A batch in canonical form: its labels in order, each with its triples.
inline std::vector<std::pair<uint64_t, Triples>> canonical(const dvidpb::LabelIndices& b) {
  std::vector<std::pair<uint64_t, Triples>> out;
  for (const auto& li : b.indices()) out.emplace_back(li.label(), triples(li));
  return out;
}

}  // namespace dflow::test
