#include "ingest/block_poster.hpp"

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <cstring>
#include <map>
#include <tuple>

#include <unistd.h>

#include "codec/dvid_labels.hpp"
#include "codec/gzip.hpp"
#include "core/error.hpp"
#include "core/files.hpp"
#include "dvid/block_stream.hpp"
#include "dvid/labelmap.hpp"

namespace dflow::ingest {

namespace {

const Vec3 kBlockShape = Vec3::fill(kBlock);
constexpr size_t kBlockVoxels = size_t(kBlock * kBlock * kBlock);

// Copies block `coord` (block units) of `a` into out (64^3, z-major); returns true if all zero.
bool extract_block(const Array3<uint64_t>& a, const Vec3& coord, uint64_t* out) {
  const Box b{coord * kBlock, coord * kBlock + kBlockShape};
  copy_region(a.data(), a.box(), out, b, b);
  uint64_t any = 0;
  for (size_t i = 0; i < kBlockVoxels; ++i) any |= out[i];
  return any == 0;
}

struct CoordLess {
  bool operator()(const Vec3& a, const Vec3& b) const { return std::tie(a.z, a.y, a.x) < std::tie(b.z, b.y, b.x); }
};

std::string block_range(const std::vector<Vec3>& blocks) {
  if (blocks.empty()) return "no blocks";
  if (blocks.size() == 1) return fmt::format("block {}", blocks.front());
  return fmt::format("{} blocks {}..{}", blocks.size(), blocks.front(), blocks.back());
}

// Benchmark hook: with DFLOW_RECORD_POSTS=DIR, every request body is also written to
// DIR/s<scale>-<blocks|ingest>-<pid>-<n>.bin, so bench/bench_ingest.py can time DVID accepting exactly
// the bodies the pipeline sent (bench_ingest --replay DIR). Unset in production.
void record_body(const std::vector<std::byte>& stream, int scale, bool via_blocks) {
  static const char* dir = std::getenv("DFLOW_RECORD_POSTS");
  if (!dir || !*dir) return;
  static std::atomic<uint64_t> seq{0};
  write_file_atomic(fmt::format("{}/s{}-{}-{}-{}.bin", dir, scale, via_blocks ? "blocks" : "ingest", getpid(), seq++), stream);
}

}  // namespace

std::vector<std::vector<Vec3>> split_batches(const std::vector<Vec3>& blocks, int batch, int parallel) {
  std::vector<std::vector<Vec3>> out;
  const size_t n = blocks.size();
  if (n == 0) return out;
  const size_t by_size = (n + size_t(batch) - 1) / size_t(batch);
  const size_t parts = std::max(by_size, std::min(n, size_t(std::max(parallel, 1))));
  // Equal shares, the first `n % parts` one longer.
  size_t at = 0;
  for (size_t i = 0; i < parts; ++i) {
    const size_t len = n / parts + (i < n % parts ? 1 : 0);
    out.emplace_back(blocks.begin() + ptrdiff_t(at), blocks.begin() + ptrdiff_t(at + len));
    at += len;
  }
  return out;
}

BlockPoster::BlockPoster(PosterOptions options)
    : opt_(std::move(options)), queue_(2 * size_t(std::max(1, opt_.threads))) {
  const int n = std::max(1, opt_.threads);
  for (int i = 0; i < n; ++i) threads_.emplace_back([this] { worker(); });
}

BlockPoster::~BlockPoster() {
  queue_.cancel();  // after wait(), or while an exception unwinds: drop what is queued
  for (auto& t : threads_) t.join();
}

void BlockPoster::submit(PostJob job) {
  {
    std::lock_guard lock(mu_);
    if (!error_.empty()) return;  // already failed: wait() reports it
    ++pending_;
  }
  if (!queue_.push(std::move(job))) job_done({}, {});
}

std::vector<ScaleCounts> BlockPoster::wait() {
  std::unique_lock lock(mu_);
  cv_idle_.wait(lock, [&] { return pending_ == 0; });
  std::vector<ScaleCounts> out(kMaxScales);
  std::swap(out, counts_);
  if (!error_.empty()) {
    std::string e = std::move(error_);
    error_.clear();
    throw Error(e);
  }
  return out;
}

void BlockPoster::job_done(const std::vector<ScaleCounts>& counts, std::string failure) {
  std::lock_guard lock(mu_);
  for (size_t s = 0; s < counts.size(); ++s) counts_[s] += counts[s];
  if (!failure.empty() && error_.empty()) error_ = std::move(failure);
  if (--pending_ == 0) cv_idle_.notify_all();
}

void BlockPoster::worker() {
  dvid::Client client(opt_.server, opt_.retry);
  std::vector<ScaleCounts> local(kMaxScales);
  while (std::optional<PostJob> job = queue_.pop()) {
    bool failed;
    {
      std::lock_guard lock(mu_);
      failed = !error_.empty();
    }
    if (failed) {  // a job failed: drop the rest
      job_done({}, {});
      continue;
    }
    std::string failure;
    for (auto& c : local) c = {};
    try {
      run_job(client, *job, local);
    } catch (const std::exception& e) {
      failure = fmt::format("ingest-supervoxels: {}, scale {}, {}: {}", job->where, job->scale, block_range(job->blocks), e.what());
    }
    job->array.reset();  // release the brick's memory as soon as its last job is done
    job_done(local, std::move(failure));
  }
}

void BlockPoster::run_job(dvid::Client& client, const PostJob& job, std::vector<ScaleCounts>& counts) {
  ScaleCounts& c = counts.at(size_t(job.scale));
  const Array3<uint64_t>& a = *job.array;
  dvid::Labelmap lm(client, opt_.uuid, opt_.instance);
  std::vector<uint64_t> buf(kBlockVoxels);

  // dont-overwrite-identical-blocks: what DVID holds now for these blocks (one GET per job).
  std::map<Vec3, std::span<const std::byte>, CoordLess> existing;
  std::string stored;
  if (opt_.dont_overwrite_identical) {
    stored = lm.specific_blocks(job.blocks, job.scale, /*supervoxels=*/true);
    for (const auto& rec : dvid::parse_block_stream(std::as_bytes(std::span(stored.data(), stored.size()))))
      existing[rec.coord] = rec.payload;
  }

  std::vector<std::byte> stream;
  std::vector<uint64_t> old;
  uint64_t n = 0;
  for (const Vec3& coord : job.blocks) {
    const bool zero = extract_block(a, coord, buf.data());
    if (zero && !opt_.write_empty_blocks && !job.via_blocks) {
      ++c.empty_skipped;
      continue;
    }
    if (auto it = existing.find(coord); it != existing.end()) {
      const auto raw = gzip::decompress(it->second, gzip::Format::gzip);
      if (dvidlabels::block_shape(raw) == kBlockShape) {
        old.resize(kBlockVoxels);
        dvidlabels::decode_block(raw, old.data());
        if (std::memcmp(old.data(), buf.data(), kBlockVoxels * sizeof(uint64_t)) == 0) {
          ++c.identical_skipped;
          continue;
        }
      }
    }
    const auto block = dvidlabels::encode_block(buf.data(), kBlockShape);
    const auto gz = gzip::compress(block, gzip::Format::gzip, opt_.gzip_level);
    dvid::append_block_record(stream, coord, gz);
    c.bytes += gz.size();
    ++n;
  }
  if (n == 0) return;
  record_body(stream, job.scale, job.via_blocks);
  if (job.via_blocks)
    lm.post_blocks(stream, job.scale, /*noindexing=*/true, opt_.throttle);
  else
    lm.ingest_supervoxels(stream, job.scale, opt_.throttle);
  c.written += n;
  ++c.requests;
}

}  // namespace dflow::ingest
