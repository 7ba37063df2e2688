#pragma once
// Resume support: which bricks of a stage are already done.
//
// Each rank appends the ids of the bricks it finished to <exec-dir>/journal/<stage>.rank<R>.txt,
// one decimal id per line, each line written with one write() and fsync'd, after the brick's result
// is safely on disk. The first line is a header naming the stage and the brick plan:
//   # dvidflow journal: <stage> <plan signature>
// At start-up rank 0 reads EVERY journal file of the stage (so resuming with a different rank count
// works), refuses files written for another plan, ignores a final line without its newline (a rank
// killed mid-write), and broadcasts the set of done ids, so all ranks agree on what is left.
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include <mpi.h>

namespace dflow::mpi {

namespace fs = std::filesystem;

// Reads all journals of `stage` under exec_dir (no MPI). Returns the done ids, sorted and unique.
// `lines_out`, if given, receives every recorded id in file order (tests check for duplicates).
std::vector<uint64_t> read_journals(const fs::path& exec_dir, const std::string& stage, const std::string& signature,
                                    std::vector<uint64_t>* lines_out = nullptr);

fs::path journal_path(const fs::path& exec_dir, const std::string& stage, int rank);

class Journal {
 public:
  // Collective: rank 0 reads and broadcasts; then each rank opens its own file for appending.
  Journal(MPI_Comm comm, const fs::path& exec_dir, std::string stage, std::string signature);
  ~Journal();
  Journal(const Journal&) = delete;
  Journal& operator=(const Journal&) = delete;

  const std::vector<uint64_t>& done() const { return done_; }  // sorted, as of start-up
  bool is_done(uint64_t id) const;
  // Appends one id and fsyncs. Call only after the brick's results are durable.
  void record(uint64_t id);
  // Appends several ids with one write() and one fsync (a unit of work that finishes many ids at
  // once, e.g. one tar upload of many supervoxel meshes).
  void record_many(const std::vector<uint64_t>& ids);

 private:
  std::vector<uint64_t> done_;
  fs::path path_;
  int fd_ = -1;
};

}  // namespace dflow::mpi
