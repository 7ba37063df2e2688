// workflow.yaml of the export-grayscale stage (flyemflows' CopyGrayscale role): uint8 grayscale from
// any reader to a neuroglancer precomputed volume or to DVID uint8blk instances, with a pyramid.
#include "config/base_schema.hpp"
#include "config/volume_schema.hpp"

namespace dflow::config {

namespace {

Schema precomputed_output_schema() {
  return Schema::object({
      required("path", Schema::string(),
               "Output directory (`/path`, `file:///path` or `precomputed://file:///path`; relative paths: against "
               "the workflow directory) or bucket (`s3://bucket/prefix`, `gs://bucket/prefix`; see `bucket`). Created "
               "if missing; an existing `info` must match this export exactly."),
      with_default("encoding", Schema::string({"jpeg", "raw"}), "jpeg",
                   "Chunk encoding: `jpeg` (libjpeg-turbo, one grayscale image of width X and height Y*Z per chunk) "
                   "or `raw` (lossless)."),
      with_default("jpeg-quality", Schema::integer().at_least(1), "85",
                   "JPEG quality 1..100 (IJG scale), written to the info as `jpeg_quality`. 85 is CloudVolume's and "
                   "igneous' default; flyemflows (through tensorstore) gets tensorstore's 75."),
      with_default("chunk-size", Schema::ints(3).at_least(1), "[64,64,64]", "Chunk shape [x,y,z] at every scale."),
      with_default("resolution", Schema::list(Schema::number()).min_items(3), "[8,8,8]",
                   "Scale-0 voxel size [x,y,z] in nm; scale s gets resolution*2^s and key \"<x>_<y>_<z>\"."),
      with_default("sharded", Schema::boolean(), "false",
                   "Write neuroglancer_uint64_sharded_v1 shards (identity hash, igneous' parameter choice), each "
                   "shard written whole by one rank."),
      with_default("bucket", bucket_schema(), "{}",
                   "How to reach an s3:// or gs:// path (credentials: AWS_* variables or ~/.aws/credentials; "
                   "GOOGLE_OAUTH_ACCESS_TOKEN or gcloud)."),
      with_default("shard-bytes", Schema::integer(), "-1",
                   "Sharded only: the uncompressed scale-0 shard size igneous' parameter choice aims at (igneous: "
                   "3500000000), 1/8 of it at each next level so that shards nest and a rank writes the pyramid of its "
                   "shard box in one pass; -1 = memory-per-rank-mib / 2.5 (a shard box plus its encoded chunks)."),
  });
}

Schema dvid_output_schema() {
  return Schema::object({
      required("server", Schema::string(), "DVID server, e.g. `http://127.0.0.1:8000`."),
      required("uuid", Schema::string(), "Node to write to."),
      required("grayscale-name", Schema::string(),
               "uint8blk instance of scale 0; scale s is `<name>_<s>` (flyemflows' and DVID's pyramid naming)."),
      with_default("create-if-necessary", Schema::boolean(), "false",
                   "Create missing instances (BlockSize 64,64,64 and the creation settings below). Otherwise a "
                   "missing instance is an error."),
      with_default("creation-settings",
                   Schema::object({
                       with_default("compression", Schema::string({"none", "jpeg", "lz4"}), "none",
                                    "How DVID stores the blocks (`jpeg`: quality 80, lossy)."),
                       with_default("voxel-size", Schema::number(), "8.0", "Scale-0 voxel size; scale s gets 2^s times it."),
                       with_default("voxel-units", Schema::string(), "nanometers", "Unit of voxel-size."),
                       with_default("background", Schema::integer().at_least(0), "0", "Background value (0..255)."),
                   }),
                   "{}", "Settings of instances created here."),
      with_default("mutate", Schema::boolean(), "true",
                   "POST /raw with `mutate=true` (flyemflows' default: blocks may already exist)."),
  });
}

}  // namespace

Schema export_grayscale_schema() {
  return workflow_schema({
      required("input", volume_schema(), "The uint8 grayscale volume to export."),
      required("output",
               Schema::object({
                   optional("precomputed", precomputed_output_schema(), "A neuroglancer precomputed volume."),
                   optional("dvid", dvid_output_schema(), "DVID uint8blk instances, one per scale."),
               })
                   .exactly_one_of({"precomputed", "dvid"}),
               "Where to write: exactly one of `precomputed` or `dvid`."),
      required("export-grayscale",
               Schema::object({
                   required("max-pyramid-scale", Schema::integer().at_least(0),
                            "Last scale written (0..10): scales 1.. are 2x2x2 block means (uint16 sum, floor "
                            "division by 8) of the scale below, voxels outside the volume counting as 0."),
                   with_default("memory-per-rank-mib", Schema::integer().at_least(16), "1024",
                                "Memory budget per rank: bricks carry as many pyramid levels as fit (see --dry-run)."),
               }),
               "Export options."),
  });
}

}  // namespace dflow::config
