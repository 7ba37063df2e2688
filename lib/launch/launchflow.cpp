#include "launch/launchflow.hpp"

#include <chrono>
#include <cmath>
#include <cstdlib>
#include <iostream>
#include <regex>

#include <fcntl.h>
#include <unistd.h>

#include "config/schema.hpp"
#include "config/workflows.hpp"
#include "core/error.hpp"
#include "core/files.hpp"
#include "core/log.hpp"
#include "launch/command.hpp"
#include "launch/exec_dir.hpp"
#include "launch/options.hpp"
#include "launch/tee.hpp"

namespace dflow::launch {

namespace fs = std::filesystem;

namespace {

constexpr int kNothingRun = 2;

// Where stage executables live: DFLOW_BIN_DIR, else launchflow's own directory.
fs::path bin_dir() {
  if (const char* d = std::getenv("DFLOW_BIN_DIR"); d && *d) return d;
  std::error_code ec;
  const fs::path self = fs::read_symlink("/proc/self/exe", ec);
  return ec ? fs::current_path() : self.parent_path();
}

config::WorkflowInfo workflow_named(const std::string& name) {
  const auto w = config::find_workflow(name);
  if (!w) {
    std::string known;
    for (const auto& k : config::workflows()) known += (known.empty() ? "" : ", ") + k.name;
    fail("unknown workflow \"{}\" (known: {})", name, known);
  }
  return *w;
}

int list_workflows() {
  for (const auto& w : config::workflows())
    std::cout << fmt::format("{:<24} {}  (stage: {})\n", w.name, w.description, w.executable);
  return 0;
}

int dump_default_yaml(const std::string& name) {
  const auto w = workflow_named(name);
  std::string text = config::default_yaml(w.schema());
  // The one required value we know.
  const std::string blank = "workflow-name:  # REQUIRED, string\n";
  if (const size_t at = text.find(blank); at != std::string::npos) text.replace(at, blank.size(), "workflow-name: " + w.name + "\n");
  std::cout << text;
  return 0;
}

struct Prepared {
  config::WorkflowConfig wc;
  fs::path template_dir;
  fs::path stage;
  fs::path mpirun;
  std::vector<std::string> env_names;
};

// Everything that can be checked before anything is created.
Prepared prepare(const Options& o) {
  Prepared p;
  p.template_dir = o.template_dir;
  if (!fs::is_directory(p.template_dir)) fail("{}: not a directory (expected a template directory holding workflow.yaml)", o.template_dir);
  const fs::path yaml = p.template_dir / "workflow.yaml";
  if (!fs::is_regular_file(yaml)) fail("{}: not found (a template directory must hold workflow.yaml)", yaml.string());
  p.wc = config::load_workflow_config(yaml);

  const std::string submit = o.submit ? *o.submit : p.wc.config["cluster-type"].as<std::string>();
  if (submit == "lsf")
    fail("submitting to LSF (cluster-type: lsf / --submit lsf) is not yet supported; inside an LSF allocation use "
         "--submit mpirun (e.g. bsub -n 32 launchflow -n 32 --submit mpirun {})",
         o.template_dir);

  p.stage = bin_dir() / p.wc.workflow.executable;
  if (::access(p.stage.c_str(), X_OK) != 0)
    fail("stage executable not found: {} (workflow {}; stage programs live next to launchflow, or set DFLOW_BIN_DIR)",
         p.stage.string(), p.wc.workflow.name);
  const char* mpirun_env = std::getenv("DFLOW_MPIRUN");
  const std::string mpirun = mpirun_env && *mpirun_env ? mpirun_env : "mpirun";
  p.mpirun = find_program(mpirun);
  if (p.mpirun.empty()) fail("{}: program not found (install Open MPI, fix PATH, or set DFLOW_MPIRUN)", mpirun);
  static const std::regex shell_name("[A-Za-z_][A-Za-z0-9_]*");
  for (const auto& kv : p.wc.config["environment-variables"]) {
    const std::string name = kv.first.Scalar();
    if (!std::regex_match(name, shell_name))
      fail("{}: environment-variables.{}: not a valid variable name (letters, digits and _)", yaml.string(), name);
    p.env_names.push_back(name);
  }
  return p;
}

MpirunPlan plan_for(const Prepared& p, const Options& o, const fs::path& exec_dir) {
  MpirunPlan plan;
  plan.mpirun = p.mpirun.string();
  plan.ranks = o.ranks;
  plan.cores = physical_cores();
  plan.root = ::geteuid() == 0;
  plan.env_names = p.env_names;
  plan.extra_args = o.mpirun_args;
  plan.stage = p.stage;
  plan.config = exec_dir / "full-workflow-config.yaml";
  plan.exec_dir = exec_dir;
  return plan;
}

std::string full_config_text(const Prepared& p) {
  return "# Written by launchflow: workflow.yaml with every default filled in. The stage reads this file.\n" +
         config::to_yaml(p.wc.workflow.schema(), p.wc.config);
}

int run(const Options& o) {
  Prepared p;
  try {
    p = prepare(o);
  } catch (const Error& e) {
    log::error("{}", e.what());
    return kNothingRun;
  }
  const std::time_t now = std::time(nullptr);

  if (o.dry_run) {
    const fs::path exec_dir = exec_dir_name(p.template_dir, now);
    std::cout << "# Dry run: nothing was created.\n# " << (exec_dir / "full-workflow-config.yaml").string() << " would be:\n"
              << full_config_text(p) << "\n# Command (run in " << exec_dir.string() << "):\n"
              << shell_join(mpirun_command(plan_for(p, o, exec_dir))) << "\n";
    return 0;
  }

  fs::path exec_dir;
  try {
    exec_dir = create_exec_dir(p.template_dir, now);
    write_text_atomic(exec_dir / "full-workflow-config.yaml", full_config_text(p));
    for (const auto& kv : p.wc.config["environment-variables"])
      ::setenv(kv.first.Scalar().c_str(), kv.second.Scalar().c_str(), 1);
    write_text_atomic(exec_dir / "bash-environment.sh", bash_environment(current_environment()));
  } catch (const Error& e) {
    log::error("{}", e.what());
    return kNothingRun;
  }

  const fs::path log_path = exec_dir / "output.log";
  log::add_file(log_path);
  const int log_fd = ::open(log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  log::info("Teeing output to {}", log_path.string());
  log::info("Working dir: {}", exec_dir.string());
  const std::vector<std::string> cmd = mpirun_command(plan_for(p, o, exec_dir));
  log::info("Running {} with {} rank{}: {}", p.wc.workflow.name, o.ranks, o.ranks == 1 ? "" : "s", shell_join(cmd));

  const auto start = std::chrono::steady_clock::now();
  ChildStatus result;
  try {
    result = run_teed(cmd, exec_dir, log_fd, "mpirun");
  } catch (const Error& e) {
    log::error("{}", e.what());
    result.exit_code = 1;
  }
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (result.status() == 0) {
    log::info("launchflow: {} finished OK in {}", p.wc.workflow.name, format_duration(seconds));
  } else {
    const std::string why = result.signal ? fmt::format("killed by signal {}", result.signal)
                                          : fmt::format("exit status {}", result.exit_code);
    log::error("launchflow: {} FAILED ({}) after {}; see {}", p.wc.workflow.name, why, format_duration(seconds),
               log_path.string());
  }
  if (log_fd >= 0) ::close(log_fd);
  return result.status();
}

}  // namespace

std::string format_duration(double seconds) {
  const auto total = static_cast<int64_t>(std::llround(std::max(0.0, seconds)));
  return fmt::format("{}:{:02d}:{:02d}", total / 3600, (total / 60) % 60, total % 60);
}

int launchflow_main(const std::vector<std::string>& args) {
  log::set_source("launchflow");
  Options o;
  try {
    o = parse_options(args);
    switch (o.mode) {
      case Options::Mode::help: std::cout << usage(); return 0;
      case Options::Mode::list_workflows: return list_workflows();
      case Options::Mode::dump_default_yaml: return dump_default_yaml(o.workflow_name);
      case Options::Mode::document: std::cout << config::document(workflow_named(o.workflow_name).schema()); return 0;
      case Options::Mode::run: break;
    }
  } catch (const Error& e) {
    std::cerr << "launchflow: " << e.what() << "\n";
    return kNothingRun;
  }
  return run(o);
}

}  // namespace dflow::launch
