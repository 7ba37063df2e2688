#pragma once
// The labelmap endpoints the pipeline uses (DVID datatype/labelmap/handlers.go).
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/array.hpp"
#include "dvid/client.hpp"
#include "labelops.pb.h"

namespace dflow::dvid {

class Labelmap {
 public:
  Labelmap(Client& client, std::string uuid, std::string name);
  const std::string& name() const { return name_; }
  std::string path(const std::string& endpoint) const;  // "/api/node/<uuid>/<name>/<endpoint>"

  nlohmann::json info();
  // Stores gzip'd blocks as they are: no indexing, extents or downres (retry-safe, truly parallel).
  // throttle: add &throttle=true (DVID answers 503 while it runs its maximum of throttled operations;
  // DVID v1.0.0 honours it on /blocks only).
  void ingest_supervoxels(std::span<const std::byte> stream, int scale, bool throttle = false);
  // POST /blocks: indexes additively unless noindexing (then retry-safe); updates extents at scale 0.
  void post_blocks(std::span<const std::byte> stream, int scale, bool noindexing, bool throttle = false);
  // GET /specificblocks (compression=blocks): the stored gzip'd blocks of the listed coordinates.
  std::string specific_blocks(const std::vector<Vec3>& block_coords, int scale, bool supervoxels = true);
  // GET /raw/0_1_2/...: voxels of a box at a scale.
  Array3<uint64_t> raw(const Box& box, int scale = 0, bool supervoxels = false);
  // The same request without raw()'s workaround for DVID's single-missing-block panic.
  Array3<uint64_t> raw_exact(const Box& box, int scale = 0, bool supervoxels = false);
  void post_extents(const Box& box);
  void post_indices(const dvidpb::LabelIndices& indices);
  void post_mappings(const dvidpb::MappingOps& ops);
  // GET /index/{label}; std::nullopt if DVID has none (404).
  std::optional<dvidpb::LabelIndex> index(uint64_t label);

 private:
  Client& client_;
  std::string uuid_, name_;
  std::optional<Vec3> block_size_;  // from info(), fetched when raw() needs it
};

}  // namespace dflow::dvid
