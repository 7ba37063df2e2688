// workflow.yaml of the sv-meshes stage (flyemflows' GridMeshes/CreateMeshes into a DVID
// tarsupervoxels instance): one mesh per supervoxel, whole however many bricks it spans.
#include "config/base_schema.hpp"
#include "config/volume_schema.hpp"

namespace dflow::config {

Schema dvid_labelmap_input_schema() {
  return Schema::object({
      required("server", Schema::string(), "DVID server, e.g. `http://127.0.0.1:8000`."),
      required("uuid", Schema::string(), "Repo node (UUID or unique prefix) to read from."),
      required("segmentation-name", Schema::string(), "The labelmap instance."),
      with_default("scale", Schema::integer().at_least(0), "0",
                   "Scale to read (GET /specificblocks?scale=S&supervoxels=true); set `sv-meshes.rescale` to 2^S so "
                   "the meshes are in scale-0 units."),
  });
}

Schema sv_meshes_schema() {
  const Schema tarsv = Schema::object({
      required("server", Schema::string(), "DVID server, e.g. `http://127.0.0.1:8000`."),
      required("uuid", Schema::string(), "Repo node; tarsupervoxels stores at the repo root whatever node is named, "
                                         "but the node must be open (uncommitted) for POSTs."),
      required("instance", Schema::string(), "The tarsupervoxels instance (created by dvid-setup with its Extension "
                                             "equal to `sv-meshes.format` and synced to the labelmap)."),
  });
  const Schema kv = Schema::object({
      required("server", Schema::string(), "DVID server, e.g. `http://127.0.0.1:8000`."),
      required("uuid", Schema::string(), "Repo node (open); keyvalue data are versioned."),
      required("instance", Schema::string(), "The keyvalue instance, e.g. `segmentation_meshes` (dvid-setup, tags type=meshes)."),
  });
  return workflow_schema({
             optional("input", volume_schema(), "The supervoxel segmentation from a file format (unsigned integers)."),
             optional("dvid-input", dvid_labelmap_input_schema(), "Or the supervoxels read back from a DVID labelmap."),
             required("output",
                      Schema::object({
                          optional("tarsupervoxels", tarsv, "POST .../load tarballs into this instance."),
                          optional("directory-of-tarfiles", Schema::string(),
                                   "Or write the tarballs into this directory (relative to the execution directory), "
                                   "for a later `curl --data-binary @x.tar .../load`."),
                          optional("keyvalue", kv,
                                   "Or keys `<id>.<format>` in a keyvalue instance (POST .../keyvalues), as flyemflows' "
                                   "keyvalue output; with `sv-meshes.agglomerate` and format ngmesh, the body meshes "
                                   "neuroglancer reads from `<labelmap>_meshes`."),
                      })
                          .exactly_one_of({"tarsupervoxels", "directory-of-tarfiles", "keyvalue"}),
                      "Where the meshes go."),
             with_default(
                 "sv-meshes",
                 Schema::object({
                     with_default("brick-shape", Schema::ints(3).at_least(1), "[128,128,128]",
                                  "Shape [x,y,z] of a rank's work unit (read with a one-voxel halo)."),
                     with_default("smoothing", Schema::integer().at_least(0), "0",
                                  "Laplacian smoothing iterations (flyemflows mesh-parameters.smoothing)."),
                     with_default("decimation", Schema::number(), "1.0",
                                  "Fraction of the triangles to keep (meshoptimizer's quadric simplifier; 1 = none)."),
                     with_default("max-triangles", Schema::integer().at_least(0), "0",
                                  "Also keep at most this many triangles per supervoxel (0 = no limit)."),
                     with_default("voxel-size", Schema::list(Schema::number()).min_items(3), "[1,1,1]",
                                  "Output units per scale-0 voxel [x,y,z], e.g. [8,8,8] for nm; [1,1,1] writes "
                                  "scale-0 voxel coordinates as GridMeshes does."),
                     with_default("rescale", Schema::number(), "1",
                                  "Scale-0 voxels per meshed voxel (flyemflows rescale-before-write): 2^S when "
                                  "meshing scale S."),
                     with_default("format", Schema::string({"drc", "ngmesh", "obj"}), "drc",
                                  "Serialisation; must equal the tarsupervoxels instance's Extension."),
                     with_default("tar-mib", Schema::integer().at_least(1), "64",
                                  "Upper bound of one POST .../load body (a single larger mesh goes alone)."),
                     with_default("threads", Schema::integer().at_least(1), "2",
                                  "Threads per rank for meshing bricks and building supervoxel meshes."),
                     with_default("memory-per-rank-mib", Schema::integer().at_least(16), "2048",
                                  "Budget for the brick pieces a rank holds while it merges its supervoxels; "
                                  "more pieces are exchanged in several rounds."),
                     with_default("agglomerate", Schema::string(), "\"\"",
                                  "An `sv,body` CSV (the agglomeration's mapping): labels are mapped to bodies before "
                                  "meshing, giving one mesh per body made from the voxels (use a keyvalue output)."),
                 }),
                 "{}", "Meshing options."),
         })
      .exactly_one_of({"input", "dvid-input"});
}

Schema body_meshes_schema() {
  return workflow_schema({
      required("dvid",
               Schema::object({
                   required("server", Schema::string(), "DVID server, e.g. `http://127.0.0.1:8000`."),
                   required("uuid", Schema::string(), "Node holding the agglomeration (the mapping); must be open "
                                                      "for the keyvalue writes."),
                   required("segmentation-name", Schema::string(), "The labelmap (bodies and their supervoxels)."),
                   required("sv-meshes", Schema::string(), "The tarsupervoxels instance with the supervoxel meshes."),
                   with_default("meshes", Schema::string(), "\"\"",
                                "The keyvalue instance for body meshes; empty = `<segmentation-name>_meshes`, the "
                                "name neuroglancer's DVID source looks for (dvid-setup tags it type=meshes)."),
               }),
               "Where the supervoxel meshes are read and the body meshes written."),
      required("bodies",
               Schema::object({
                   optional("mapping", Schema::string(), "CSV `sv,body` (the agglomeration's mapping): every body in it."),
                   optional("list", Schema::list(Schema::integer().at_least(1)), "Or these body ids."),
               })
                   .exactly_one_of({"mapping", "list"}),
               "Which bodies to mesh."),
      with_default("body-meshes",
                   Schema::object({
                       with_default("decimation", Schema::number(), "0.25",
                                    "Fraction of the concatenated supervoxel triangles to keep."),
                       with_default("max-triangles", Schema::integer().at_least(0), "200000",
                                    "And at most this many per body (0 = no limit)."),
                       with_default("rescale", Schema::list(Schema::number()).min_items(3), "[1,1,1]",
                                    "Multiplies the supervoxel mesh vertices to give nm (1 when sv-meshes wrote nm, "
                                    "the voxel size when it wrote voxels)."),
                       with_default("format", Schema::string({"ngmesh", "drc"}), "ngmesh",
                                    "Key `<body>.ngmesh` (what neuroglancer's DVID source reads) or `<body>.drc`."),
                       with_default("sv-format", Schema::string({"drc", "ngmesh", "obj"}), "drc",
                                    "Format of the supervoxel meshes (the tarsupervoxels Extension)."),
                       with_default("batch-mib", Schema::integer().at_least(1), "32",
                                    "Upper bound of one POST .../keyvalues body."),
                       with_default("threads", Schema::integer().at_least(1), "2", "Threads per rank."),
                   }),
                   "{}", "Body mesh options."),
  });
}

}  // namespace dflow::config
