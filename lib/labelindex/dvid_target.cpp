#include "labelindex/dvid_target.hpp"

#include <ctime>

#include <nlohmann/json.hpp>

#include "core/error.hpp"
#include "dvid/repo.hpp"

namespace dflow::labelindex {

void check_target(dvid::Client& client, const std::string& uuid, const std::string& instance) {
  const nlohmann::json info = dvid::instance_info(client, uuid, instance);
  const std::string type = info.value("/Base/TypeName"_json_pointer, std::string());
  if (type != "labelmap")
    fail("DVID {} node {}: instance '{}' is a {}, not a labelmap", client.server(), uuid, instance, type.empty() ? "?" : type);
  const auto bs = info.value("/Extended/BlockSize"_json_pointer, nlohmann::json());
  if (bs != nlohmann::json::array({64, 64, 64}))
    fail("DVID {} node {}: labelmap '{}' has block size {}; label indexes are built for 64x64x64 blocks", client.server(),
         uuid, instance, bs.dump());
  const nlohmann::json status = nlohmann::json::parse(client.get("/api/node/" + uuid + "/status"));
  if (status.value("Locked", false))
    fail("DVID {} node {} is committed (locked): DVID accepts label indexes and mappings only on an uncommitted node. "
         "Create a child version (POST /api/node/{}/newversion) and ingest into it.", client.server(), uuid, uuid);
}

uint64_t repo_mutation_id(dvid::Client& client, const std::string& uuid) {
  const nlohmann::json info = dvid::repo_info(client, uuid);
  if (!info.contains("MutationID") || !info["MutationID"].is_number_unsigned())
    fail("DVID {} repo {}: repo info has no MutationID; pass --last-mutid", client.server(), uuid);
  return info["MutationID"].get<uint64_t>();
}

std::string rfc3339_now() {
  const std::time_t t = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

}  // namespace dflow::labelindex
