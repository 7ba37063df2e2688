// The dvid-setup workflow stage: full-workflow-config.yaml -> SetupPlan -> run_setup -> dvid-setup.json.
#include <filesystem>

#include "config/base_schema.hpp"
#include "config/workflows.hpp"
#include "core/error.hpp"
#include "core/files.hpp"
#include "core/log.hpp"
#include "dvidsetup/cli.hpp"

namespace dflow::dvidsetup {

namespace {

std::vector<std::string> strings(const YAML::Node& list) {
  std::vector<std::string> out;
  for (const auto& n : list) out.push_back(n.as<std::string>());
  return out;
}

std::string token_from(const YAML::Node& dvid, const fs::path& exec_dir, const std::string& config_path) {
  if (dvid["admin-token-file"]) {
    fs::path f = dvid["admin-token-file"].as<std::string>();
    if (f.is_relative()) f = exec_dir / f;
    if (!fs::exists(f)) fail("{}: dvid.admin-token-file: {} not found", config_path, f.string());
    std::string t = read_text(f);
    while (!t.empty() && (t.back() == '\n' || t.back() == '\r' || t.back() == ' ')) t.pop_back();
    return t;
  }
  const char* env = std::getenv("DVID_ADMIN_TOKEN");
  return env ? env : "";
}

}  // namespace

SetupResult run_workflow(const std::string& config_path, const std::string& exec_dir_arg) {
  const config::WorkflowConfig wc = config::load_workflow_config(config_path);
  if (wc.workflow.name != "dvid-setup")
    fail("{}: workflow-name is {}; this program runs dvid-setup", config_path, wc.workflow.name);
  log::set_level(config::log_level(wc.config));
  const fs::path exec_dir = exec_dir_arg.empty() ? fs::absolute(config_path).parent_path() : fs::path(exec_dir_arg);
  const YAML::Node& cfg = wc.config;

  SetupPlan plan;
  plan.alias = cfg["repo"]["alias"].as<std::string>();
  plan.description = cfg["repo"]["description"].as<std::string>();
  if (cfg["repo"]["uuid"]) plan.existing_uuid = cfg["repo"]["uuid"].as<std::string>();
  for (const auto& n : cfg["instances"]) {
    InstanceSpec s;
    s.type = n["type"].as<std::string>();
    s.name = n["name"].as<std::string>();
    for (const auto& kv : n["settings"]) s.settings[kv.first.as<std::string>()] = kv.second.as<std::string>();
    s.tags = strings(n["tags"]);
    s.sync = strings(n["sync"]);
    plan.instances.push_back(std::move(s));
  }
  if (cfg["commit"]) plan.commit_note = cfg["commit"]["note"].as<std::string>();
  if (cfg["new-version"]) plan.new_version_note = cfg["new-version"]["note"].as<std::string>();
  if (plan.new_version_note && !plan.commit_note)
    fail("{}: new-version: needs a commit section (DVID opens child versions only under committed nodes)", config_path);

  dvid::Client client(cfg["dvid"]["server"].as<std::string>());
  client.set_admin_token(token_from(cfg["dvid"], exec_dir, config_path));
  client.set_default_query("app=dvid-setup");
  SetupResult r;
  try {
    r = run_setup(client, plan);
  } catch (const Error& e) {
    // Spec problems name the list item; prefix the file so the user knows where to look.
    const std::string m = e.what();
    if (m.rfind("instances[", 0) == 0) fail("{}: {}", config_path, m);
    throw;
  }
  const fs::path out = exec_dir / "dvid-setup.json";
  write_text_atomic(out, r.to_json().dump(2) + "\n");
  log::info("wrote {}", out.string());
  return r;
}

}  // namespace dflow::dvidsetup
