#pragma once
// A rank's pool of posting threads: each thread owns a dvid::Client and turns jobs (a run of blocks of
// one scale of a brick) into one request: copy each 64^3 block out of the brick array, skip all-zero
// ones (unless told otherwise), encode (DVID label block), gzip, append to a block stream, POST.
// Several requests are in flight at once, which is what DVID's /ingest-supervoxels is made for.
//
// Errors: the first failure is kept with its context (brick, scale, block range, URL); later jobs are
// dropped and wait() rethrows it.
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "core/array.hpp"
#include "core/bounded_queue.hpp"
#include "dvid/client.hpp"
#include "ingest/ingest.hpp"

namespace dflow::ingest {

struct PosterOptions {
  std::string server, uuid, instance;
  int threads = 4;
  dvid::RetryPolicy retry;
  bool write_empty_blocks = false;
  bool dont_overwrite_identical = false;
  int gzip_level = 6;
  bool throttle = false;
};

struct PostJob {
  std::shared_ptr<const Array3<uint64_t>> array;  // voxels of `scale`, block-aligned box
  int scale = 0;
  std::vector<Vec3> blocks;   // block coordinates at `scale`, inside array->box()
  bool via_blocks = false;    // POST /blocks?noindexing=true (extent-setting corner blocks), always written
  std::string where;          // "brick 12 [[..],[..]]", for error messages
};

class BlockPoster {
 public:
  explicit BlockPoster(PosterOptions options);
  ~BlockPoster();
  BlockPoster(const BlockPoster&) = delete;
  BlockPoster& operator=(const BlockPoster&) = delete;

  // Queues a job; blocks while 2 * threads jobs are already waiting (bounds memory).
  void submit(PostJob job);
  // Waits until every submitted job is done; returns the counts since the last wait() and rethrows
  // the first failure.
  std::vector<ScaleCounts> wait();

 private:
  void worker();
  // A job left the queue: its counts and failure (if any) are kept, and wait() learns it is done.
  void job_done(const std::vector<ScaleCounts>& counts, std::string failure);
  void run_job(dvid::Client& client, const PostJob& job, std::vector<ScaleCounts>& counts);

  PosterOptions opt_;
  BoundedQueue<PostJob> queue_;
  std::mutex mu_;  // guards what follows
  std::condition_variable cv_idle_;
  int pending_ = 0;  // submitted and not finished
  std::string error_;
  std::vector<ScaleCounts> counts_ = std::vector<ScaleCounts>(kMaxScales);
  std::vector<std::thread> threads_;
};

// Splits `blocks` into about max(ceil(n / batch), min(n, parallel)) runs of consecutive blocks, so a
// brick keeps every thread busy even when it has fewer blocks than one batch.
std::vector<std::vector<Vec3>> split_batches(const std::vector<Vec3>& blocks, int batch, int parallel);

}  // namespace dflow::ingest
