#pragma once
// construct-cleave-table: the supervoxel edge table + the agglomeration mapping -> the cleave table
// (table.hpp) and, optionally, the same internal edges as a reference .npy (MERGE_TABLE_DTYPE).
//
//   1. Load and validate the mapping (labelindex/mapping.hpp: sv,body CSV or .npy; unmapped
//      supervoxels are their own bodies).
//   2. Read the edges chunk by chunk (merge_table.hpp; every bad row is an error naming file:line
//      before any output exists), normalise them as the reference does (id_a <= id_b with the
//      coordinates swapped along, self-loops dropped), keep the internal ones (both ends in the same
//      body) and feed them, numbered in file order, to the project's external sort
//      (core/external_sort.hpp) keyed (body, id_a, id_b, row number): in memory up to the budget,
//      in run files under the work directory beyond it.
//   3. Merge: of duplicate pairs keep the LAST row (the reference's drop_duplicates(keep='last')),
//      write the rows body by body, then the body index and the supervoxel index (sorted by a
//      second external sort). Outputs are written under temporary names and renamed at the end.
#include <cstdint>
#include <filesystem>

namespace dflow::cleave {

struct BuildOptions {
  std::filesystem::path edges;    // .npy (MERGE_TABLE_DTYPE) or .csv
  std::filesystem::path mapping;  // sv,body .csv or .npy; empty: every supervoxel is its own body
  std::filesystem::path output;   // the cleave table
  std::filesystem::path npy_output;  // optional: the internal edges as a reference .npy
  std::filesystem::path work_dir;    // sort runs (default: the output's directory)
  uint64_t memory_budget = uint64_t(2) << 30;
  int threads = 2;
  bool dry_run = false;  // read and validate everything, write nothing
};

struct BuildSummary {
  uint64_t rows = 0, self_loops = 0, inter_body = 0, duplicates = 0;
  uint64_t edges = 0, bodies = 0, svs = 0, sort_runs = 0;
  double seconds = 0;
};

BuildSummary build_cleave_table(const BuildOptions& options);

// The command line (apps/construct-cleave-table.cpp); returns the exit status.
int construct_cleave_table_main(int argc, char** argv);

}  // namespace dflow::cleave
