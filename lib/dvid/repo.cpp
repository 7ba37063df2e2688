#include "dvid/repo.hpp"

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

std::string post_json(Client& c, const std::string& path, const nlohmann::json& body, bool admin = false) {
  const std::string text = body.dump();
  Response r = c.request("POST", path, std::as_bytes(std::span(text.data(), text.size())), "application/json", admin);
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

std::string create_repo(Client& c, const std::string& alias, const std::string& description) {
  // Recent DVIDs require admin rights to create repos; the token is harmless where it is not needed.
  const auto body = post_json(c, "/api/repos", {{"alias", alias}, {"description", description}}, /*admin=*/true);
  return field(parse_json(body, "POST /api/repos"), "root", "POST /api/repos");
}

nlohmann::json repo_info(Client& c, const std::string& uuid) {
  return parse_json(c.get("/api/repo/" + uuid + "/info"), "repo " + uuid + " info");
}

void create_instance(Client& c, const std::string& uuid, const std::string& type_name, const std::string& data_name,
                     const std::map<std::string, std::string>& settings) {
  nlohmann::json body = {{"typename", type_name}, {"dataname", data_name}};
  for (const auto& [k, v] : settings) body[k] = v;
  post_json(c, "/api/repo/" + uuid + "/instance", body);
}

nlohmann::json instance_info(Client& c, const std::string& uuid, const std::string& data_name) {
  return parse_json(c.get("/api/node/" + uuid + "/" + data_name + "/info"), data_name + " info");
}

std::string commit(Client& c, const std::string& uuid, const std::string& note) {
  const auto body = post_json(c, "/api/node/" + uuid + "/commit", {{"note", note}});
  return field(parse_json(body, "commit"), "committed", "commit of " + uuid);
}

std::string new_version(Client& c, const std::string& uuid, const std::string& note) {
  nlohmann::json req = nlohmann::json::object();
  if (!note.empty()) req["note"] = note;
  const auto body = post_json(c, "/api/node/" + uuid + "/newversion", req);
  return field(parse_json(body, "newversion"), "child", "newversion of " + uuid);
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
