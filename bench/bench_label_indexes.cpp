// bench_label_indexes: the label-index construction of ingest-label-indexes WITHOUT posting, for
// bench/bench_label_indexes.py.
//   bench_label_indexes STATS_H5 MAPPING|- OUT_DIR BATCH_ROWS THREADS
// Runs the stage's own code (lib/labelindex run_ingest) with a sink that writes every serialized
// LabelIndices batch to OUT_DIR/batch-NNNNNN.pb (the exact bodies the program would POST), and prints
// one JSON line: {"seconds": s, "rows": n, "bodies": n, "tombstones": n, "batches": n, "bytes": n}.
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include <fmt/format.h>

#include "core/log.hpp"
#include "labelindex/ingest.hpp"

using namespace dflow;
namespace fs = std::filesystem;

namespace {

class DumpSink : public labelindex::Sink {
 public:
  explicit DumpSink(fs::path dir) : dir_(std::move(dir)) {}
  void post_indices(int, const std::string& wire, size_t) override {
    const uint64_t n = next_++;
    std::ofstream(dir_ / fmt::format("batch-{:06d}.pb", n), std::ios::binary).write(wire.data(), std::streamsize(wire.size()));
  }
  void post_mappings(int, const std::string&, size_t) override {}

 private:
  fs::path dir_;
  std::atomic<uint64_t> next_{0};
};

}  // namespace

int main(int argc, char** argv) {
  if (argc != 6) {
    std::fprintf(stderr, "usage: %s STATS_H5 MAPPING|- OUT_DIR BATCH_ROWS THREADS\n", argv[0]);
    return 2;
  }
  try {
    log::set_source("bench_label_indexes");
    labelindex::IngestOptions o;
    o.stats = argv[1];
    if (std::string(argv[2]) != "-") o.mapping = argv[2];
    const fs::path out = argv[3];
    fs::create_directories(out);
    o.batch_rows = std::stoull(argv[4]);
    o.threads = std::stoi(argv[5]);
    o.operation = labelindex::Operation::indexes;
    o.work_dir = out;
    o.dry_run = true;  // no progress file
    // The program's metadata ($USER, RFC 3339 time of the same length), so the bodies have its sizes.
    const char* user = std::getenv("USER");
    o.meta = {.last_mutid = 1, .user = user && *user ? user : "unknown", .time = "2026-11-25T00:00:00Z", .app = "dvidflow"};
    DumpSink sink(out);
    const auto t0 = std::chrono::steady_clock::now();
    const auto sum = labelindex::run_ingest(o, sink);
    const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    std::printf("{\"seconds\": %.3f, \"rows\": %llu, \"bodies\": %llu, \"tombstones\": %llu, \"batches\": %llu, \"bytes\": %llu}\n", s,
                (unsigned long long)sum.stats_rows, (unsigned long long)sum.bodies, (unsigned long long)sum.tombstones,
                (unsigned long long)sum.index_batches, (unsigned long long)sum.index_bytes);
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bench_label_indexes: %s\n", e.what());
    return 1;
  }
}
