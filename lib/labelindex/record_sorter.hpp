#pragma once
// Sorting the label-index table within a memory budget: records are collected in one buffer; when it
// fills, it is sorted (by `threads` threads, one slice each) and written to disk as a run file. At the
// end the runs (or, if nothing was spilled, the in-memory slices) are merged into one sorted stream.
// The order is a total order on all fields, so the stream is identical whatever the budget.
#include <atomic>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <span>
#include <vector>

#include "labelindex/record.hpp"

namespace dflow::labelindex {

class RecordStream {
 public:
  virtual ~RecordStream() = default;
  // The next record in sorted order; false at the end.
  virtual bool next(IndexRecord& out) = 0;
};

class RecordSorter {
 public:
  // buffer_bytes: the in-memory buffer (spilled to run files under `temp_dir` when full; the
  // directory is created on the first spill and removed, with its runs, by the destructor).
  // expected_records: the input size if known, so the buffer is allocated once (growing a vector
  // would briefly need 1.5x the budget).
  RecordSorter(uint64_t buffer_bytes, std::filesystem::path temp_dir, int threads, uint64_t expected_records = 0);
  ~RecordSorter();
  RecordSorter(const RecordSorter&) = delete;
  RecordSorter& operator=(const RecordSorter&) = delete;

  void add(std::span<const IndexRecord> records);
  // Ends the input. The stream reads from this sorter, which must outlive it. `merge_buffer_bytes`
  // is shared by the run files' read buffers.
  std::unique_ptr<RecordStream> finish(uint64_t merge_buffer_bytes);

  uint64_t records() const { return total_; }
  size_t runs() const { return run_count_.load(std::memory_order_relaxed); }  // any thread
  const std::filesystem::path& temp_dir() const { return temp_dir_; }

 private:
  void sort_buffer();  // sorts buffer_ in `threads_` slices; slice bounds in slices_
  void spill();

  uint64_t capacity_;  // records
  uint64_t expected_;
  std::filesystem::path temp_dir_;
  int threads_;
  bool made_temp_dir_ = false;
  std::vector<IndexRecord> buffer_;
  std::vector<size_t> slices_;  // slice k = [slices_[k], slices_[k+1])
  std::vector<std::filesystem::path> runs_;
  std::atomic<size_t> run_count_{0};
  uint64_t total_ = 0;
};

}  // namespace dflow::labelindex
