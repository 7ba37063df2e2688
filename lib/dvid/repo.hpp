#pragma once
// Server, repo and version endpoints of DVID (server/web.go): heartbeat, info, repos, instances,
// commit, new version. Instance settings are sent as JSON strings, as DVID's config getters require.
#include <map>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "dvid/client.hpp"

namespace dflow::dvid {

bool heartbeat(Client& c);
nlohmann::json server_info(Client& c);
// Returns the new repo's root UUID.
std::string create_repo(Client& c, const std::string& alias, const std::string& description);
nlohmann::json repo_info(Client& c, const std::string& uuid);
// settings: DVID creation keys ("MaxDownresLevel" -> "6"); sent as strings.
void create_instance(Client& c, const std::string& uuid, const std::string& type_name, const std::string& data_name,
                     const std::map<std::string, std::string>& settings = {});
nlohmann::json instance_info(Client& c, const std::string& uuid, const std::string& data_name);
// The instance's info, or std::nullopt if the node has no instance of that name.
std::optional<nlohmann::json> instance_info_if_exists(Client& c, const std::string& uuid, const std::string& data_name);
// Locks the node; returns the committed UUID.
std::string commit(Client& c, const std::string& uuid, const std::string& note);
// Opens a child version of a committed node; returns the child's UUID. Without `branch` the child
// is on the node's own branch (POST .../newversion): DVID allows one such child per node and answers
// a second with "branch already exists with given name". With `branch` it starts a new branch of
// that name (POST .../branch; the name must be unique in the repo).
std::string new_version(Client& c, const std::string& uuid, const std::string& note = {}, const std::string& branch = {});

struct ChildVersion {
  std::string uuid;
  std::string branch;  // "" is DVID's master branch
  bool locked = false;
};
// The child of `uuid` on uuid's own branch (the one new_version without a branch makes), if any.
std::optional<ChildVersion> branch_child(Client& c, const std::string& uuid);

// True if the node is committed (GET /api/node/{uuid}/status -> {"Locked": bool}).
bool node_locked(Client& c, const std::string& uuid);
// POST /api/node/{uuid}/{data}/sync {"sync": "a,b"}; with replace, the list replaces the current syncs.
void set_syncs(Client& c, const std::string& uuid, const std::string& data_name, const std::string& comma_separated,
               bool replace = false);
// The repo's instances by name -> type name (from /api/repo/{uuid}/info).
std::map<std::string, std::string> instance_types(Client& c, const std::string& uuid);

}  // namespace dflow::dvid
