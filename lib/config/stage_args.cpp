#include "config/stage_args.hpp"

#include <vector>

#include "core/error.hpp"

namespace dflow::config {

StageArgs parse_stage_args(std::string_view program, int argc, char** argv, bool accepts_verify) {
  StageArgs a;
  std::string exec_dir;
  const std::vector<std::string> v(argv + 1, argv + argc);
  for (size_t i = 0; i < v.size(); ++i) {
    const auto value = [&]() -> const std::string& {
      if (i + 1 >= v.size()) fail("{}: {} needs a value (see --help)", program, v[i]);
      return v[++i];
    };
    if (v[i] == "--help" || v[i] == "-h") a.help = true;
    else if (v[i] == "--config") a.config = value();
    else if (v[i] == "--exec-dir") exec_dir = value();
    else if (v[i] == "--dry-run") a.dry_run = true;
    else if (accepts_verify && v[i] == "--verify") a.verify = true;
    else fail("{}: unknown argument {} (see --help)", program, v[i]);
  }
  if (a.help) return a;
  if (a.config.empty()) fail("{}: --config FILE is required (see --help)", program);
  if (a.dry_run && a.verify) fail("{}: --dry-run and --verify exclude each other", program);
  a.exec_dir = exec_dir.empty() ? std::filesystem::absolute(a.config).parent_path() : std::filesystem::absolute(exec_dir);
  return a;
}

WorkflowConfig load_stage_config(std::string_view workflow, const std::string& path) {
  WorkflowConfig c = load_workflow_config(path);
  if (c.workflow.name != workflow) fail("{}: workflow-name is {}; this program runs {}", path, c.workflow.name, workflow);
  return c;
}

}  // namespace dflow::config
