#include "launch/launchflow.hpp"

#include <chrono>
#include <cmath>
#include <cstdlib>
#include <iostream>
#include <functional>
#include <regex>

#include <cstring>

#include <fcntl.h>
#include <unistd.h>

#include "config/schema.hpp"
#include "config/secrets.hpp"
#include "config/workflows.hpp"
#include "core/duration.hpp"
#include "core/error.hpp"
#include "core/files.hpp"
#include "core/log.hpp"
#include "core/secrets.hpp"
#include "launch/command.hpp"
#include "launch/exec_dir.hpp"
#include "launch/job_script.hpp"
#include "launch/report.hpp"
#include "launch/status.hpp"
#include "mpi/run_log.hpp"
#include "mpi/stop_request.hpp"
#include "launch/options.hpp"
#include "launch/tee.hpp"

namespace dflow::launch {

namespace fs = std::filesystem;

namespace {

constexpr int kNothingRun = 2;

fs::path self_path() {
  std::error_code ec;
  const fs::path self = fs::read_symlink("/proc/self/exe", ec);
  return ec ? fs::path("launchflow") : self;
}

// Where stage executables live: DFLOW_BIN_DIR, else launchflow's own directory.
fs::path bin_dir() {
  if (const char* d = std::getenv("DFLOW_BIN_DIR"); d && *d) return d;
  const fs::path self = self_path();
  return self.has_parent_path() ? self.parent_path() : fs::current_path();
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
  std::string yaml;        // the workflow.yaml read, as named in errors
  fs::path template_dir;   // or the execution directory with --resume
  bool resume = false;
  fs::path stage;
  fs::path mpirun;
  std::vector<std::string> env_names;
  std::vector<config::Secret> secrets;  // the config's secrets: files show them redacted
  std::vector<fs::path> credential_files;  // in the template, referenced by absolute path, never copied
};

// The template an execution directory was made from: "<template>-YYYYmmdd.HHMMSS[-N]".
fs::path template_of(const fs::path& exec_dir) {
  static const std::regex stamp("-[0-9]{8}\\.[0-9]{6}(-[0-9]+)?$");
  fs::path dir = fs::absolute(exec_dir).lexically_normal();
  if (!dir.has_filename()) dir = dir.parent_path();
  return std::regex_replace(dir.string(), stamp, "");
}

// A resumed run reads the execution directory's workflow.yaml, whose secrets are redacted: they come
// from DFLOW_CONFIG_SECRETS (a job submitted by launchflow inherits it), else from the template's
// workflow.yaml the directory was made from.
void restore_resumed_secrets(Prepared& p) {
  std::string left = config::first_redacted(p.wc.config);
  if (left.empty()) return;
  const fs::path tmpl = template_of(p.template_dir) / "workflow.yaml";
  if (fs::is_regular_file(tmpl) && tmpl != fs::absolute(p.template_dir / "workflow.yaml")) {
    std::vector<config::Secret> from_template;
    try {
      config::redact_config(config::load_workflow_config(tmpl).config, &from_template);
    } catch (const Error&) {
      // A template changed since into something invalid holds nothing we can use; said below.
    }
    config::restore_secrets(p.wc.config, from_template);
    left = config::first_redacted(p.wc.config);
  }
  if (!left.empty())
    fail("{}: {}: the secret was redacted (***) in the execution directory and {} does not hold it; resume from the "
         "shell that has {} set, or start a new run from the template",
         p.yaml, left, tmpl.string(), config::kSecretsEnv);
}

// Credential files the config names by a relative path inside the template (dvid.admin-token-file):
// the stage is given their absolute path in the template instead of a copy.
void reference_credential_files(Prepared& p) {
  std::function<void(YAML::Node, const std::string&)> walk = [&](YAML::Node node, const std::string& key) {
    if (node.IsMap()) {
      for (auto kv : node) walk(kv.second, kv.first.Scalar());
    } else if (node.IsScalar() && secrets::is_credential_file_name(key)) {
      const fs::path f = node.Scalar();
      if (f.empty() || f.is_absolute() || !fs::exists(p.template_dir / f)) return;
      const fs::path in_template = fs::absolute(p.template_dir / f).lexically_normal();
      p.credential_files.push_back(fs::relative(in_template, fs::absolute(p.template_dir)));
      node = in_template.string();
    }
  };
  walk(p.wc.config, "");
}

// Everything that can be checked before anything is created.
Prepared prepare(const Options& o) {
  Prepared p;
  p.resume = !o.resume_dir.empty();
  p.template_dir = p.resume ? o.resume_dir : o.template_dir;
  if (!fs::is_directory(p.template_dir))
    fail("{}: not a directory (expected {})", p.template_dir.string(),
         p.resume ? "an execution directory" : "a template directory holding workflow.yaml");
  const fs::path yaml = p.template_dir / "workflow.yaml";
  if (!fs::is_regular_file(yaml))
    fail("{}: not found (a{} directory must hold workflow.yaml)", yaml.string(), p.resume ? "n execution" : " template");
  if (p.resume && !fs::is_regular_file(p.template_dir / "full-workflow-config.yaml"))
    fail("{}: not an execution directory made by launchflow (no full-workflow-config.yaml); to start a run, give it "
         "as TEMPLATE_DIR instead of --resume",
         p.template_dir.string());
  p.yaml = yaml.string();
  p.wc = config::load_workflow_config(yaml);
  if (p.resume) restore_resumed_secrets(p);
  else reference_credential_files(p);
  config::redact_config(p.wc.config, &p.secrets);
  if (!p.secrets.empty()) {
    // The ranks' only copy of the real values; mpirun forwards it (-x), no file holds it.
    ::setenv(config::kSecretsEnv, config::encode_secrets(p.secrets).c_str(), 1);
    p.env_names.push_back(config::kSecretsEnv);
  }

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

// What to repeat after "launchflow -n N" to run this again: the template, or --resume DIR.
std::string relaunch_args(const Prepared& p, const fs::path& exec_dir = {}) {
  if (!exec_dir.empty()) return "--resume " + shell_quote(exec_dir.string());
  return p.resume ? "--resume " + shell_quote(p.template_dir.string()) : shell_quote(p.template_dir.string());
}

MpirunPlan plan_for(const Prepared& p, const Options& o, const Allocation& alloc, int ranks, const fs::path& exec_dir) {
  MpirunPlan plan;
  plan.mpirun = p.mpirun.string();
  plan.ranks = ranks;
  plan.cores = physical_cores();
  plan.root = ::geteuid() == 0;
  plan.env_names = p.env_names;
  plan.extra_args = o.mpirun_args;
  plan.stage = p.stage;
  plan.config = exec_dir / "full-workflow-config.yaml";
  plan.exec_dir = exec_dir;
  plan.allocation = alloc;
  if (alloc.scheduler == Scheduler::lsf) {
    plan.hostfile = exec_dir / "mpi-hostfile";
    plan.rsh_agent = find_program("blaunch");
    if (plan.rsh_agent.empty())
      fail("inside {} but blaunch is not on PATH: it starts the ranks on the job's other hosts (it lives in "
           "$LSF_BINDIR on LSF hosts)",
           alloc.describe());
  }
  return plan;
}

std::string full_config_text(const Prepared& p) {
  return std::string("# Written by launchflow: workflow.yaml with every default filled in. The stage reads this file.\n") +
         (p.secrets.empty() ? "" : "# Secrets show as ***; the stage gets them from launchflow's environment.\n") +
         config::to_yaml(p.wc.workflow.schema(), config::redact_config(p.wc.config));
}

std::string where_ranks_run(const Allocation& alloc, int ranks) {
  if (alloc.scheduler == Scheduler::none)
    return fmt::format("{} rank{} on this machine ({} cores)", ranks, ranks == 1 ? "" : "s", physical_cores());
  return fmt::format("{} rank{} in {}", ranks, ranks == 1 ? "" : "s", alloc.describe());
}

// The stage's own dry run (bricks, bricks per rank, memory per rank, requests, output sizes), planned
// for `ranks` ranks: run here under mpirun with the config in a temporary file. Above kMaxDryRanks
// the plan is made for that many (it scales linearly per rank) rather than start hundreds of
// processes on a login node.
int dry_run_stage(const Prepared& p, const Options& o, int ranks, const fs::path& exec_dir) {
  constexpr int kMaxDryRanks = 64;
  const int n = std::min(ranks, kMaxDryRanks);
  std::string tmpl = (fs::temp_directory_path() / "dvidflow-dry-run-XXXXXX").string();
  if (!::mkdtemp(tmpl.data())) fail("cannot create a temporary directory: {}", std::strerror(errno));
  const fs::path tmp = tmpl;
  write_text_atomic(tmp / "full-workflow-config.yaml", full_config_text(p));
  // Stages resolve relative paths against --exec-dir; one that does not exist yet cannot be walked
  // through ("dir/../data"), so its sibling, the template, stands in (it has no journal either).
  const fs::path plan_dir = fs::is_directory(exec_dir) ? exec_dir : fs::absolute(p.template_dir).lexically_normal();
  MpirunPlan plan = plan_for(p, o, Allocation{}, n, plan_dir);
  plan.cores = 0;            // always --oversubscribe: the processes only plan
  plan.extra_args.clear();   // --mpirun-args are for the run's placement
  plan.config = tmp / "full-workflow-config.yaml";
  std::vector<std::string> cmd = mpirun_command(plan);
  cmd.push_back("--dry-run");
  std::cout << fmt::format("# The stage's own plan ({} --dry-run at {} ranks{}):\n", p.stage.filename().string(), n,
                           n < ranks ? fmt::format(", not {}: per-rank figures scale with bricks per rank", ranks) : "")
            << std::flush;
  for (const auto& kv : p.wc.config["environment-variables"])
    ::setenv(kv.first.Scalar().c_str(), kv.second.Scalar().c_str(), 1);
  ChildStatus st;
  try {
    st = run_teed(cmd, plan_dir, -1, "dry-run");
  } catch (...) {
    fs::remove_all(tmp);
    throw;
  }
  fs::remove_all(tmp);
  return st.status();
}

int submit(const Prepared& p, const Options& o, int ranks, std::time_t now) {
  const std::string type = p.wc.config["cluster-type"].as<std::string>();
  if (type != "lsf" && type != "slurm")
    fail("{}: cluster-type: --submit needs lsf or slurm (scheduler options under scheduler:), not {}", p.yaml, type);
  JobRequest req;
  req.scheduler = type == "lsf" ? Scheduler::lsf : Scheduler::slurm;
  req.options = p.wc.config["scheduler"];
  req.config_file = p.yaml;
  fs::path base = fs::absolute(p.template_dir).lexically_normal();
  if (!base.has_filename()) base = base.parent_path();
  req.default_name = "dvidflow-" + base.filename().string();
  req.ranks = ranks;
  req.launchflow = self_path();
  req.exec_dir = p.resume ? fs::absolute(p.template_dir) : exec_dir_name(p.template_dir, now);
  job_directives(req);  // validates the options before anything is created
  const fs::path script_name = job_script_name(req.scheduler);
  if (o.dry_run) {
    const SubmitCommand cmd = submit_command(req.scheduler, req.exec_dir / script_name);
    std::cout << "# Dry run: nothing was created or submitted.\n# " << (req.exec_dir / script_name).string()
              << " would be:\n" << job_script(req) << "# Submitted (in " << req.exec_dir.string() << ") with: "
              << shell_join(cmd.argv) << (cmd.stdin_file.empty() ? "" : " < " + shell_quote(cmd.stdin_file.string())) << "\n";
    return 0;
  }
  fs::path exec_dir = req.exec_dir;
  if (!p.resume) {
    exec_dir = create_exec_dir(p.template_dir, now, p.credential_files);
    req.exec_dir = exec_dir;
    write_text_atomic(exec_dir / "full-workflow-config.yaml", full_config_text(p));
  }
  const fs::path script = exec_dir / script_name;
  write_text_atomic(script, job_script(req));
  fs::permissions(script, fs::perms::owner_exec | fs::perms::group_exec | fs::perms::others_exec, fs::perm_options::add);
  const SubmitCommand cmd = submit_command(req.scheduler, script);
  const auto [status, output] = run_submit(cmd);
  const auto id = parse_job_id(req.scheduler, output);
  if (status != 0 || !id)
    fail("{} did not accept {} (exit status {}): {}", cmd.argv[0], script.string(), status, output);
  write_text_atomic(exec_dir / "job-id", *id + "\n");
  std::cout << fmt::format("Submitted {} job {}: {} ranks\nExecution directory: {}\nFollow it: tail -f {}   or   "
                           "launchflow --status {}\n",
                           scheduler_name(req.scheduler), *id, ranks, exec_dir.string(),
                           shell_quote((exec_dir / "output.log").string()), shell_quote(exec_dir.string()));
  return 0;
}

// Timings of the phases this run went through, then the report beside output.log; neither may
// change the run's outcome.
void report_phases(const fs::path& exec_dir, double run_start, double run_end) {
  try {
    if (const std::string line = phase_timings(exec_dir, run_start, run_end); !line.empty()) {
      log::info("{}", line);
      for (const std::string& b : phase_balance(exec_dir, run_start)) log::info("{}", b);
      log::info("report: {}", write_report(exec_dir).string());
    }
  } catch (const Error& e) {
    log::warn("no phase timings or report.html: {}", e.what());
  }
}

int run(const Options& o) {
  Prepared p;
  Allocation alloc;
  int ranks = 1;
  try {
    p = prepare(o);
    alloc = detect_allocation(process_env());
    ranks = o.ranks ? *o.ranks : alloc.scheduler == Scheduler::none ? 1 : alloc.slots();
    if (o.submit) return submit(p, o, ranks, std::time(nullptr));
    const std::string type = p.wc.config["cluster-type"].as<std::string>();
    if (alloc.scheduler == Scheduler::none && type != "mpirun")
      fail("{}: cluster-type: {}, but this is not inside {} job: submit it (launchflow --submit -n {} {}), or run it on "
           "this machine with cluster-type: mpirun",
           p.yaml, type, type == "lsf" ? "an LSF" : "a Slurm", ranks, relaunch_args(p));
    check_ranks_fit(alloc, ranks, relaunch_args(p));
  } catch (const Error& e) {
    log::error("{}", e.what());
    return kNothingRun;
  }
  const std::time_t now = std::time(nullptr);

  if (o.dry_run) {
    try {
      const fs::path exec_dir = p.resume ? fs::absolute(p.template_dir) : exec_dir_name(p.template_dir, now);
      const MpirunPlan plan = plan_for(p, o, alloc, ranks, exec_dir);
      std::cout << "# Dry run: nothing was created.\n# " << (exec_dir / "full-workflow-config.yaml").string() << " would be:\n"
                << full_config_text(p) << "\n# Ranks: " << where_ranks_run(alloc, ranks) << "\n";
      if (!plan.hostfile.empty())
        std::cout << "# " << plan.hostfile.string() << " would be:\n" << mpi_hostfile(alloc.hosts);
      std::cout << "# Command (run in " << exec_dir.string() << "):\n" << shell_join(mpirun_command(plan)) << "\n";
      return dry_run_stage(p, o, ranks, exec_dir);
    } catch (const Error& e) {
      log::error("{}", e.what());
      return kNothingRun;
    }
  }

  fs::path exec_dir;
  MpirunPlan plan;
  try {
    exec_dir = p.resume ? fs::absolute(p.template_dir).lexically_normal()
                        : create_exec_dir(p.template_dir, now, p.credential_files);
    if (!p.resume) write_text_atomic(exec_dir / "full-workflow-config.yaml", full_config_text(p));
    for (const auto& kv : p.wc.config["environment-variables"])
      ::setenv(kv.first.Scalar().c_str(), kv.second.Scalar().c_str(), 1);
    write_text_atomic(exec_dir / "bash-environment.sh", bash_environment(current_environment()));
    plan = plan_for(p, o, alloc, ranks, exec_dir);
    if (!plan.hostfile.empty()) write_text_atomic(plan.hostfile, mpi_hostfile(alloc.hosts));
  } catch (const Error& e) {
    log::error("{}", e.what());
    return kNothingRun;
  }

  const fs::path log_path = exec_dir / "output.log";
  log::add_file(log_path);
  const int log_fd = ::open(log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  log::info("Teeing output to {}", log_path.string());
  log::info("Working dir: {}{}", exec_dir.string(), p.resume ? " (resuming: finished bricks are skipped)" : "");
  log::info("Ranks: {}", where_ranks_run(alloc, ranks));
  const std::vector<std::string> cmd = mpirun_command(plan);
  log::info("Running {} with {} rank{}: {}", p.wc.workflow.name, ranks, ranks == 1 ? "" : "s", shell_join(cmd));
  const std::string resume = fmt::format("resume with: launchflow -n {} {}", ranks, relaunch_args(p, exec_dir));

  const auto start = std::chrono::steady_clock::now();
  const double unix_start = mpi::unix_now();
  ChildStatus result;
  try {
    result = run_teed(cmd, exec_dir, log_fd, "mpirun", resume);
  } catch (const Error& e) {
    log::error("{}", e.what());
    result.exit_code = 1;
  }
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  report_phases(exec_dir, unix_start, mpi::unix_now());
  if (result.status() == 0) {
    log::info("launchflow: {} finished OK in {}", p.wc.workflow.name, format_duration(seconds));
  } else if (result.exit_code == mpi::kInterruptedCode) {
    log::warn("launchflow: {} interrupted after {}: every finished brick is in the journal; {}", p.wc.workflow.name,
              format_duration(seconds), resume);
  } else {
    const std::string why = result.signal ? fmt::format("killed by signal {}", result.signal)
                                          : fmt::format("exit status {}", result.exit_code);
    log::error("launchflow: {} FAILED ({}) after {}; see {}; {}", p.wc.workflow.name, why, format_duration(seconds),
               log_path.string(), resume);
  }
  if (log_fd >= 0) ::close(log_fd);
  return result.status();
}

}  // namespace

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
      case Options::Mode::status: std::cout << status_text(o.status_dir, mpi::unix_now()); return 0;
      case Options::Mode::run: break;
    }
  } catch (const Error& e) {
    std::cerr << "launchflow: " << e.what() << "\n";
    return kNothingRun;
  }
  return run(o);
}

}  // namespace dflow::launch
