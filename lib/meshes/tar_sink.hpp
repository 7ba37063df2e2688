#pragma once
// Where finished meshes go: tarballs of `<sv>.<ext>` members of bounded size, POSTed to a
// tarsupervoxels instance's /load or written to a directory as `meshes-<first sv>.tar` (unique: a
// supervoxel is stored once, so no two tars start with the same one, even across resumed runs); or,
// as flyemflows' `keyvalue` output, keys `<id>.<ext>` POSTed in batches of bounded size to a keyvalue
// instance's /keyvalues (how body meshes made from the voxels reach neuroglancer's `<labelmap>_meshes`).
// One tar is stored in the background while the caller builds the next one's meshes; after a tar is
// stored, its supervoxels are journaled (mpi::Journal::record_many), never before.
//
// Test hook: with DFLOW_FAIL_AFTER_TARS=N in the environment, a rank that has stored N tars throws
// instead of storing the next one (simulates a crash in the upload phase; the tests resume from it).
#include <cstdint>
#include <filesystem>
#include <future>
#include <memory>
#include <string>
#include <vector>

#include "archive/tar.hpp"
#include "dvid/client.hpp"
#include "mpi/journal.hpp"

namespace dflow::meshes {

struct TarTarget {
  std::string server, uuid, instance;  // tarsupervoxels
  std::filesystem::path directory;     // or this directory
  bool keyvalue = false;               // or: `instance` is a keyvalue instance
  dvid::RetryPolicy retry;
  std::string describe() const;
};

struct SinkCounts {
  uint64_t tars = 0, meshes = 0, bytes = 0, empty_meshes = 0;
  double store_seconds = 0;  // wall time of the POSTs (or file writes), in the background thread
};

class TarSink {
 public:
  TarSink(TarTarget target, std::string extension, size_t max_tar_bytes, mpi::Journal& journal);
  ~TarSink();  // waits for a store in flight (errors are only reported by finish())
  TarSink(const TarSink&) = delete;
  TarSink& operator=(const TarSink&) = delete;

  // Adds one mesh (0 bytes for an object without surface, as vol2mesh); may start storing a tar.
  void add(uint64_t sv, const std::string& bytes);
  // Stores what is pending and waits for every store; rethrows the first failure.
  void finish();
  const SinkCounts& counts() const { return counts_; }

 private:
  void start_store();
  void wait();
  TarTarget target_;
  std::string ext_;
  size_t max_bytes_;
  mpi::Journal& journal_;
  tar::Writer writer_;
  std::vector<std::pair<std::string, std::string>> kv_batch_;  // keyvalue mode
  size_t kv_bytes_ = 0;
  std::vector<uint64_t> pending_;
  std::future<void> in_flight_;
  // One keep-alive connection for all uploads; used by one store at a time (they never overlap).
  std::unique_ptr<dvid::Client> client_;
  SinkCounts counts_;
  int64_t fail_after_ = -1;
};

}  // namespace dflow::meshes
