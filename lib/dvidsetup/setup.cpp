#include "dvidsetup/setup.hpp"

#include <algorithm>
#include <cctype>
#include <regex>
#include <set>

#include "core/error.hpp"
#include "core/log.hpp"
#include "dvid/repo.hpp"

namespace dflow::dvidsetup {
namespace {

std::string lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

std::string join(const std::vector<std::string>& v, const std::string& sep) {
  std::string out;
  for (const auto& s : v) out += (out.empty() ? "" : sep) + s;
  return out;
}

bool contains(const std::vector<std::string>& v, const std::string& s) { return std::find(v.begin(), v.end(), s) != v.end(); }

// Value shapes DVID parses without complaint when wrong (fmt.Sscanf of "%d,%d,%d" leaves zeros), so
// they are checked here. Keys not listed take any string.
void check_value(const std::string& key, const std::string& value, const std::string& where) {
  static const std::regex triple_int(R"(\s*-?\d+\s*,\s*-?\d+\s*,\s*-?\d+\s*)");
  static const std::regex triple_num(R"(\s*[0-9.eE+-]+\s*,\s*[0-9.eE+-]+\s*,\s*[0-9.eE+-]+\s*)");
  static const std::regex integer(R"(\s*\d+\s*)");
  static const std::regex boolean(R"(true|false|TRUE|FALSE|True|False|0|1)");
  const auto bad = [&](const char* expected) {
    fail("{}: settings.{}: expected {}, got \"{}\"", where, key, expected, value);
  };
  if (key == "BlockSize" || key == "MinPoint" || key == "MaxPoint") {
    if (!std::regex_match(value, triple_int)) bad("three integers \"x,y,z\"");
  } else if (key == "VoxelSize") {
    if (!std::regex_match(value, triple_num)) bad("three numbers \"x,y,z\"");
  } else if (key == "MaxDownresLevel" || key == "ScaleLevel" || key == "Background") {
    if (!std::regex_match(value, integer)) bad("a non-negative integer");
  } else if (key == "IndexedLabels" || key == "Versioned") {
    if (!std::regex_match(value, boolean)) bad("true or false");
  } else if (key == "Extension") {
    if (value.empty() || value.find_first_of("./ ") != std::string::npos) bad("a file extension without dot, e.g. drc");
  }
}

}  // namespace

const std::vector<std::string>& instance_types() {
  static const std::vector<std::string> t = {"labelmap", "uint8blk", "keyvalue", "tarsupervoxels"};
  return t;
}

const std::vector<std::string>& known_settings(const std::string& type) {
  // Generic keys: datastore/datainstance.go (Compression, Checksum, Versioned); type keys: labelmap
  // NewData + imageblk setByConfig, tarsupervoxels NewDataService. Tags have their own field.
  static const std::map<std::string, std::vector<std::string>> keys = {
      {"labelmap", {"BlockSize", "MaxDownresLevel", "IndexedLabels", "VoxelSize", "VoxelUnits", "MinPoint", "MaxPoint",
                    "Compression", "Checksum", "Versioned"}},
      {"uint8blk", {"BlockSize", "VoxelSize", "VoxelUnits", "MinPoint", "MaxPoint", "Background", "GridStore",
                    "ScaleLevel", "Compression", "Checksum", "Versioned"}},
      {"keyvalue", {"Compression", "Checksum", "Versioned"}},
      {"tarsupervoxels", {"Extension", "Compression", "Checksum", "Versioned"}},
  };
  static const std::vector<std::string> none;
  const auto it = keys.find(type);
  return it == keys.end() ? none : it->second;
}

void check_instance_spec(const InstanceSpec& s, const std::string& where) {
  if (!contains(instance_types(), s.type))
    fail("{}: type: unknown instance type \"{}\" (dvid-setup creates: {})", where, s.type, join(instance_types(), ", "));
  static const std::regex name_re(R"([A-Za-z0-9_][A-Za-z0-9_.-]*)");
  if (!std::regex_match(s.name, name_re))
    fail("{}: name: \"{}\" is not a usable instance name (letters, digits, '_', '-', '.')", where, s.name);
  static const std::set<std::string> reserved = {"log", "branch", "note", "commit", "newversion"};
  if (reserved.count(s.name)) fail("{}: name: \"{}\" is reserved by DVID", where, s.name);
  const auto& known = known_settings(s.type);
  std::set<std::string> seen;
  for (const auto& [key, value] : s.settings) {
    if (lower(key) == "tags") fail("{}: settings.{}: put tags in the instance's tags list (\"key=value\" items)", where, key);
    if (lower(key) == "typename" || lower(key) == "dataname") fail("{}: settings.{}: set by type and name", where, key);
    const auto it = std::find_if(known.begin(), known.end(), [&](const std::string& k) { return lower(k) == lower(key); });
    if (it == known.end()) fail("{}: settings.{}: unknown {} setting (known: {})", where, key, s.type, join(known, ", "));
    if (!seen.insert(*it).second) fail("{}: settings.{}: given twice (DVID ignores the case of keys)", where, key);
    check_value(*it, value, where);
  }
  for (const auto& tag : s.tags) {
    const size_t eq = tag.find('=');
    if (eq == 0 || eq == std::string::npos || tag.find('=', eq + 1) != std::string::npos || tag.find(',') != std::string::npos)
      fail("{}: tags: \"{}\" is not a \"key=value\" tag (one '=', no ',')", where, tag);
  }
  if (s.type == "tarsupervoxels") {
    if (!seen.count("Extension")) fail("{}: tarsupervoxels instance {} needs settings.Extension (e.g. drc)", where, s.name);
    if (s.sync.empty()) fail("{}: tarsupervoxels instance {} needs a sync to its labelmap (sync: [segmentation])", where, s.name);
  }
  if (!s.sync.empty() && s.type != "labelmap" && s.type != "tarsupervoxels")
    fail("{}: sync: {} instances have no /sync endpoint in DVID", where, s.type);
  for (const auto& target : s.sync) {
    if (target == s.name) fail("{}: sync: {} cannot sync with itself", where, s.name);
    if (target.find(',') != std::string::npos) fail("{}: sync: give one instance name per list item, got \"{}\"", where, target);
  }
}

std::map<std::string, std::string> creation_settings(const InstanceSpec& s) {
  std::map<std::string, std::string> out;
  const auto& known = known_settings(s.type);
  for (const auto& [key, value] : s.settings) {
    const auto it = std::find_if(known.begin(), known.end(), [&](const std::string& k) { return lower(k) == lower(key); });
    out[it == known.end() ? key : *it] = value;
  }
  if (!s.tags.empty()) out["Tags"] = join(s.tags, ",");
  return out;
}

nlohmann::json SetupResult::to_json() const {
  nlohmann::json j;
  j["server"] = server;
  j["repo"] = {{"uuid", repo_uuid}, {"created", repo_created}};
  j["instances"] = {{"created", created}, {"existing", existing}};
  j["committed"] = committed.empty() ? nlohmann::json(nullptr) : nlohmann::json(committed);
  j["child"] = child.empty() ? nlohmann::json(nullptr) : nlohmann::json(child);
  j["uuid"] = working_uuid();
  return j;
}

SetupResult run_setup(dvid::Client& c, const SetupPlan& plan) {
  if (plan.new_version_note && !plan.commit_note)
    fail("dvid-setup: new-version needs commit (DVID opens child versions only under committed nodes)");
  std::set<std::string> names;
  for (size_t i = 0; i < plan.instances.size(); ++i) {
    const std::string where = fmt::format("instances[{}]", i);
    check_instance_spec(plan.instances[i], where);
    if (!names.insert(plan.instances[i].name).second)
      fail("{}: name: instance {} is listed twice", where, plan.instances[i].name);
  }

  SetupResult r;
  r.server = c.server();
  if (!plan.existing_uuid.empty()) {
    r.repo_uuid = plan.existing_uuid;
    // Resolves prefixes and fails clearly if there is no such repo.
    const auto info = dvid::repo_info(c, r.repo_uuid);
    log::info("using existing repo {} (alias \"{}\") at {}", r.repo_uuid, info.value("Alias", ""), c.server());
  } else {
    r.repo_uuid = dvid::create_repo(c, plan.alias, plan.description);
    r.repo_created = true;
    log::info("created repo \"{}\" at {}: uuid {}", plan.alias, c.server(), r.repo_uuid);
  }

  const auto existing = dvid::instance_types(c, r.repo_uuid);
  for (size_t i = 0; i < plan.instances.size(); ++i)
    for (const auto& target : plan.instances[i].sync)
      if (!names.count(target) && !existing.count(target))
        fail("instances[{}]: sync: {} is neither in the instance list nor in repo {}", i, target, r.repo_uuid);

  const bool locked = dvid::node_locked(c, r.repo_uuid);
  std::vector<std::string> missing;
  for (const auto& s : plan.instances) {
    const auto it = existing.find(s.name);
    if (it == existing.end()) {
      missing.push_back(s.name);
    } else if (it->second != s.type) {
      fail("instance {} already exists in repo {} as a {}, not a {}", s.name, r.repo_uuid, it->second, s.type);
    }
  }
  if (locked && !missing.empty())
    fail("repo node {} is committed (locked), so instances {} cannot be added; give the uuid of an open child version",
         r.repo_uuid, join(missing, ", "));

  for (const auto& s : plan.instances) {
    if (existing.count(s.name)) {
      log::info("instance {} ({}) exists already; kept as it is", s.name, s.type);
      r.existing.push_back(s.name);
      continue;
    }
    const auto settings = creation_settings(s);
    dvid::create_instance(c, r.repo_uuid, s.type, s.name, settings);
    std::string shown;
    for (const auto& [k, v] : settings) shown += fmt::format("{}{}={}", shown.empty() ? "" : ", ", k, v);
    log::info("created {} instance {}{}", s.type, s.name, shown.empty() ? "" : " (" + shown + ")");
    r.created.push_back(s.name);
  }
  for (const auto& s : plan.instances) {
    if (s.sync.empty() || locked) continue;
    dvid::set_syncs(c, r.repo_uuid, s.name, join(s.sync, ","));
    log::info("synced {} with {}", s.name, join(s.sync, ", "));
  }

  if (plan.commit_note) {
    if (locked) {
      log::info("node {} is committed already; not committing again", r.repo_uuid);
    } else {
      r.committed = dvid::commit(c, r.repo_uuid, *plan.commit_note);
      log::info("committed {} (\"{}\")", r.committed, *plan.commit_note);
    }
  }
  if (plan.new_version_note) {
    // A re-run on a committed node reuses its child: DVID allows one child per branch per parent.
    const auto info = dvid::repo_info(c, r.repo_uuid);
    std::string existing_child;
    if (locked && info.contains("DAG") && info["DAG"].contains("Nodes")) {
      for (const auto& [uuid, node] : info["DAG"]["Nodes"].items()) {
        if (uuid.rfind(r.repo_uuid, 0) != 0 || !node.contains("Children")) continue;
        for (const auto& child_version : node["Children"]) {
          for (const auto& [u2, n2] : info["DAG"]["Nodes"].items())
            if (n2.value("VersionID", -1) == child_version.get<int>()) existing_child = u2;
        }
      }
    }
    if (!existing_child.empty()) {
      r.child = existing_child;
      log::info("node {} already has child version {}; not making another", r.repo_uuid, r.child);
    } else {
      r.child = dvid::new_version(c, r.repo_uuid, *plan.new_version_note);
      log::info("opened child version {} of {} (\"{}\")", r.child, r.repo_uuid, *plan.new_version_note);
    }
  }
  log::info("dvid-setup done: later stages write into uuid {}", r.working_uuid());
  return r;
}

}  // namespace dflow::dvidsetup
