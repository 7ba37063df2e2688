// The construct-cleave-table command line.
#include <algorithm>
#include <iostream>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "cleave/build.hpp"
#include "core/cli_values.hpp"
#include "core/error.hpp"
#include "core/log.hpp"

namespace dflow::cleave {
namespace {

constexpr const char* kHelp = R"(usage: construct-cleave-table --edges FILE [--mapping FILE] --output TABLE [options]

Builds the cleave server's table: the internal edges of every body (both supervoxels in the same
body of the agglomeration), grouped by body, in a file the server memory-maps (format: see
lib/cleave/table.hpp and the README).

  --edges FILE          supervoxel edge table: .npy of the reference's MERGE_TABLE_DTYPE (id_a,
                        id_b <u8; xa,ya,za,xb,yb,zb <u4; score <f4; 44 bytes packed) or .csv with
                        the header id_a,id_b,xa,ya,za,xb,yb,zb,score (optionally ,body, ignored).
                        score is a cost: lower = more likely the same object.
  --mapping FILE        agglomeration, supervoxel -> body: CSV 'sv,body' (header optional) or .npy
                        ((N,2) uint64, or structured segment_id, body_id), as ingest-label-indexes
                        reads it. Supervoxels not listed are their own bodies.
  --output TABLE        the cleave table to write (e.g. cleave-table.bin)
  --npy FILE            also write the internal edges as a reference .npy (MERGE_TABLE_DTYPE), which
                        neuclease_cleave_server --merge-table reads
  --memory-budget SIZE  memory for sorting, e.g. 512M, 2G (default 2G); larger tables are sorted on
                        disk in run files under --work-dir (60 bytes per internal edge)
  --work-dir DIR        sort runs (default: the output's directory)
  --threads N           threads sorting in memory (default: cores, at most 8)
  --dry-run             read and validate everything, write nothing
  --help                this text

Like the reference: each edge is normalised to id_a <= id_b (coordinates swapped along), of
duplicate pairs the LAST row is kept, self-loops are dropped. Bad rows (not a number, supervoxel 0,
NaN score, wrong column count) stop the run with file:line before any output is written.
)";

}  // namespace

int construct_cleave_table_main(int argc, char** argv) {
  log::set_source("construct-cleave-table");
  try {
    BuildOptions o;
    o.threads = int(std::clamp<unsigned>(std::thread::hardware_concurrency(), 1, 8));
    OptionCursor cur(argc, argv);
    while (cur.next()) {
      const std::string a = cur.name();
      const auto value = [&] { return cur.value(); };
      if (a == "--help" || a == "-h") {
        std::cout << kHelp;
        return 0;
      } else if (a == "--edges" || a == "--merge-table") {
        o.edges = value();
      } else if (a == "--mapping" || a == "--mapping-file") {
        o.mapping = value();
      } else if (a == "--output" || a == "-o") {
        o.output = value();
      } else if (a == "--npy") {
        o.npy_output = value();
      } else if (a == "--memory-budget") {
        o.memory_budget = parse_size_option(a, value());
      } else if (a == "--work-dir") {
        o.work_dir = value();
      } else if (a == "--threads") {
        o.threads = int(std::clamp<uint64_t>(parse_uint_option(a, value()), 1, 256));
      } else if (a == "--dry-run") {
        o.dry_run = true;
      } else {
        fail("unknown argument {} (see --help)", a);
      }
    }
    if (o.edges.empty()) fail("--edges is required (see --help)");
    if (o.output.empty() && !o.dry_run) fail("--output is required (see --help)");
    if (o.output.empty()) o.output = "cleave-table.bin";
    build_cleave_table(o);
    return 0;
  } catch (const std::exception& e) {
    log::error("{}", e.what());
    return 1;
  }
}

}  // namespace dflow::cleave
