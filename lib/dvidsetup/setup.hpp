#pragma once
// Creating what a proofreading repo needs in DVID: a repo (or an existing one), typed instances with
// their creation settings, tags and syncs, then optionally commit + a child version to edit in.
// Settings are checked here, before DVID sees them, because DVID silently ignores unknown keys and
// malformed tags (datastore/datainstance.go: a tag without exactly one '=' is dropped).
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "dvid/client.hpp"

namespace dflow::dvidsetup {

struct InstanceSpec {
  std::string type;                              // labelmap | uint8blk | keyvalue | tarsupervoxels
  std::string name;
  std::map<std::string, std::string> settings;   // DVID creation keys, e.g. MaxDownresLevel -> "6"
  std::vector<std::string> tags;                 // "key=value"
  std::vector<std::string> sync;                 // instance names (labelmap for tarsupervoxels)
};

// The types dvid-setup creates and the creation keys each accepts (DVID reads keys case-insensitively).
const std::vector<std::string>& instance_types();
const std::vector<std::string>& known_settings(const std::string& type);

// Throws one line "<where>: ..." for an unknown type or setting, a bad tag, a missing tarsupervoxels
// Extension or sync, a sync on a type without /sync. `where` names the spec ("instances[2]").
void check_instance_spec(const InstanceSpec& spec, const std::string& where);
// The JSON body of POST /api/repo/{uuid}/instance minus typename/dataname: settings (canonical key
// case) plus "Tags" joined with ','.
std::map<std::string, std::string> creation_settings(const InstanceSpec& spec);

struct SetupPlan {
  std::string alias, description;
  std::string existing_uuid;                  // use this repo instead of creating one
  std::vector<InstanceSpec> instances;
  std::optional<std::string> commit_note;     // commit the node after creating the instances
  std::optional<std::string> new_version_note;  // then open a child version (needs commit_note)
};

struct SetupResult {
  std::string server;
  std::string repo_uuid;                      // root of the repo, where the instances were made
  bool repo_created = false;
  std::vector<std::string> created, existing; // instance names
  std::string committed;                      // empty if not committed by this run
  std::string child;                          // empty if no new version was made
  // The node later stages write into: the child if one was made, else the repo node.
  std::string working_uuid() const { return child.empty() ? repo_uuid : child; }
  nlohmann::json to_json() const;
};

// Checks every spec and the sync references (to instances in the plan or already in the repo),
// then creates repo, instances (existing ones of the same type are kept: re-running with
// repo.uuid set resumes), syncs, commit and new version. Logs each step.
SetupResult run_setup(dvid::Client& client, const SetupPlan& plan);

}  // namespace dflow::dvidsetup
