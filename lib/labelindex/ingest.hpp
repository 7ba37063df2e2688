#pragma once
// ingest-label-indexes: block statistics (+ optional agglomeration mapping) -> DVID label indexes and
// mappings, on one machine with threads (flyemflows' ingest_label_indexes; spec flyemflows.md §5).
//
//   1. Load and validate the mapping (all bad rows are errors before anything is posted).
//   2. Read the statistics in chunks; map each row to (body, block key, sv, count); sort them within
//      the memory budget (record_sorter.hpp: in memory, or in run files on disk).
//   3. Merge, cut into batches of whole bodies, build LabelIndex protobufs (+ tombstones) on
//      `threads` workers and POST /indices; record each posted batch (progress_log.hpp).
//   4. POST /mappings: one MappingOp per body with all its supervoxels (identity rows included, as
//      flyemflows/neuclease post them), batches of >= batch_rows supervoxels, one at a time, each
//      recorded so that a re-run never posts it again.
#include <cstdint>
#include <filesystem>
#include <string>

#include "labelindex/label_indexes.hpp"
#include "labelindex/sink.hpp"

namespace dflow::labelindex {

enum class Operation { indexes, mappings, both };
Operation parse_operation(const std::string& s);
const char* operation_name(Operation op);

struct IngestOptions {
  std::filesystem::path stats;    // block-statistics.h5 (indexes, both)
  std::filesystem::path mapping;  // optional for indexes; required for mappings, both
  Operation operation = Operation::indexes;
  uint64_t batch_rows = 100000;   // rows (stats rows, or supervoxels for mappings) per POST
  int threads = 4;
  uint64_t memory_budget = uint64_t(2) << 30;
  std::filesystem::path work_dir;       // sort runs and the progress file
  std::string progress_name = "ingest-label-indexes.progress";
  bool dry_run = false;                 // build everything, post nothing, write no progress
  IndexMeta meta;                       // last_mutid and last_mod_* of every index and MappingOp
  double progress_interval = 10.0;      // seconds between progress lines
};

struct IngestSummary {
  uint64_t stats_rows = 0, zero_rows = 0, duplicates = 0;
  uint64_t bodies = 0, tombstones = 0, index_batches = 0, index_bytes = 0;
  uint64_t skipped_bodies = 0;  // already posted by an earlier run
  uint64_t sort_runs = 0;       // 0: sorted in memory
  uint64_t mapping_ops = 0, mapping_svs = 0, mapping_batches = 0, mapping_bytes = 0, skipped_mapping_ops = 0;
  double index_seconds = 0, mapping_seconds = 0;
};

IngestSummary run_ingest(const IngestOptions& options, Sink& sink);

// The command line (apps/ingest-label-indexes.cpp); returns the exit status.
int ingest_label_indexes_main(int argc, char** argv);

}  // namespace dflow::labelindex
