// The target labelmap: check it (or create it) before anything is written.
#include <nlohmann/json.hpp>

#include "core/error.hpp"
#include "core/log.hpp"
#include "dvid/repo.hpp"
#include "ingest/ingest.hpp"

namespace dflow::ingest {

namespace {

std::string where(const dvid::Client& c, const OutputSettings& out) {
  return fmt::format("{}/api/node/{}/{}", c.server(), out.uuid, out.instance);
}

}  // namespace

InstanceState ensure_labelmap(dvid::Client& client, const OutputSettings& out, const Box& bbox, int pyramid_depth,
                              bool create) {
  const std::string at = where(client, out);
  const nlohmann::json repo = dvid::repo_info(client, out.uuid);
  const bool exists = repo.contains("DataInstances") && repo["DataInstances"].is_object() &&
                      repo["DataInstances"].contains(out.instance);
  InstanceState st;
  if (!exists) {
    if (!out.create_if_necessary)
      fail("{}: the labelmap does not exist (set output.create-if-necessary: true to create it)", at);
    const int level = out.max_scale >= 0 ? out.max_scale : pyramid_depth >= 0 ? pyramid_depth : choose_pyramid_depth(bbox);
    if (!create) {
      st.max_downres_level = level;
      st.created = true;
      return st;
    }
    // DVID's config getters accept only strings ("MaxDownresLevel": "3").
    dvid::create_instance(client, out.uuid, "labelmap", out.instance,
                          {{"BlockSize", "64,64,64"}, {"IndexedLabels", "true"}, {"MaxDownresLevel", std::to_string(level)}});
    log::info("ingest-supervoxels: created labelmap {} (BlockSize 64,64,64, IndexedLabels true, MaxDownresLevel {})", at,
              level);
    st.created = true;
  }
  const nlohmann::json info = dvid::instance_info(client, out.uuid, out.instance);
  const auto type = info.value("/Base/TypeName"_json_pointer, std::string());
  if (type != "labelmap") fail("{}: is a {} instance, not a labelmap", at, type.empty() ? "unknown" : type);
  const auto compression = info.value("/Base/Compression"_json_pointer, std::string());
  if (!compression.empty() && compression.find("gzip") == std::string::npos)
    fail("{}: the labelmap stores blocks with {} compression; /ingest-supervoxels needs gzip", at, compression);
  const nlohmann::json ext = info.value("Extended", nlohmann::json::object());
  const nlohmann::json bs = ext.value("BlockSize", nlohmann::json());
  if (!(bs.is_array() && bs.size() == 3 && bs[0] == kBlock && bs[1] == kBlock && bs[2] == kBlock))
    fail("{}: BlockSize is {}; this stage writes 64x64x64 blocks only", at, bs.dump());
  const nlohmann::json level = ext.value("MaxDownresLevel", nlohmann::json());
  if (!level.is_number_integer()) fail("{}: instance info has no MaxDownresLevel: {}", at, ext.dump().substr(0, 300));
  st.max_downres_level = level.get<int>();
  return st;
}

}  // namespace dflow::ingest
