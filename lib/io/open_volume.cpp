#include "io/open_volume.hpp"

#include <algorithm>

#include "config/values.hpp"
#include "config/volume_schema.hpp"
#include "core/error.hpp"
#include "io/hdf5/hdf5.hpp"
#include "io/n5/n5.hpp"
#include "io/precomputed/precomputed.hpp"
#include "io/slices/slices.hpp"
#include "io/zarr/zarr.hpp"

namespace dflow {

namespace fs = std::filesystem;

namespace {

std::string service_of(const YAML::Node& cfg) {
  for (const auto& s : config::volume_services())
    if (cfg[s]) return s;
  fail("volume config names no storage service (expected one of n5, zarr, hdf5, slice-files, precomputed)");
}

fs::path resolve(const fs::path& base_dir, const std::string& path) {
  const fs::path p(path);
  return p.is_absolute() || base_dir.empty() ? p : base_dir / p;
}

// URLs and file:// paths are left to the precomputed reader; plain relative paths resolve like every
// other path (inside "precomputed://" too).
std::string resolve_precomputed(const fs::path& base_dir, std::string path) {
  std::string prefix;
  if (path.rfind("precomputed://", 0) == 0) {
    prefix = "precomputed://";
    path = path.substr(prefix.size());
  }
  if (path.find("://") == std::string::npos) path = resolve(base_dir, path).string();
  return prefix + path;
}

void check_scale(const YAML::Node& cfg, const std::string& service, int scale) {
  const YAML::Node scales = cfg["geometry"]["available-scales"];
  std::vector<int> listed;
  if (scales)
    for (const auto& s : scales) listed.push_back(s.as<int>());
  else
    listed.push_back(0);
  if (std::find(listed.begin(), listed.end(), scale) == listed.end()) {
    std::string text;
    for (int s : listed) text += (text.empty() ? "" : ",") + std::to_string(s);
    fail("{}: scale {} is not in geometry.available-scales [{}]", service, scale, text);
  }
}

}  // namespace

kv::Options bucket_options(const YAML::Node& b) {
  kv::Options o;
  if (!b) return o;
  o.endpoint = b["endpoint"].as<std::string>();
  o.region = b["region"].as<std::string>();
  const std::string ps = b["path-style"].as<std::string>();
  if (ps != "auto") o.path_style = ps == "true";
  o.profile = b["profile"].as<std::string>();
  o.parallel_requests = b["parallel-requests"].as<int>();
  o.multipart_bytes = b["multipart-mib"].as<int64_t>() << 20;
  o.part_bytes = b["part-mib"].as<int64_t>() << 20;
  return o;
}

std::string scaled_dataset_name(const std::string& dataset, int scale) {
  std::string name = dataset;
  while (!name.empty() && name.front() == '/') name.erase(0, 1);  // "/s0" as z5py accepts it
  if (scale == 0) return name;
  if (name.empty() || name.back() != '0')
    fail("dataset \"{}\" does not end in 0, so scale {} has no name (scale s replaces the trailing 0 with s)", dataset, scale);
  return name.substr(0, name.size() - 1) + std::to_string(scale);
}

std::unique_ptr<VolumeReader> open_volume(const YAML::Node& cfg, const fs::path& base_dir, int scale) {
  const std::string service = service_of(cfg);
  const YAML::Node s = cfg[service];
  if (scale < 0) fail("{}: scale {} is negative", service, scale);
  check_scale(cfg, service, scale);

  auto dataset = [&] {
    try {
      return scaled_dataset_name(s["dataset"].as<std::string>(), scale);
    } catch (const Error& e) {
      fail("{}: {}", service, e.what());
    }
  };
  const std::string path = s["path"] ? s["path"].as<std::string>() : std::string();
  if (service == "n5" && kv::is_bucket_url(path)) return open_n5(kv::open_kvstore(path, bucket_options(s["bucket"])), dataset());
  if (service == "n5") return open_n5(resolve(base_dir, path), dataset());
  if (service == "zarr") {
    // flyemflows: the offset is in scale-0 voxels and divided by 2^s for scale s.
    const Vec3 offset = floor_div(config::as_vec3(s["global-offset"]), Vec3::fill(int64_t{1} << scale));
    const ZarrStore layout = parse_zarr_store(s["store-type"].as<std::string>());
    if (kv::is_bucket_url(path)) return open_zarr(kv::open_kvstore(path, bucket_options(s["bucket"])), dataset(), layout, offset);
    return open_zarr(resolve(base_dir, path), dataset(), layout, offset);
  }
  if (service == "precomputed")
    return open_precomputed(resolve_precomputed(base_dir, path), s["scale"].as<int>() + scale, bucket_options(s["bucket"]));

  if (scale != 0) fail("{}: only scale 0 is stored (asked for scale {})", service, scale);
  if (service == "hdf5") return open_hdf5(resolve(base_dir, s["path"].as<std::string>()), s["dataset"].as<std::string>());
  // slice-files: the pattern is a path too ("slices/z{:05d}.png").
  const YAML::Node xy = s["slice-xy-offset"];
  return open_slices(resolve(base_dir, s["slice-path-format"].as<std::string>()).string(), xy[0].as<int64_t>(),
                     xy[1].as<int64_t>());
}

Box resolve_bounding_box(const YAML::Node& cfg, const VolumeReader& reader, int scale) {
  const Box configured = config::as_box(cfg["geometry"]["bounding-box"]);
  const Box stored = reader.bounds();
  const int64_t f = int64_t{1} << scale;
  Box box;
  for (int a = 0; a < 3; ++a) {
    box.lo[a] = configured.lo[a] == -1 ? stored.lo[a] : floor_div(configured.lo[a], f);
    box.hi[a] = configured.hi[a] == -1 ? stored.hi[a] : ceil_div(configured.hi[a], f);
  }
  const std::string at_scale = scale ? fmt::format(" (at scale {})", scale) : "";
  if (box.empty())
    fail("{}: geometry.bounding-box {}{} is empty (config: {})", reader.describe(), box, at_scale, configured);
  if (!stored.contains(box))
    fail("{}: geometry.bounding-box {}{} is not inside the stored volume {}", reader.describe(), box, at_scale, stored);
  return box;
}

}  // namespace dflow
