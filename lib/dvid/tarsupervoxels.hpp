#pragma once
// The tarsupervoxels endpoints the pipeline uses (DVID datatype/tarsupervoxels, v1.0.0). What we
// rely on, from DVID's help text and the code behind it:
//
//   POST /api/node/<UUID>/<data>/load
//       Bulk load: the body is a tar archive; each member is named `<supervoxel>.<ext>` (parsed as
//       "%d.%s"), <ext> must equal the instance's Extension, supervoxel 0 is refused. Members are
//       stored in order; an error stops at the failing member (earlier ones stay stored).
//   GET|POST|DELETE /api/node/<UUID>/<data>/supervoxel/<id>
//       One supervoxel's blob (GET: 404 "Supervoxel N not found" if none). Measured with v1.0.0 on
//       badger: a 0-byte blob (vol2mesh's empty mesh) reads back as absent -- GET 404 and `<sv>.missing`
//       in /tarfile -- although /exists and /missing count it as stored (tests/meshes).
//   GET /api/node/<UUID>/<data>/tarfile/<body>
//       A tar of `<sv>.<ext>` for every supervoxel of the body (resolved through the synced labelmap
//       at the given version), plus an empty `<sv>.missing` for each supervoxel without data. Member
//       order is unspecified. 400 if the body has no supervoxels or the instance is not synced.
//   GET /api/node/<UUID>/<data>/missing/<body>
//       JSON array of the body's supervoxels without data ("[]" if none).
//   GET /api/node/<UUID>/<data>/exists   (JSON list of supervoxels in the GET body)
//       JSON array of booleans, one per supervoxel.
//
// Creation needs the `Extension` setting (dvid-setup creates the instance) and a sync to a labelmap
// for /tarfile and /missing. The data are stored at the repo's ROOT version whatever UUID is used
// (getRootContext), so writing through a child node writes for every version.
#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "dvid/client.hpp"

namespace dflow::dvid {

class Tarsupervoxels {
 public:
  Tarsupervoxels(Client& client, std::string uuid, std::string name);
  const std::string& name() const { return name_; }
  std::string path(const std::string& endpoint) const;  // "/api/node/<uuid>/<name>/<endpoint>"

  // The instance's info JSON, or nullopt if the node has no instance of that name.
  std::optional<nlohmann::json> info_if_exists();
  // Extended.Extension of the instance (throws naming the URL if it has none).
  std::string extension();

  // POST /load with a finished tar archive (lib/archive/tar.hpp); retried by the client's policy
  // (loading is idempotent: the same members overwrite themselves).
  void load(std::span<const std::byte> tar_archive);
  void post_supervoxel(uint64_t sv, std::span<const std::byte> data);
  // nullopt if DVID has no data for the supervoxel (404).
  std::optional<std::string> supervoxel(uint64_t sv);
  // The raw tar DVID returns for a body.
  std::string tarfile(uint64_t body);
  // Supervoxel -> blob from GET /tarfile/<body>; supervoxels listed as `<sv>.missing` go to *missing.
  std::map<uint64_t, std::string> tarfile_members(uint64_t body, std::vector<uint64_t>* missing = nullptr);
  std::vector<uint64_t> missing(uint64_t body);
  std::vector<bool> exists(const std::vector<uint64_t>& svs);

 private:
  Client& client_;
  std::string uuid_, name_;
};

}  // namespace dflow::dvid
