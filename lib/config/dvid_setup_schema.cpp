// workflow.yaml of the dvid-setup stage: the repo, data instances and versions a proofreading DVID needs.
#include "config/base_schema.hpp"

namespace dflow::config {

Schema dvid_setup_schema() {
  const Schema instance = Schema::object({
      required("type", Schema::string({"labelmap", "uint8blk", "keyvalue", "tarsupervoxels"}), "DVID datatype."),
      required("name", Schema::string(), "Instance name."),
      with_default("settings", Schema::string_map(), "{}",
                   "Creation settings, sent as JSON strings. labelmap: BlockSize, MaxDownresLevel, IndexedLabels, "
                   "VoxelSize, VoxelUnits, MinPoint, MaxPoint; uint8blk: BlockSize, VoxelSize, VoxelUnits, MinPoint, "
                   "MaxPoint, Background; tarsupervoxels: Extension (required); all: Compression, Checksum, Versioned."),
      with_default("tags", Schema::list(Schema::string()), "[]",
                   "\"key=value\" tags set at creation, e.g. type=meshes (DVID routes storage by them)."),
      with_default("sync", Schema::list(Schema::string()), "[]",
                   "Instances to sync with (POST .../sync); a tarsupervoxels instance needs its labelmap."),
  });
  return workflow_schema({
      required("dvid",
               Schema::object({
                   required("server", Schema::string(), "DVID server, e.g. http://127.0.0.1:8000."),
                   optional("admin-token-file", Schema::string(),
                            "File holding DVID's admin token (relative to the execution directory); else "
                            "$DVID_ADMIN_TOKEN. Needed only where creating repos requires admin rights."),
               }),
               "The server."),
      with_default("repo",
                   Schema::object({
                       with_default("alias", Schema::string(), "dvidflow", "Alias of a new repo."),
                       with_default("description", Schema::string(), "\"\"", "Description of a new repo."),
                       optional("uuid", Schema::string(),
                                "Use this existing repo (node) instead of creating one; existing instances of the "
                                "same type are kept, so a failed run can be repeated with the uuid it printed."),
                   }),
                   "{}", "The repo that gets the instances."),
      with_default("instances", Schema::list(instance), "[]", "Data instances to create, in order; syncs are set after all exist."),
      optional("commit", Schema::object({required("note", Schema::string(), "Commit note.")}),
               "Commit (lock) the node after creating the instances."),
      optional("new-version", Schema::object({with_default("note", Schema::string(), "\"\"", "Note of the child version.")}),
               "Then open a child version to write into (needs commit); dvid-setup.json names it."),
  });
}

}  // namespace dflow::config
