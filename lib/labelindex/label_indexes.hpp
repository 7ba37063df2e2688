#pragma once
// From the sorted record stream to DVID LabelIndex protobufs (flyemflows ingest_label_indexes §5.3-5.4):
//   - one LabelIndex per body: blocks[key].counts[sv] = count, label = body, last_mutid, last_mod_*;
//   - a repeated (block, sv) pair keeps its last row in (body, block, sv, count) order, i.e. the
//     largest count, as flyemflows' dict update does; repeats are counted for a warning;
//   - a tombstone (LabelIndex with no blocks, which makes DVID delete the label's index) for every
//     supervoxel of the body that is not the body itself and is not a body id anywhere in the table
//     (flyemflows: segment_needs_tombstone = segment_id not in the set of body ids in the stats).
// Batches hold whole bodies and close once they reach `batch_rows` rows (generate_stats_batch_spans).
#include <atomic>
#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <vector>

#include "labelindex/record.hpp"
#include "labelindex/record_sorter.hpp"

namespace dflow::labelindex {

struct IndexMeta {
  uint64_t last_mutid = 0;
  std::string user = "unknown";
  std::string time;  // RFC 3339
  std::string app = "dvidflow";
};

// Which supervoxels get tombstones: those mapped to another body whose id is not itself a body id
// in the table. `bodies` = sorted ids of the bodies that mapped supervoxels of the table belong to
// (unmapped supervoxels are their own bodies and never collide with a mapped supervoxel's id).
class TombstoneRule {
 public:
  TombstoneRule() = default;  // no mapping: no tombstones
  explicit TombstoneRule(std::vector<uint64_t> sorted_bodies) : bodies_(std::move(sorted_bodies)), active_(true) {}
  bool needs_tombstone(uint64_t sv, uint64_t body) const;

 private:
  std::vector<uint64_t> bodies_;
  bool active_ = false;
};

// A run of whole bodies, sorted and without repeated (body, block, sv).
struct Batch {
  uint64_t seq = 0;
  std::vector<IndexRecord> records;
  uint64_t first_body = 0, last_body = 0, bodies = 0;
};

struct BuildCounts {
  uint64_t indexes = 0, tombstones = 0;
};

// The serialized LabelIndices (labelops.proto) of one body (`rows`: all of that body's records) and
// its tombstones, appended to `out`. Written straight from the sorted rows in protobuf's wire format
// (a LabelIndices is a concatenation of its LabelIndex fields, so bodies append): building the
// generated classes' maps costs several times more than the rest of the stage. The tests parse the
// result with libprotobuf.
void append_body(std::string& out, std::span<const IndexRecord> rows, const IndexMeta& meta, const TombstoneRule& rule,
                 BuildCounts& counts);
// A whole batch: a serialized LabelIndices.
std::string build_batch(const Batch& batch, const IndexMeta& meta, const TombstoneRule& rule, BuildCounts& counts);

// Cuts the sorted stream into batches. Bodies for which skip(body) is true (already posted by an
// earlier run) are read and dropped.
class Batcher {
 public:
  Batcher(RecordStream& stream, uint64_t batch_rows, std::function<bool(uint64_t)> skip = {});
  // The next batch, or false at the end.
  bool next(Batch& out);

  uint64_t rows_read() const { return rows_read_; }        // records taken from the stream
  uint64_t duplicates() const { return duplicates_; }      // repeated (body, block, sv) dropped
  uint64_t skipped_bodies() const { return skipped_bodies_; }
  uint64_t skipped_rows() const { return skipped_rows_.load(std::memory_order_relaxed); }  // any thread

 private:
  bool pull(IndexRecord& r);  // next deduplicated record
  RecordStream& stream_;
  uint64_t batch_rows_;
  std::function<bool(uint64_t)> skip_;
  IndexRecord pending_{};
  bool have_pending_ = false, stream_done_ = false;
  IndexRecord lookahead_{};
  bool have_lookahead_ = false;
  uint64_t seq_ = 0, rows_read_ = 0, duplicates_ = 0, skipped_bodies_ = 0;
  std::atomic<uint64_t> skipped_rows_{0};
};

}  // namespace dflow::labelindex
