#include "labelindex/record_sorter.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>

#include <fmt/format.h>

#include "core/error.hpp"
#include "core/log.hpp"
#include "labelindex/parallel.hpp"

namespace dflow::labelindex {
namespace fs = std::filesystem;
namespace {

// A sorted source for the k-way merge: a slice of memory or a run file read through a buffer.
class Cursor {
 public:
  virtual ~Cursor() = default;
  // Pointer to the current record, or nullptr when exhausted.
  const IndexRecord* current() const { return pos_ < end_ ? pos_ : nullptr; }
  void advance() {
    if (++pos_ == end_) refill();
  }

 protected:
  virtual void refill() {}
  const IndexRecord* pos_ = nullptr;
  const IndexRecord* end_ = nullptr;
};

class MemoryCursor : public Cursor {
 public:
  MemoryCursor(const IndexRecord* b, const IndexRecord* e) { pos_ = b, end_ = e; }
};

class FileCursor : public Cursor {
 public:
  FileCursor(const fs::path& path, size_t buffer_records) : path_(path), buf_(std::max<size_t>(buffer_records, 1024)) {
    f_ = std::fopen(path.c_str(), "rb");
    if (!f_) fail("{}: cannot open sort run: {}", path.string(), std::strerror(errno));
    refill();
  }
  ~FileCursor() override {
    if (f_) std::fclose(f_);
  }

 protected:
  void refill() override {
    const size_t got = std::fread(buf_.data(), sizeof(IndexRecord), buf_.size(), f_);
    if (got == 0 && std::ferror(f_)) fail("{}: cannot read sort run: {}", path_.string(), std::strerror(errno));
    pos_ = buf_.data();
    end_ = buf_.data() + got;
  }

 private:
  fs::path path_;
  std::vector<IndexRecord> buf_;
  std::FILE* f_ = nullptr;
};

// Merges cursors with a binary heap of their current records.
class MergeStream : public RecordStream {
 public:
  explicit MergeStream(std::vector<std::unique_ptr<Cursor>> cursors) : cursors_(std::move(cursors)) {
    for (size_t i = 0; i < cursors_.size(); ++i)
      if (cursors_[i]->current()) heap_.push_back(i);
    std::make_heap(heap_.begin(), heap_.end(), greater());
  }
  bool next(IndexRecord& out) override {
    if (heap_.empty()) return false;
    std::pop_heap(heap_.begin(), heap_.end(), greater());
    Cursor& c = *cursors_[heap_.back()];
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
    const std::vector<std::unique_ptr<Cursor>>* c;
    bool operator()(size_t a, size_t b) const { return *(*c)[b]->current() < *(*c)[a]->current(); }
  };
  Greater greater() const { return Greater{&cursors_}; }
  std::vector<std::unique_ptr<Cursor>> cursors_;
  std::vector<size_t> heap_;
};

}  // namespace

RecordSorter::RecordSorter(uint64_t buffer_bytes, fs::path temp_dir, int threads, uint64_t expected_records)
    : capacity_(std::max<uint64_t>(buffer_bytes / sizeof(IndexRecord), 1024)), expected_(expected_records), temp_dir_(std::move(temp_dir)),
      threads_(std::max(threads, 1)) {}

RecordSorter::~RecordSorter() {
  std::error_code ec;
  for (const auto& r : runs_) fs::remove(r, ec);
  if (made_temp_dir_) fs::remove(temp_dir_, ec);  // only if empty: never delete what we did not make
}

void RecordSorter::add(std::span<const IndexRecord> records) {
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

void RecordSorter::sort_buffer() {
  const size_t n = buffer_.size();
  const size_t parts = std::max<size_t>(1, std::min<size_t>(threads_, n / 4096 + 1));
  slices_.clear();
  for (size_t k = 0; k <= parts; ++k) slices_.push_back(n * k / parts);
  parallel_ranges(parts, int(parts), [&](size_t b, size_t e, int) {
    for (size_t k = b; k < e; ++k) std::sort(buffer_.begin() + slices_[k], buffer_.begin() + slices_[k + 1]);
  });
}

void RecordSorter::spill() {
  if (buffer_.empty()) return;
  sort_buffer();
  if (!made_temp_dir_) {
    std::error_code ec;
    fs::create_directories(temp_dir_, ec);
    if (ec) fail("{}: cannot create the directory for sort runs: {}", temp_dir_.string(), ec.message());
    made_temp_dir_ = true;
  }
  const fs::path path = temp_dir_ / fmt::format("run-{:05d}.bin", runs_.size());
  std::FILE* f = std::fopen(path.c_str(), "wb");
  if (!f) fail("{}: cannot create sort run: {}", path.string(), std::strerror(errno));
  runs_.push_back(path);
  run_count_ = runs_.size();
  std::vector<std::unique_ptr<Cursor>> cursors;
  for (size_t k = 0; k + 1 < slices_.size(); ++k)
    cursors.push_back(std::make_unique<MemoryCursor>(buffer_.data() + slices_[k], buffer_.data() + slices_[k + 1]));
  MergeStream merged(std::move(cursors));
  std::vector<IndexRecord> out;
  out.reserve(1 << 16);
  IndexRecord r;
  bool ok = true;
  auto flush = [&] {
    ok = ok && std::fwrite(out.data(), sizeof(IndexRecord), out.size(), f) == out.size();
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

std::unique_ptr<RecordStream> RecordSorter::finish(uint64_t merge_buffer_bytes) {
  std::vector<std::unique_ptr<Cursor>> cursors;
  if (runs_.empty()) {
    sort_buffer();
    for (size_t k = 0; k + 1 < slices_.size(); ++k)
      cursors.push_back(std::make_unique<MemoryCursor>(buffer_.data() + slices_[k], buffer_.data() + slices_[k + 1]));
    return std::make_unique<MergeStream>(std::move(cursors));
  }
  spill();
  std::vector<IndexRecord>().swap(buffer_);  // the merge needs only the read buffers
  const size_t per_run = merge_buffer_bytes / sizeof(IndexRecord) / runs_.size();
  for (const auto& r : runs_) cursors.push_back(std::make_unique<FileCursor>(r, per_run));
  return std::make_unique<MergeStream>(std::move(cursors));
}

}  // namespace dflow::labelindex
