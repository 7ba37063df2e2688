#include "config/workflows.hpp"

#include <cctype>
#include <cstdlib>

#include "core/error.hpp"
#include "core/files.hpp"
#include "config/secrets.hpp"

namespace dflow::config {

// Each stage's schema lives in <stage>_schema.cpp.
Schema survey_volume_schema();
Schema export_grayscale_schema();
Schema selftest_schema();
Schema ingest_supervoxels_schema();
Schema dvid_setup_schema();
Schema sv_meshes_schema();
Schema body_meshes_schema();

namespace {

const std::vector<WorkflowInfo>& table() {
  static const std::vector<WorkflowInfo> list = {
      {"survey-volume", "survey-volume", "Scan an input volume: extent, data type, value statistics per brick.",
       survey_volume_schema},
      {"export-grayscale", "export-grayscale", "Export uint8 grayscale with its pyramid to neuroglancer precomputed or DVID uint8blk.",
       export_grayscale_schema},
      {"ingest-supervoxels", "ingest-supervoxels",
       "Write a supervoxel segmentation and its pyramid into a DVID labelmap (/ingest-supervoxels) + block statistics.",
       ingest_supervoxels_schema},
      {"dvid-setup", "dvid-setup", "Create the DVID repo, instances (labelmap, uint8blk, keyvalue, tarsupervoxels), commit and child version.",
       dvid_setup_schema},
      {"sv-meshes", "sv-meshes", "One mesh per supervoxel (merged across bricks) into a DVID tarsupervoxels instance or tarballs.",
       sv_meshes_schema},
      {"body-meshes", "body-meshes", "One mesh per body from its supervoxel meshes into the keyvalue instance neuroglancer reads.",
       body_meshes_schema},
  };
  return list;
}

// Test-only: a tiny stage (tests/launch/selftest_stage.cpp) that lets the tests run launchflow
// end to end. Hidden from users unless DFLOW_ENABLE_SELFTEST=1.
bool selftest_enabled() {
  const char* v = std::getenv("DFLOW_ENABLE_SELFTEST");
  return v && std::string_view(v) == "1";
}

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(a[i])) != std::tolower(static_cast<unsigned char>(b[i]))) return false;
  return true;
}

}  // namespace

std::vector<WorkflowInfo> workflows() {
  std::vector<WorkflowInfo> all = table();
  if (selftest_enabled())
    all.push_back({"selftest", "dflow-selftest-stage", "TEST ONLY: logs from every rank and exits with a chosen status.",
                   selftest_schema});
  return all;
}

std::optional<WorkflowInfo> find_workflow(std::string_view name) {
  for (auto& w : workflows())
    if (iequals(w.name, name)) return w;
  return std::nullopt;
}

WorkflowConfig parse_workflow_config(const std::string& text, const std::string& file_name) {
  const YAML::Node doc = parse_yaml(text, file_name);
  if (!doc.IsMap()) {
    // Let the schema produce its usual top-level message.
    validate(Schema::object({}), doc, file_name);
  }
  const YAML::Node name = doc["workflow-name"];
  if (!name || name.IsNull()) fail("{}: workflow-name: required value is missing", file_name);
  if (!name.IsScalar()) fail("{}: workflow-name: expected a string", file_name);
  const auto info = find_workflow(name.Scalar());
  if (!info) {
    std::string known;
    for (const auto& w : workflows()) known += (known.empty() ? "" : ", ") + w.name;
    fail("{}: workflow-name: unknown workflow \"{}\" (known: {})", file_name, name.Scalar(), known);
  }
  return {*info, validate(info->schema(), doc, file_name)};
}

WorkflowConfig load_workflow_config(const std::filesystem::path& path) {
  if (!std::filesystem::exists(path)) fail("{}: file not found", path.string());
  WorkflowConfig wc = parse_workflow_config(read_text(path), path.string());
  // Launchflow's files show secrets as "***"; the real values come from its environment.
  restore_secrets(wc.config, secrets_from_environment());
  redact_config(wc.config);  // log lines (and the lines launchflow tees) hide its secrets too
  return wc;
}

}  // namespace dflow::config
