#pragma once
// Where serialized LabelIndices / MappingOps batches go: DVID (POST /indices, POST /mappings), or,
// for dry runs and tests, somewhere else. `worker` is the calling thread's number (0..workers-1);
// calls from different workers overlap, calls from one worker never do.
#include <atomic>
#include <memory>
#include <string>
#include <vector>

#include "dvid/client.hpp"
#include "dvid/labelmap.hpp"

namespace dflow::labelindex {

class Sink {
 public:
  virtual ~Sink() = default;
  virtual void post_indices(int worker, const std::string& wire, size_t indexes) = 0;
  virtual void post_mappings(int worker, const std::string& wire, size_t ops) = 0;
};

// Posts to a labelmap instance, one keep-alive client per worker. `query` is added to every request
// (DVID records u=<user>&app=<app> in its logs). /indices requests are retried on connection
// errors, timeouts and 5xx (they replace, so a repeat is harmless); /mappings requests are not
// (as in neuclease): a timed-out POST may have been applied, and a repeat would log it twice.
class DvidSink : public Sink {
 public:
  DvidSink(const std::string& server, const std::string& uuid, const std::string& instance, int workers, const std::string& query);
  ~DvidSink() override;
  void post_indices(int worker, const std::string& wire, size_t indexes) override;
  void post_mappings(int worker, const std::string& wire, size_t ops) override;

 private:
  std::vector<std::unique_ptr<dvid::Client>> clients_;
  std::unique_ptr<dvid::Client> mapping_client_;
  std::string indices_path_, mappings_path_;
};

// Posts nothing (dry runs): counts what would have been posted.
class CountingSink : public Sink {
 public:
  void post_indices(int, const std::string& wire, size_t) override { index_bytes += wire.size(), ++index_posts; }
  void post_mappings(int, const std::string& wire, size_t) override { mapping_bytes += wire.size(), ++mapping_posts; }
  std::atomic<uint64_t> index_bytes{0}, index_posts{0}, mapping_bytes{0}, mapping_posts{0};
};

}  // namespace dflow::labelindex
