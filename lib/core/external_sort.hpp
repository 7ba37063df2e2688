#pragma once
// Sorting a table larger than memory within a budget: records are collected in one buffer; when it
// fills, it is sorted (by `threads` threads, one slice each) and written to disk as a run file. At the
// end the runs (or, if nothing was spilled, the in-memory slices) are merged into one sorted stream.
// With a total order on all fields the stream is identical whatever the budget.
//
// Record: trivially copyable, ordered by operator< (e.g. labelindex::IndexRecord, cleave::EdgeRecord).
#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <memory>
#include <span>
#include <type_traits>
#include <vector>

#include <fmt/format.h>

#include "core/error.hpp"
#include "core/log.hpp"
#include "core/parallel.hpp"

namespace dflow {

template <typename Record>
class SortedStream {
 public:
  virtual ~SortedStream() = default;
  // The next record in sorted order; false at the end.
  virtual bool next(Record& out) = 0;
};

namespace external_sort_detail {

// A sorted source for the k-way merge: a slice of memory or a run file read through a buffer.
template <typename Record>
class Cursor {
 public:
  virtual ~Cursor() = default;
  // Pointer to the current record, or nullptr when exhausted.
  const Record* current() const { return pos_ < end_ ? pos_ : nullptr; }
  void advance() {
    if (++pos_ == end_) refill();
  }

 protected:
  virtual void refill() {}
  const Record* pos_ = nullptr;
  const Record* end_ = nullptr;
};

template <typename Record>
class MemoryCursor : public Cursor<Record> {
 public:
  MemoryCursor(const Record* b, const Record* e) { this->pos_ = b, this->end_ = e; }
};

template <typename Record>
class FileCursor : public Cursor<Record> {
 public:
  FileCursor(const std::filesystem::path& path, size_t buffer_records)
      : path_(path), buf_(std::max<size_t>(buffer_records, 1024)) {
    f_ = std::fopen(path.c_str(), "rb");
    if (!f_) fail("{}: cannot open sort run: {}", path.string(), std::strerror(errno));
    refill();
  }
  ~FileCursor() override {
    if (f_) std::fclose(f_);
  }

 protected:
  void refill() override {
    const size_t got = std::fread(buf_.data(), sizeof(Record), buf_.size(), f_);
    if (got == 0 && std::ferror(f_)) fail("{}: cannot read sort run: {}", path_.string(), std::strerror(errno));
    this->pos_ = buf_.data();
    this->end_ = buf_.data() + got;
  }

 private:
  std::filesystem::path path_;
  std::vector<Record> buf_;
  std::FILE* f_ = nullptr;
};

// Merges cursors with a binary heap of their current records.
template <typename Record>
class MergeStream : public SortedStream<Record> {
 public:
  explicit MergeStream(std::vector<std::unique_ptr<Cursor<Record>>> cursors) : cursors_(std::move(cursors)) {
    for (size_t i = 0; i < cursors_.size(); ++i)
      if (cursors_[i]->current()) heap_.push_back(i);
    std::make_heap(heap_.begin(), heap_.end(), greater());
  }
  bool next(Record& out) override {
    if (heap_.empty()) return false;
    std::pop_heap(heap_.begin(), heap_.end(), greater());
    Cursor<Record>& c = *cursors_[heap_.back()];
    out = *c.current();
    c.advance();
    if (c.current())
      std::push_heap(heap_.begin(), heap_.end(), greater());
    else
      heap_.pop_back();
    return true;
  }

 private:
  struct Greater {
    const std::vector<std::unique_ptr<Cursor<Record>>>* c;
    bool operator()(size_t a, size_t b) const { return *(*c)[b]->current() < *(*c)[a]->current(); }
  };
  Greater greater() const { return Greater{&cursors_}; }
  std::vector<std::unique_ptr<Cursor<Record>>> cursors_;
  std::vector<size_t> heap_;
};

}  // namespace external_sort_detail

template <typename Record>
class ExternalSorter {
  static_assert(std::is_trivially_copyable_v<Record>, "records are written to run files as raw bytes");

 public:
  // buffer_bytes: the in-memory buffer (spilled to run files under `temp_dir` when full; the
  // directory is created on the first spill and removed, with its runs, by the destructor).
  // expected_records: the input size if known, so the buffer is allocated once (growing a vector
  // would briefly need 1.5x the budget).
  ExternalSorter(uint64_t buffer_bytes, std::filesystem::path temp_dir, int threads, uint64_t expected_records = 0)
      : capacity_(std::max<uint64_t>(buffer_bytes / sizeof(Record), 1024)), expected_(expected_records),
        temp_dir_(std::move(temp_dir)), threads_(std::max(threads, 1)) {}
  ~ExternalSorter() {
    std::error_code ec;
    for (const auto& r : runs_) std::filesystem::remove(r, ec);
    if (made_temp_dir_) std::filesystem::remove(temp_dir_, ec);  // only if empty: never delete what we did not make
  }
  ExternalSorter(const ExternalSorter&) = delete;
  ExternalSorter& operator=(const ExternalSorter&) = delete;

