#include "dvid/repo.hpp"

#include <set>

#include "core/error.hpp"

namespace dflow::dvid {
namespace {

nlohmann::json parse_json(const std::string& body, const std::string& what) {
  try {
    return nlohmann::json::parse(body);
  } catch (const nlohmann::json::exception& e) {
    fail("DVID {}: response is not JSON ({}): {}", what, e.what(), body.substr(0, 200));
  }
}

std::string field(const nlohmann::json& j, const char* key, const std::string& what) {
  if (!j.contains(key) || !j[key].is_string()) fail("DVID {}: response has no \"{}\": {}", what, key, j.dump());
  return j[key].get<std::string>();
}

// Every POST here changes the repo's structure and is not idempotent (a second repo, "node already
// committed", a second child), so none is repeated blindly: on OutcomeUnknown the callers below read
// DVID's state to learn whether it happened.
std::string post_json(Client& c, const std::string& path, const nlohmann::json& body, bool admin = false) {
  const std::string text = body.dump();
  Response r = c.request("POST", path, std::as_bytes(std::span(text.data(), text.size())), "application/json", admin,
                         Replay::unsafe);
  if (r.status / 100 != 2) fail("DVID POST {}: HTTP {}: {}", c.url(path), r.status, r.body.substr(0, r.body.find('\n')));
  return r.body;
}

}  // namespace

bool heartbeat(Client& c) {
  try {
    return c.request("GET", "/api/heartbeat").status == 200;
  } catch (const Error&) {
    return false;
  }
}

nlohmann::json server_info(Client& c) { return parse_json(c.get("/api/server/info"), "server info"); }

namespace {

// Root UUIDs of the repos whose alias is `alias` (GET /api/repos/info: {uuid: {Alias, Root, ...}}).
std::set<std::string> repos_with_alias(Client& c, const std::string& alias) {
  std::set<std::string> out;
  const auto info = parse_json(c.get("/api/repos/info"), "repos info");
  if (!info.is_object()) return out;
  for (const auto& [uuid, repo] : info.items())
    if (repo.is_object() && repo.value("Alias", std::string()) == alias) out.insert(repo.value("Root", uuid));
  return out;
}

// The children of `parent` in the repo's version DAG (GET /api/repo/{uuid}/info: DAG.Nodes).
std::set<std::string> children_of(Client& c, const std::string& parent) {
  std::set<std::string> out;
  const auto info = parse_json(c.get("/api/repo/" + parent + "/info"), "repo " + parent + " info");
  if (!info.contains("DAG") || !info["DAG"].contains("Nodes")) return out;
  const auto& nodes = info["DAG"]["Nodes"];
  // Nodes list their children by VersionID; map those back to UUIDs.
  std::set<int64_t> child_ids;
  for (const auto& [uuid, node] : nodes.items())
    if (uuid.starts_with(parent) && node.contains("Children") && node["Children"].is_array())
      for (const auto& v : node["Children"])
        if (v.is_number_integer()) child_ids.insert(v.get<int64_t>());
  for (const auto& [uuid, node] : nodes.items())
    if (node.contains("VersionID") && node["VersionID"].is_number_integer() && child_ids.count(node["VersionID"].get<int64_t>()))
      out.insert(uuid);
  return out;
}

}  // namespace

std::string create_repo(Client& c, const std::string& alias, const std::string& description) {
  const auto before = repos_with_alias(c, alias);
  try {
    // Recent DVIDs require admin rights to create repos; the token is harmless where it is not needed.
    const auto body = post_json(c, "/api/repos", {{"alias", alias}, {"description", description}}, /*admin=*/true);
    return field(parse_json(body, "POST /api/repos"), "root", "POST /api/repos");
  } catch (const OutcomeUnknown& e) {
    // Did DVID create it before the answer was lost? Then that repo is ours.
    std::set<std::string> added;
    for (const auto& u : repos_with_alias(c, alias))
      if (!before.count(u)) added.insert(u);
    if (added.size() == 1) return *added.begin();
    fail("{} (and DVID shows {} new repos with alias \"{}\")", e.what(), added.size(), alias);
  }
}

nlohmann::json repo_info(Client& c, const std::string& uuid) {
  return parse_json(c.get("/api/repo/" + uuid + "/info"), "repo " + uuid + " info");
}

void create_instance(Client& c, const std::string& uuid, const std::string& type_name, const std::string& data_name,
                     const std::map<std::string, std::string>& settings) {
  nlohmann::json body = {{"typename", type_name}, {"dataname", data_name}};
  for (const auto& [k, v] : settings) body[k] = v;
  try {
    post_json(c, "/api/repo/" + uuid + "/instance", body);
  } catch (const OutcomeUnknown& e) {
    const auto types = instance_types(c, uuid);
    const auto it = types.find(data_name);
    if (it == types.end()) {
      post_json(c, "/api/repo/" + uuid + "/instance", body);  // it never happened: safe to send now
    } else if (it->second != type_name) {
      fail("{} (and DVID now has \"{}\" as a {}, not a {})", e.what(), data_name, it->second, type_name);
    }
  }
}

nlohmann::json instance_info(Client& c, const std::string& uuid, const std::string& data_name) {
  return parse_json(c.get("/api/node/" + uuid + "/" + data_name + "/info"), data_name + " info");
}

std::optional<nlohmann::json> instance_info_if_exists(Client& c, const std::string& uuid, const std::string& data_name) {
  const std::string path = "/api/node/" + uuid + "/" + data_name + "/info";
  const Response r = c.request("GET", path);
  // DVID answers an unknown instance name with 400 "invalid data instance name" (datastore/repo.go).
  if (r.status == 404 || (r.status == 400 && r.body.find("invalid data instance name") != std::string::npos))
    return std::nullopt;
  if (r.status / 100 != 2) fail("DVID GET {}: HTTP {}: {}", c.url(path), r.status, r.body.substr(0, 200));
  try {
    return nlohmann::json::parse(r.body);
  } catch (const nlohmann::json::exception& e) {
    fail("DVID GET {}: response is not JSON ({})", c.url(path), e.what());
  }
}

std::string commit(Client& c, const std::string& uuid, const std::string& note) {
  const auto send = [&] {
    const auto body = post_json(c, "/api/node/" + uuid + "/commit", {{"note", note}});
    return field(parse_json(body, "commit"), "committed", "commit of " + uuid);
  };
  try {
    return send();
  } catch (const OutcomeUnknown&) {
    if (node_locked(c, uuid)) return uuid;  // it happened; a resend would answer "already committed"
    return send();
  }
}

std::string new_version(Client& c, const std::string& uuid, const std::string& note, const std::string& branch) {
  nlohmann::json req = nlohmann::json::object();
  if (!note.empty()) req["note"] = note;
  if (!branch.empty()) req["branch"] = branch;
  const std::string action = branch.empty() ? "newversion" : "branch";
  const auto before = children_of(c, uuid);
  const auto send = [&] {
    const auto body = post_json(c, "/api/node/" + uuid + "/" + action, req);
    return field(parse_json(body, action), "child", action + " of " + uuid);
  };
  try {
    return send();
  } catch (const OutcomeUnknown& e) {
    std::set<std::string> added;
    for (const auto& u : children_of(c, uuid))
      if (!before.count(u)) added.insert(u);
    if (added.empty()) return send();
    if (added.size() == 1) return *added.begin();
    fail("{} (and DVID shows {} new children of {})", e.what(), added.size(), uuid);
  }
}

std::optional<ChildVersion> branch_child(Client& c, const std::string& uuid) {
  const auto info = parse_json(c.get("/api/repo/" + uuid + "/info"), "repo " + uuid + " info");
  if (!info.contains("DAG") || !info["DAG"].contains("Nodes")) return std::nullopt;
  const auto& nodes = info["DAG"]["Nodes"];
  std::string branch;
  bool found = false;
  for (const auto& [u, node] : nodes.items())
    if (u.starts_with(uuid)) branch = node.value("Branch", std::string()), found = true;
  if (!found) return std::nullopt;
  for (const std::string& child : children_of(c, uuid)) {
    const auto& node = nodes[child];
    if (node.value("Branch", std::string()) == branch) return ChildVersion{child, branch, node.value("Locked", false)};
  }
  return std::nullopt;
}

bool node_locked(Client& c, const std::string& uuid) {
  const auto j = parse_json(c.get("/api/node/" + uuid + "/status"), "status of " + uuid);
  if (!j.contains("Locked") || !j["Locked"].is_boolean()) fail("DVID status of {}: response has no \"Locked\": {}", uuid, j.dump());
  return j["Locked"].get<bool>();
}

void set_syncs(Client& c, const std::string& uuid, const std::string& data_name, const std::string& comma_separated,
               bool replace) {
  post_json(c, "/api/node/" + uuid + "/" + data_name + "/sync" + (replace ? "?replace=true" : ""), {{"sync", comma_separated}});
}

std::map<std::string, std::string> instance_types(Client& c, const std::string& uuid) {
  std::map<std::string, std::string> out;
  const auto info = repo_info(c, uuid);
  if (!info.contains("DataInstances") || !info["DataInstances"].is_object()) return out;
  for (const auto& [name, inst] : info["DataInstances"].items()) {
    if (inst.contains("Base") && inst["Base"].contains("TypeName") && inst["Base"]["TypeName"].is_string())
      out[name] = inst["Base"]["TypeName"].get<std::string>();
  }
  return out;
}

}  // namespace dflow::dvid
