#pragma once
// What an earlier run already posted, so a re-run skips it. POST /indices replaces, so re-posting an
// index is only wasted time; POST /mappings appends to DVID's mutation log (replayed at every start),
// so a mapping batch must never be posted twice. Bodies are posted in increasing id order, batch by
// batch, and every posted batch appends (and fsyncs) one line with its body range:
//   fingerprint <kind> <hex> <description of the inputs>
//   <kind> <first body> <last body> <rows>
// kind = "indexes" or "mappings". A range is only meaningful for the same inputs, hence the
// fingerprint (paths, sizes and modification times of the input files).
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <map>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

namespace dflow::labelindex {

class ProgressLog {
 public:
  // Reads `path` if it exists. read_only (dry runs): never writes.
  ProgressLog(std::filesystem::path path, bool read_only);
  ~ProgressLog();
  ProgressLog(const ProgressLog&) = delete;
  ProgressLog& operator=(const ProgressLog&) = delete;

  enum class State { fresh, resumed, different_inputs };
  // Compares the recorded fingerprint of `kind` with `fingerprint`. For `different_inputs`,
  // recorded_description() says what the earlier run used.
  State check(const std::string& kind, const std::string& fingerprint) const;
  std::string recorded_description(const std::string& kind) const;
  // Starts (or continues) recording `kind` for these inputs; forgets ranges of other inputs.
  void start(const std::string& kind, const std::string& fingerprint, const std::string& description);

  bool posted(const std::string& kind, uint64_t body) const;  // inside a recorded range?
  uint64_t batches(const std::string& kind) const;  // batch lines recorded for the current inputs
  void record(const std::string& kind, uint64_t first_body, uint64_t last_body, uint64_t rows);

  const std::filesystem::path& path() const { return path_; }

 private:
  struct Kind {
    std::string fingerprint, description;
    std::vector<std::pair<uint64_t, uint64_t>> ranges;  // disjoint, sorted
    uint64_t batches = 0;
  };
  void append_line(const std::string& line);
  std::filesystem::path path_;
  bool read_only_;
  std::map<std::string, Kind> kinds_;
  mutable std::mutex mu_;
  std::FILE* file_ = nullptr;
};

// Fingerprint of input files: FNV-1a of "path size mtime" for each (absolute paths).
std::pair<std::string, std::string> fingerprint_files(const std::vector<std::filesystem::path>& files);

}  // namespace dflow::labelindex