  void add(std::span<const Record> records) {
    while (!records.empty()) {
      if (buffer_.capacity() == 0)
        buffer_.reserve(std::min<uint64_t>(capacity_, std::max<uint64_t>({records.size(), expected_, 1 << 16})));
      const size_t room = capacity_ - buffer_.size();
      const size_t take = std::min(room, records.size());
      // Grow geometrically but never beyond the budget.
      if (buffer_.size() + take > buffer_.capacity())
        buffer_.reserve(std::min<uint64_t>(capacity_, std::max<uint64_t>(buffer_.capacity() * 2, buffer_.size() + take)));
      buffer_.insert(buffer_.end(), records.begin(), records.begin() + take);
      records = records.subspan(take);
      total_ += take;
      if (buffer_.size() == capacity_) spill();
    }
  }
  void add(const Record& r) { add(std::span<const Record>(&r, 1)); }

  // Ends the input. The stream reads from this sorter, which must outlive it. `merge_buffer_bytes`
  // is shared by the run files' read buffers.
  std::unique_ptr<SortedStream<Record>> finish(uint64_t merge_buffer_bytes) {
    using namespace external_sort_detail;
    std::vector<std::unique_ptr<Cursor<Record>>> cursors;
    if (runs_.empty()) {
      sort_buffer();
      for (size_t k = 0; k + 1 < slices_.size(); ++k)
        cursors.push_back(std::make_unique<MemoryCursor<Record>>(buffer_.data() + slices_[k], buffer_.data() + slices_[k + 1]));
      return std::make_unique<MergeStream<Record>>(std::move(cursors));
    }
    spill();
    std::vector<Record>().swap(buffer_);  // the merge needs only the read buffers
    const size_t per_run = merge_buffer_bytes / sizeof(Record) / runs_.size();
    for (const auto& r : runs_) cursors.push_back(std::make_unique<FileCursor<Record>>(r, per_run));
    return std::make_unique<MergeStream<Record>>(std::move(cursors));
  }

  uint64_t records() const { return total_; }
  size_t runs() const { return run_count_.load(std::memory_order_relaxed); }  // any thread
  const std::filesystem::path& temp_dir() const { return temp_dir_; }

 private:
  void sort_buffer() {  // sorts buffer_ in `threads_` slices; slice bounds in slices_
    const size_t n = buffer_.size();
    const size_t parts = std::max<size_t>(1, std::min<size_t>(threads_, n / 4096 + 1));
    slices_.clear();
    for (size_t k = 0; k <= parts; ++k) slices_.push_back(n * k / parts);
    parallel_ranges(parts, int(parts), [&](size_t b, size_t e, int) {
      for (size_t k = b; k < e; ++k) std::sort(buffer_.begin() + slices_[k], buffer_.begin() + slices_[k + 1]);
    });
  }

  void spill() {
    using namespace external_sort_detail;
    if (buffer_.empty()) return;
    sort_buffer();
    if (!made_temp_dir_) {
      std::error_code ec;
      std::filesystem::create_directories(temp_dir_, ec);
      if (ec) fail("{}: cannot create the directory for sort runs: {}", temp_dir_.string(), ec.message());
      made_temp_dir_ = true;
    }
    const std::filesystem::path path = temp_dir_ / fmt::format("run-{:05d}.bin", runs_.size());
    std::FILE* f = std::fopen(path.c_str(), "wb");
    if (!f) fail("{}: cannot create sort run: {}", path.string(), std::strerror(errno));
    runs_.push_back(path);
    run_count_ = runs_.size();
    std::vector<std::unique_ptr<Cursor<Record>>> cursors;
    for (size_t k = 0; k + 1 < slices_.size(); ++k)
      cursors.push_back(std::make_unique<MemoryCursor<Record>>(buffer_.data() + slices_[k], buffer_.data() + slices_[k + 1]));
    MergeStream<Record> merged(std::move(cursors));
    std::vector<Record> out;
    out.reserve(1 << 16);
    Record r;
    bool ok = true;
    auto flush = [&] {
      ok = ok && std::fwrite(out.data(), sizeof(Record), out.size(), f) == out.size();
      out.clear();
    };
    while (merged.next(r)) {
      out.push_back(r);
      if (out.size() == out.capacity()) flush();
    }
    flush();
    ok = (std::fclose(f) == 0) && ok;
    if (!ok) fail("{}: cannot write sort run ({} records): {}", path.string(), buffer_.size(), std::strerror(errno));
    log::info("sorted and spilled {} records to {}", buffer_.size(), path.string());
    buffer_.clear();  // keep the allocation for the next run
  }

  uint64_t capacity_;  // records
  uint64_t expected_;
  std::filesystem::path temp_dir_;
  int threads_;
  bool made_temp_dir_ = false;
  std::vector<Record> buffer_;
  std::vector<size_t> slices_;  // slice k = [slices_[k], slices_[k+1])
  std::vector<std::filesystem::path> runs_;
  std::atomic<size_t> run_count_{0};
  uint64_t total_ = 0;
};

}  // namespace dflow
