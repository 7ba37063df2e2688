#pragma once
// The uint8blk (grayscale) endpoints the pipeline uses (DVID datatype/imageblk): POST/GET /raw and
// POST /extents. A grayscale pyramid in DVID is one instance per scale: name, name_1, name_2, ...
// (flyemflows and DVID's ngprecomputed auto-instances use that naming).
#include <optional>
#include <span>
#include <string>

#include <nlohmann/json.hpp>

#include "core/array.hpp"
#include "dvid/client.hpp"

namespace dflow::dvid {

// "name" at scale 0, "name_<s>" above.
std::string scaled_instance_name(const std::string& name, int scale);

class Uint8blk {
 public:
  Uint8blk(Client& client, std::string uuid, std::string name);
  const std::string& name() const { return name_; }
  std::string path(const std::string& endpoint) const;  // "/api/node/<uuid>/<name>/<endpoint>"

  // The instance's info JSON, or nullopt if the node has no instance of that name.
  std::optional<nlohmann::json> info_if_exists();
  // POST /raw/0_1_2/<size>/<offset>[?mutate=true]: `voxels` (box.volume() bytes, z-major x fastest);
  // `box` must be aligned to the instance's blocks (DVID rejects unaligned writes).
  void post_raw(const Box& box, std::span<const std::byte> voxels, bool mutate);
  // GET /raw/0_1_2/<size>/<offset>.
  Array3<uint8_t> raw(const Box& box);
  // POST /extents with MinPoint = box.lo, MaxPoint = box.hi - 1 (DVID's extents are inclusive).
  void post_extents(const Box& box);

 private:
  Client& client_;
  std::string uuid_, name_;
};

}  // namespace dflow::dvid
