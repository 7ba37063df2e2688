#include "dvid/labelmap.hpp"

#include <cstring>

#include "core/error.hpp"

namespace dflow::dvid {

Labelmap::Labelmap(Client& client, std::string uuid, std::string name)
    : client_(client), uuid_(std::move(uuid)), name_(std::move(name)) {}

std::string Labelmap::path(const std::string& endpoint) const { return "/api/node/" + uuid_ + "/" + name_ + "/" + endpoint; }

nlohmann::json Labelmap::info() { return nlohmann::json::parse(client_.get(path("info"))); }

void Labelmap::ingest_supervoxels(std::span<const std::byte> stream, int scale, bool throttle) {
  client_.post(path(fmt::format("ingest-supervoxels?scale={}{}", scale, throttle ? "&throttle=true" : "")), stream);
}

void Labelmap::post_blocks(std::span<const std::byte> stream, int scale, bool noindexing, bool throttle) {
  client_.post(path(fmt::format("blocks?scale={}{}{}", scale, noindexing ? "&noindexing=true" : "", throttle ? "&throttle=true" : "")),
               stream);
}

std::string Labelmap::specific_blocks(const std::vector<Vec3>& coords, int scale, bool supervoxels) {
  std::string list;
  for (const auto& c : coords) list += fmt::format("{}{},{},{}", list.empty() ? "" : ",", c.x, c.y, c.z);
  return client_.get(path(fmt::format("specificblocks?blocks={}&scale={}&compression=blocks{}", list, scale,
                                      supervoxels ? "&supervoxels=true" : "")));
}

Array3<uint64_t> Labelmap::raw(const Box& box, int scale, bool supervoxels) {
  // DVID v1.0.0 panics (HTTP 500, nil block in streamRawBlock) when GET /raw asks for exactly one
  // aligned block that is not stored: ask for two blocks along x instead and crop.
  const Vec3 shape = box.shape();
  const bool maybe_block = !box.empty() && shape.x == shape.y && shape.y == shape.z && shape.x % 16 == 0 &&
                           box.lo.x % shape.x == 0 && box.lo.y % shape.y == 0 && box.lo.z % shape.z == 0;
  if (maybe_block) {
    if (!block_size_) {
      const nlohmann::json bs = info().value("Extended", nlohmann::json::object()).value("BlockSize", nlohmann::json());
      block_size_ = bs.is_array() && bs.size() == 3 ? Vec3{bs[0].get<int64_t>(), bs[1].get<int64_t>(), bs[2].get<int64_t>()} : Vec3{};
    }
    if (shape == *block_size_) return raw_exact({box.lo, box.hi + Vec3{shape.x, 0, 0}}, scale, supervoxels).crop(box);
  }
  return raw_exact(box, scale, supervoxels);
}

Array3<uint64_t> Labelmap::raw_exact(const Box& box, int scale, bool supervoxels) {
  const Vec3 s = box.shape();
  const std::string body = client_.get(path(fmt::format("raw/0_1_2/{}_{}_{}/{}_{}_{}?scale={}{}", s.x, s.y, s.z, box.lo.x,
                                                        box.lo.y, box.lo.z, scale, supervoxels ? "&supervoxels=true" : "")));
  Array3<uint64_t> out(box);
  if (body.size() != out.size() * 8)
    fail("DVID GET {}: expected {} bytes of voxels for {}, got {}", path("raw"), out.size() * 8, box, body.size());
  std::memcpy(out.data(), body.data(), body.size());
  return out;
}

void Labelmap::post_extents(const Box& box) {
  const nlohmann::json j = {{"MinPoint", {box.lo.x, box.lo.y, box.lo.z}}, {"MaxPoint", {box.hi.x - 1, box.hi.y - 1, box.hi.z - 1}}};
  client_.post(path("extents"), j.dump());
}

void Labelmap::post_indices(const dvidpb::LabelIndices& indices) {
  std::string wire;
  if (!indices.SerializeToString(&wire)) fail("label indices: protobuf serialization failed");
  client_.post(path("indices"), std::as_bytes(std::span(wire.data(), wire.size())));
}

void Labelmap::post_mappings(const dvidpb::MappingOps& ops) {
  std::string wire;
  if (!ops.SerializeToString(&wire)) fail("mappings: protobuf serialization failed");
  client_.post(path("mappings"), std::as_bytes(std::span(wire.data(), wire.size())));
}

std::optional<dvidpb::LabelIndex> Labelmap::index(uint64_t label) {
  const std::string p = path(fmt::format("index/{}", label));
  Response r = client_.request("GET", p);
  if (r.status == 404) return std::nullopt;
  if (r.status / 100 != 2) fail("DVID GET {}: HTTP {}: {}", client_.url(p), r.status, r.body.substr(0, 300));
  dvidpb::LabelIndex idx;
  if (!idx.ParseFromString(r.body)) fail("DVID GET {}: response is not a LabelIndex protobuf", client_.url(p));
  return idx;
}

}  // namespace dflow::dvid
