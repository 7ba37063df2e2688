#include "dvid/uint8blk.hpp"

#include <cstring>

#include "core/error.hpp"
#include "dvid/repo.hpp"

namespace dflow::dvid {

std::string scaled_instance_name(const std::string& name, int scale) {
  return scale == 0 ? name : fmt::format("{}_{}", name, scale);
}

Uint8blk::Uint8blk(Client& client, std::string uuid, std::string name)
    : client_(client), uuid_(std::move(uuid)), name_(std::move(name)) {}

std::string Uint8blk::path(const std::string& endpoint) const { return "/api/node/" + uuid_ + "/" + name_ + "/" + endpoint; }

std::optional<nlohmann::json> Uint8blk::info_if_exists() { return instance_info_if_exists(client_, uuid_, name_); }

void Uint8blk::post_raw(const Box& box, std::span<const std::byte> voxels, bool mutate) {
  const Vec3 s = box.shape();
  if (voxels.size() != static_cast<size_t>(box.volume()))
    fail("DVID {}: POST /raw of {} needs {} bytes, got {}", name_, box, box.volume(), voxels.size());
  client_.post(path(fmt::format("raw/0_1_2/{}_{}_{}/{}_{}_{}{}", s.x, s.y, s.z, box.lo.x, box.lo.y, box.lo.z,
                                mutate ? "?mutate=true" : "")),
               voxels);
}

Array3<uint8_t> Uint8blk::raw(const Box& box) {
  const Vec3 s = box.shape();
  const std::string body =
      client_.get(path(fmt::format("raw/0_1_2/{}_{}_{}/{}_{}_{}", s.x, s.y, s.z, box.lo.x, box.lo.y, box.lo.z)));
  Array3<uint8_t> out(box);
  if (body.size() != out.size())
    fail("DVID GET {}: expected {} bytes of voxels for {}, got {}", client_.url(path("raw")), out.size(), box, body.size());
  std::memcpy(out.data(), body.data(), body.size());
  return out;
}

void Uint8blk::post_extents(const Box& box) {
  const nlohmann::json j = {{"MinPoint", {box.lo.x, box.lo.y, box.lo.z}},
                            {"MaxPoint", {box.hi.x - 1, box.hi.y - 1, box.hi.z - 1}}};
  client_.post(path("extents"), j.dump());
}

}  // namespace dflow::dvid
