#include "export/dvid_sink.hpp"

#include <algorithm>
#include <chrono>

#include "core/error.hpp"
#include "core/log.hpp"
#include "dvid/repo.hpp"
#include "dvid/uint8blk.hpp"

namespace dflow::exporter {

namespace {
constexpr int64_t kBlock = 64;

Vec3 json_vec3(const nlohmann::json& j) { return {j.at(0).get<int64_t>(), j.at(1).get<int64_t>(), j.at(2).get<int64_t>()}; }
}  // namespace

DvidSink::DvidSink(DvidOutput out, Box box0, int max_scale)
    : out_(std::move(out)), box0_(box0), max_scale_(max_scale), client_(std::make_unique<dvid::Client>(out_.server)) {
  client_->set_default_query("u=dvidflow&app=export-grayscale");
}

DvidSink::~DvidSink() = default;

std::string DvidSink::describe() const {
  return fmt::format("dvid:{} node {} uint8blk {}{} ({})", out_.server, out_.uuid, out_.grayscale_name,
                     max_scale_ > 0 ? fmt::format(", {}_1..{}_{}", out_.grayscale_name, out_.grayscale_name, max_scale_) : "",
                     out_.compression);
}

std::string DvidSink::signature() const {
  return fmt::format("dvid {} {} {} mutate={}", out_.server, out_.uuid, out_.grayscale_name, out_.mutate);
}

LevelGrid DvidSink::grid(int scale) const {
  return {Vec3{}, Vec3::fill(kBlock), scale_box(box0_, scale).round_out(Vec3::fill(kBlock))};
}

void DvidSink::prepare() {
  for (int s = 0; s <= max_scale_; ++s) {
    const std::string name = dvid::scaled_instance_name(out_.grayscale_name, s);
    dvid::Uint8blk inst(*client_, out_.uuid, name);
    const std::string where = fmt::format("DVID {} node {} instance \"{}\"", out_.server, out_.uuid, name);
    auto info = inst.info_if_exists();
    if (!info) {
      if (!out_.create_if_necessary)
        fail("{}: does not exist (create it, or set output.dvid.create-if-necessary: true)", where);
      const double vs = out_.voxel_size * double(int64_t{1} << s);
      dvid::create_instance(*client_, out_.uuid, "uint8blk", name,
                            {{"BlockSize", "64,64,64"},
                             {"Compression", out_.compression},
                             {"VoxelSize", fmt::format("{},{},{}", vs, vs, vs)},
                             {"VoxelUnits", fmt::format("{},{},{}", out_.voxel_units, out_.voxel_units, out_.voxel_units)},
                             {"Background", std::to_string(out_.background)}});
      log::info("export-grayscale: created {}", where);
      info = inst.info_if_exists();
      if (!info) fail("{}: not found right after creating it", where);
    }
    const std::string type = info->value("/Base/TypeName"_json_pointer, std::string());
    if (type != "uint8blk") fail("{}: is a {}, not a uint8blk", where, type.empty() ? "(unknown type)" : type);
    const auto ext = info->value("/Extended"_json_pointer, nlohmann::json::object());
    if (ext.contains("BlockSize") && json_vec3(ext["BlockSize"]) != Vec3::fill(kBlock))
      fail("{}: has blocks of {}; export-grayscale writes 64^3 blocks", where, json_vec3(ext["BlockSize"]));
    // Extents only grow (as neuclease's update_extents): other data in the instance stays covered.
    Box extents = scale_box(box0_, s);
    if (ext.contains("MinPoint") && ext.contains("MaxPoint") && ext["MinPoint"].is_array() && ext["MaxPoint"].is_array()) {
      const Box old{json_vec3(ext["MinPoint"]), json_vec3(ext["MaxPoint"]) + Vec3::fill(1)};
      extents = {vmin(old.lo, extents.lo), vmax(old.hi, extents.hi)};
    }
    inst.post_extents(extents);
  }
}

LevelStats DvidSink::write(int scale, const LevelView& level) {
  LevelStats st;
  const Box region = level.box.intersect(grid(scale).write_box);
  if (region.empty()) return st;
  dvid::Uint8blk inst(*client_, out_.uuid, dvid::scaled_instance_name(out_.grayscale_name, scale));
  // One block layer in z at a time, cut in y so a POST stays at or below kMaxPostVoxels.
  const Vec3 rs = region.shape();
  const int64_t rows = std::max<int64_t>(kBlock, (kMaxPostVoxels / (rs.x * kBlock)) / kBlock * kBlock);
  for (int64_t z = region.lo.z; z < region.hi.z; z += kBlock)
    for (int64_t y = region.lo.y; y < region.hi.y; y += rows) {
      const Box piece{{region.lo.x, y, z}, {region.hi.x, std::min(y + rows, region.hi.y), z + kBlock}};
      buf_.resize(size_t(piece.volume()));
      const auto t0 = std::chrono::steady_clock::now();
      copy_region(level.data, level.box, reinterpret_cast<uint8_t*>(buf_.data()), piece, piece);
      const auto t1 = std::chrono::steady_clock::now();
      st.encode_seconds += std::chrono::duration<double>(t1 - t0).count();
      try {
        inst.post_raw(piece, buf_, out_.mutate);
        st.store_seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - t1).count();
      } catch (const Error& e) {
        fail("DVID {} node {} instance \"{}\": POST /raw of {} failed: {}", out_.server, out_.uuid, inst.name(), piece,
             e.what());
      }
      ++st.objects;
      st.bytes += buf_.size();
    }
  return st;
}

}  // namespace dflow::exporter
