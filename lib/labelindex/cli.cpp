// The ingest-label-indexes command line.
#include <cmath>
#include <cstdlib>
#include <iostream>
#include <thread>

#include "core/cli_values.hpp"
#include "core/error.hpp"
#include "core/log.hpp"
#include "dvid/client.hpp"
#include "labelindex/dvid_target.hpp"
#include "labelindex/ingest.hpp"

namespace dflow::labelindex {
namespace {

constexpr const char* kHelp = R"(usage: ingest-label-indexes --server URL --uuid UUID --instance NAME
                            [--stats block-statistics.h5] [--mapping FILE] [options]

Builds DVID label indexes from block statistics (and an optional agglomeration mapping) and posts
them to a labelmap instance (POST /indices), and/or posts the mapping (POST /mappings). The
single-machine counterpart of flyemflows' ingest_label_indexes.

  --server URL          DVID server, e.g. http://127.0.0.1:8000
  --uuid UUID           version node to write to (must be uncommitted; mappings need a node that
                        is not the one the supervoxels were committed in, e.g. a child version)
  --instance NAME       labelmap instance (64x64x64 blocks)
  --stats FILE          block-statistics.h5 (dataset 'stats': segment_id <u8, z,y,x <i4, count <u4)
  --mapping FILE        agglomeration, supervoxel -> body: CSV 'sv,body' (header line optional) or
                        .npy ((N,2) uint64, or structured with fields segment_id, body_id).
                        Supervoxels not listed are their own bodies. Bad rows (not a number, sv 0,
                        body 0, one sv mapped to two bodies) stop the run before anything is posted.
  --operation OP        indexes (default), mappings, or both (indexes first, then mappings)
  --batch-size N        rows per POST: statistics rows for /indices, supervoxels for /mappings;
                        bodies are never split across POSTs (default 100000)
  --threads N           threads building and posting label indexes (default: cores, at most 8)
  --last-mutid N        mutation id stored in every index and mapping op (default: the repo's
                        MutationID)
  --memory-budget SIZE  memory for sorting the table, e.g. 512M, 2G (default 2G); larger tables are
                        sorted on disk in run files under --work-dir (28 bytes per row)
  --work-dir DIR        sort runs and the progress file (default: the statistics file's directory,
                        else the current directory)
  --dry-run             read, validate, sort and build everything, post nothing
  --help                this text

Label indexes: one per body with every supervoxel's voxel count per 64^3 block; with a mapping,
an empty index (a "tombstone", which deletes DVID's index) for every supervoxel merged into another
body whose id is not itself a body id in the statistics. A repeated (block, supervoxel) row keeps
its largest count (as flyemflows), with a warning.

Resume: every posted batch is recorded in <work-dir>/ingest-label-indexes-<uuid>-<instance>.progress.
A re-run with the same inputs skips what is recorded. Mapping batches are never posted twice (DVID
appends each POST /mappings to its log); label indexes are replaced by DVID, so re-posting them is safe.

Progress lines (rows/s, bodies/s, ETA) every 10 s. last_mod_user is $USER, last_mod_app "dvidflow".
)";

}  // namespace

int ingest_label_indexes_main(int argc, char** argv) {
  log::set_source("ingest-label-indexes");
  try {
    IngestOptions o;
    o.threads = int(std::clamp<unsigned>(std::thread::hardware_concurrency(), 1, 8));
    std::string server, uuid, instance;
    std::optional<uint64_t> last_mutid;
    OptionCursor cur(argc, argv);
    while (cur.next()) {
      const std::string a = cur.name();
      const auto value = [&] { return cur.value(); };
      if (a == "--help" || a == "-h") {
        std::cout << kHelp;
        return 0;
      } else if (a == "--server") {
        server = value();
      } else if (a == "--uuid") {
        uuid = value();
      } else if (a == "--instance") {
        instance = value();
      } else if (a == "--stats") {
        o.stats = value();
      } else if (a == "--mapping" || a == "--agglomeration-mapping") {
        o.mapping = value();
      } else if (a == "--operation") {
        o.operation = parse_operation(value());
      } else if (a == "--batch-size") {
        o.batch_rows = parse_uint_option(a, value());
        if (o.batch_rows == 0) fail("--batch-size must be positive");
      } else if (a == "--threads") {
        o.threads = int(std::clamp<uint64_t>(parse_uint_option(a, value()), 1, 256));
      } else if (a == "--last-mutid") {
        last_mutid = parse_uint_option(a, value());
      } else if (a == "--memory-budget") {
        o.memory_budget = parse_size_option(a, value());
      } else if (a == "--work-dir") {
        o.work_dir = value();
      } else if (a == "--dry-run") {
        o.dry_run = true;
      } else {
        fail("unknown argument {} (see --help)", a);
      }
    }
    if (!o.dry_run && (server.empty() || uuid.empty() || instance.empty()))
      fail("--server, --uuid and --instance are required (see --help)");
    if (o.work_dir.empty()) o.work_dir = o.stats.empty() ? std::filesystem::current_path() : std::filesystem::absolute(o.stats).parent_path();
    o.progress_name = fmt::format("ingest-label-indexes-{}-{}.progress", uuid.empty() ? "dry-run" : uuid,
                                  instance.empty() ? "labels" : instance);
    const char* user = std::getenv("USER");
    o.meta.user = user && *user ? user : "unknown";
    o.meta.time = rfc3339_now();
    o.meta.app = "dvidflow";
    const std::string query = fmt::format("u={}&app={}", o.meta.user, o.meta.app);

    std::unique_ptr<dvid::Client> client;
    if (!server.empty() && !uuid.empty() && !instance.empty()) {
      client = std::make_unique<dvid::Client>(server);
      client->set_default_query(query);
      check_target(*client, uuid, instance);
    }
    o.meta.last_mutid = last_mutid ? *last_mutid : client ? repo_mutation_id(*client, uuid) : 0;
    log::info("{} -> {} {} {}: operation {}, batch size {}, {} threads, memory budget {:.2f} GiB, last_mutid {}{}",
              o.stats.empty() ? o.mapping.string() : o.stats.string(), server.empty() ? "(no server)" : server, uuid,
              instance, operation_name(o.operation), o.batch_rows, o.threads, o.memory_budget / double(1 << 30),
              o.meta.last_mutid, o.dry_run ? ", DRY RUN" : "");

    IngestSummary sum;
    if (o.dry_run) {
      CountingSink sink;
      sum = run_ingest(o, sink);
    } else {
      DvidSink sink(server, uuid, instance, o.threads, query);
      sum = run_ingest(o, sink);
    }
    log::info("done: {} label indexes + {} tombstones, {} mapping ops ({} supervoxels){}", sum.bodies, sum.tombstones,
              sum.mapping_ops, sum.mapping_svs, o.dry_run ? " built; dry run, nothing posted" : " posted");
    return 0;
  } catch (const std::exception& e) {
    log::error("{}", e.what());
    return 1;
  }
}

}  // namespace dflow::labelindex
