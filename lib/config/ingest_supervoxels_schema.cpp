// workflow.yaml of the ingest-supervoxels stage (flyemflows' CopySegmentation into a DVID labelmap):
// write a uint64 segmentation and its label pyramid as DVID blocks, and the block statistics.
#include "config/base_schema.hpp"
#include "config/volume_schema.hpp"

namespace dflow::config {

Schema ingest_supervoxels_schema() {
  return workflow_schema({
      required("input", volume_schema(), "The supervoxel segmentation (unsigned integers; written as uint64)."),
      required("output",
               Schema::object({
                   required("server", Schema::string(), "DVID server, e.g. `http://127.0.0.1:8000`."),
                   required("uuid", Schema::string(), "Repo node (UUID or unique prefix) to write to; must be uncommitted."),
                   required("segmentation-name", Schema::string(), "The labelmap instance."),
                   with_default("create-if-necessary", Schema::boolean(), "false",
                                "Create the labelmap if it does not exist (BlockSize 64,64,64, IndexedLabels true, "
                                "gzip, MaxDownresLevel from `max-scale`)."),
                   with_default("throttle", Schema::boolean(), "false",
                                "Add throttle=true to block POSTs: a busy DVID answers 503 and the request is retried "
                                "with backoff (DVID v1.0.0 throttles /blocks only)."),
                   with_default("timeouts",
                                Schema::object({
                                    with_default("connect-s", Schema::integer().at_least(1), "10",
                                                 "Seconds to wait for a connection to DVID."),
                                    with_default("request-s", Schema::integer().at_least(1), "600",
                                                 "Seconds one request may take (DVID's own write timeout is 600)."),
                                    with_default("deadline-s", Schema::integer().at_least(0), "0",
                                                 "Seconds one call may take with all its retries; a DVID that stops "
                                                 "answering ends the stage within it, naming the URL. 0 = attempts x "
                                                 "request-s."),
                                    with_default("attempts", Schema::integer().at_least(1), "5",
                                                 "Tries of an idempotent request (block and index posts, reads) on a "
                                                 "timeout, a cut connection or HTTP 5xx, with exponential backoff."),
                                }),
                                "{}", "How long to wait for DVID and how often to retry."),
                   with_default("max-scale", Schema::integer().at_least(-1), "-1",
                                "MaxDownresLevel of a labelmap created here; -1 = `options.pyramid-depth` if set, "
                                "else as flyemflows: max(0, ceil(log2(longest bounding-box side / 512)))."),
               }),
               "The DVID labelmap to fill."),
      with_default(
          "options",
          Schema::object({
              with_default("pyramid-depth", Schema::integer().at_least(-1), "-1",
                           "Highest scale written; -1 = the instance's MaxDownresLevel (it may not be larger)."),
              with_default("brick-shape", Schema::ints(3).at_least(64), "[256,256,256]",
                           "Shape [x,y,z] of a rank's work unit, multiples of 64. A brick of 64*2^L per axis "
                           "computes scales 0..L itself; higher scales are made in further passes from scale L "
                           "read back from DVID."),
              with_default("write-empty-blocks", Schema::boolean(), "false",
                           "Also write all-zero blocks (inside the volume). The volume's first and last scale-0 "
                           "blocks are always written, so that DVID's extents cover the volume."),
              with_default("skip-scale-0-write", Schema::boolean(), "false",
                           "Do not write scale 0 (it is still read for the statistics and the pyramid)."),
              with_default("dont-overwrite-identical-blocks", Schema::boolean(), "false",
                           "Fetch the stored blocks first (/specificblocks) and post only those that differ."),
              with_default("concurrency", Schema::integer().at_least(1), "4",
                           "Requests in flight per rank (threads that encode, gzip and POST)."),
              with_default("batch-blocks", Schema::integer().at_least(1), "64", "Blocks per POST request."),
              with_default("gzip-level", Schema::integer().at_least(1), "6",
                           "gzip level of the posted blocks (1..12, libdeflate)."),
              with_default("block-statistics-file", Schema::string(), "block-statistics.h5",
                           "Written in the execution directory by every rank at once (flyemflows' layout); a name "
                           "ending in .csv writes the CSV only."),
              with_default("block-statistics-csv", Schema::boolean(), "false",
                           "Also write the table as CSV next to the .h5 (same name, .csv): about 45 bytes per row, "
                           "45 GB per 10^9 rows."),
          }),
          "{}", "How to ingest."),
  });
}

}  // namespace dflow::config
