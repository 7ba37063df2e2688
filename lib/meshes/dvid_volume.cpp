#include "meshes/dvid_volume.hpp"

#include <cstring>

#include <fmt/format.h>

#include "codec/dvid_labels.hpp"
#include "codec/gzip.hpp"
#include "dvid/block_stream.hpp"
#include "dvid/client.hpp"
#include "dvid/labelmap.hpp"

namespace dflow::meshes {

namespace {

constexpr int64_t kBlock = 64;
constexpr size_t kBlocksPerRequest = 256;  // keeps the URL (x,y,z of every block) within a few KiB

Vec3 vec3_of(const nlohmann::json& j, const std::string& what) {
  if (!j.is_array() || j.size() != 3) fail("{}: expected [x,y,z], got {}", what, j.dump());
  return {j[0].get<int64_t>(), j[1].get<int64_t>(), j[2].get<int64_t>()};
}

class DvidLabelmapReader final : public VolumeReader {
 public:
  DvidLabelmapReader(DvidLabelmapSource src, Box bounds) : src_(std::move(src)), bounds_(bounds) {}
  DType dtype() const override { return DType::uint64; }
  Box bounds() const override { return bounds_; }
  Vec3 chunk_shape() const override { return Vec3::fill(kBlock); }
  std::string describe() const override {
    return fmt::format("dvid:{}/api/node/{}/{} scale {}", src_.server, src_.uuid, src_.instance, src_.scale);
  }

  void read(const Box& box, std::span<std::byte> out) const override {
    check_box(box);
    if (out.size() != size_t(box.volume()) * 8) fail("{}: read buffer of {} bytes for {}", describe(), out.size(), box);
    std::memset(out.data(), 0, out.size());
    auto* dst = reinterpret_cast<uint64_t*>(out.data());
    const Box blocks{floor_div(box.lo, Vec3::fill(kBlock)), ceil_div(box.hi, Vec3::fill(kBlock))};
    std::vector<Vec3> coords;
    for (int64_t z = blocks.lo.z; z < blocks.hi.z; ++z)
      for (int64_t y = blocks.lo.y; y < blocks.hi.y; ++y)
        for (int64_t x = blocks.lo.x; x < blocks.hi.x; ++x) coords.push_back({x, y, z});
    // One client per call: readers are shared between threads, clients are not.
    dvid::Client client(src_.server);
    dvid::Labelmap lm(client, src_.uuid, src_.instance);
    std::vector<uint64_t> labels(size_t(kBlock * kBlock * kBlock));
    for (size_t i = 0; i < coords.size(); i += kBlocksPerRequest) {
      const std::vector<Vec3> part(coords.begin() + ptrdiff_t(i), coords.begin() + ptrdiff_t(std::min(coords.size(), i + kBlocksPerRequest)));
      const std::string stream = lm.specific_blocks(part, src_.scale, /*supervoxels=*/true);
      for (const dvid::BlockRecord& rec : dvid::parse_block_stream(std::as_bytes(std::span(stream.data(), stream.size())))) {
        const std::string where = fmt::format("{}: block {}", describe(), rec.coord);
        std::vector<std::byte> raw;
        try {
          raw = gzip::decompress(rec.payload);
          if (dvidlabels::block_shape(raw) != Vec3::fill(kBlock)) fail("not a 64^3 block");
          dvidlabels::decode_block(raw, labels.data());
        } catch (const Error& e) {
          fail("{}: {}", where, e.what());
        }
        const Box bbox{rec.coord * kBlock, rec.coord * kBlock + Vec3::fill(kBlock)};
        copy_region(labels.data(), bbox, dst, box, bbox.intersect(box));
      }
    }
  }

 private:
  DvidLabelmapSource src_;
  Box bounds_;
};

}  // namespace

std::unique_ptr<VolumeReader> open_dvid_labelmap(const DvidLabelmapSource& src) {
  dvid::Client client(src.server);
  dvid::Labelmap lm(client, src.uuid, src.instance);
  const std::string url = client.url(lm.path("info"));
  nlohmann::json info;
  try {
    info = lm.info();
  } catch (const Error& e) {
    fail("dvid-input: {}", e.what());
  }
  const nlohmann::json base = info.value("Base", nlohmann::json::object()), ext = info.value("Extended", nlohmann::json::object());
  if (base.value("TypeName", "") != "labelmap")
    fail("dvid-input: {}: instance \"{}\" is a {}, not a labelmap", url, src.instance, base.value("TypeName", "?"));
  if (vec3_of(ext.value("BlockSize", nlohmann::json()), url + ": BlockSize") != Vec3::fill(kBlock))
    fail("dvid-input: {}: only 64^3 blocks are supported", url);
  const int max_level = ext.value("MaxDownresLevel", 0);
  if (src.scale > max_level) fail("dvid-input: {}: scale {} is above MaxDownresLevel {}", url, src.scale, max_level);
  const Vec3 lo = vec3_of(ext.value("MinPoint", nlohmann::json()), url + ": MinPoint");
  const Vec3 hi = vec3_of(ext.value("MaxPoint", nlohmann::json()), url + ": MaxPoint") + Vec3::fill(1);
  const Vec3 f = Vec3::fill(int64_t{1} << src.scale);
  const Box bounds{floor_div(lo, f), ceil_div(hi, f)};
  if (bounds.empty()) fail("dvid-input: {}: the instance has no extents (nothing ingested?)", url);
  return std::make_unique<DvidLabelmapReader>(src, bounds);
}

}  // namespace dflow::meshes
