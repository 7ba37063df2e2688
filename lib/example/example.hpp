#pragma once
// The embedded example dataset: a small EM-like volume with everything the pipeline consumes.
//
//   <dir>/example.n5            N5 container: grayscale/s0 (uint8) and segmentation/s0 (uint64),
//                               gzip, 64^3 chunks
//   <dir>/mapping.csv           sv,body: every supervoxel in the volume exactly once
//   <dir>/edges.csv             id_a,id_b,xa,ya,za,xb,yb,zb,score: the cleave server's merge-table
//                               columns; one row per pair of touching supervoxels; score is a cost
//   <dir>/example.json          sizes, counts, id ranges and content hashes
//
// Deterministic: the same parameters give byte-identical arrays and CSVs on every machine and
// with any thread count. See supervoxels.hpp, agglomeration.hpp and grayscale.hpp for the model.
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "core/array.hpp"
#include "example/agglomeration.hpp"
#include "example/supervoxels.hpp"

namespace dflow::example {

// 64-bit content hash of a byte stream (mix64 over little-endian 8-byte words, zero-padded tail,
// then the length), fed in pieces; the arrays are hashed in their z-major x-fastest layout.
class ContentHash {
 public:
  void update(std::span<const std::byte> bytes);
  uint64_t digest() const;

 private:
  uint64_t h_ = 0x6a09e667f3bcc908ULL;
  uint64_t length_ = 0;
  std::byte pending_[8]{};
  size_t npending_ = 0;
  void word(uint64_t w);
};

struct ExampleSummary {
  ExampleParams params;
  size_t supervoxels = 0, bodies = 0, edges = 0;
  uint64_t background_voxels = 0, labeled_voxels = 0;
  uint64_t min_id = 0, max_id = 0;
  uint64_t segmentation_hash = 0, grayscale_hash = 0;
  std::vector<std::pair<uint64_t, uint64_t>> label_voxels;  // (supervoxel, voxels), sorted by id
};

struct ExampleData {
  Array3<uint64_t> segmentation;
  Array3<uint8_t> grayscale;
  Agglomeration agglomeration;
  ExampleSummary summary;
};

// The whole example in memory (small sizes only: 9 bytes per voxel).
ExampleData generate_example(const ExampleParams& params);

// Writes the example to `dir` in z-slabs of 64 (any size; memory ~ 2 slabs of labels), returns its
// summary. Arrays, CSVs and hashes equal generate_example's.
ExampleSummary write_example(const ExampleParams& params, const std::filesystem::path& dir);

std::string mapping_csv(const Agglomeration& agglo);
std::string edges_csv(const Agglomeration& agglo);
std::string summary_json(const ExampleSummary& summary);

}  // namespace dflow::example
