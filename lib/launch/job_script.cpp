#include "launch/job_script.hpp"

#include <regex>

#include <fmt/format.h>

#include "core/error.hpp"
#include "launch/command.hpp"
#include "launch/job_templates.hpp"

namespace dflow::launch {

namespace {

void replace_all(std::string& text, const std::string& from, const std::string& to) {
  for (size_t at = 0; (at = text.find(from, at)) != std::string::npos; at += to.size()) text.replace(at, from.size(), to);
}

}  // namespace

std::string job_script_name(Scheduler s) { return s == Scheduler::slurm ? "job.slurm" : "job.lsf"; }

std::vector<std::string> job_directives(const JobRequest& r) {
  const YAML::Node& o = r.options;
  const auto text = [&](const char* key) { return o[key] ? o[key].as<std::string>() : std::string(); };
  const auto number = [&](const char* key) { return o[key] ? o[key].as<int64_t>() : int64_t(0); };
  const std::string walltime = text("walltime");
  std::smatch m;
  static const std::regex hhmm(R"((\d+):([0-5]\d))");
  if (!std::regex_match(walltime, m, hhmm))
    fail("{}: scheduler.walltime: expected HH:MM (e.g. \"04:00\"), got \"{}\"", r.config_file, walltime);
  const std::string name = text("job-name").empty() ? r.default_name : text("job-name");
  const std::string log = (r.exec_dir / "job-%J.log").string();
  const int64_t mem = number("memory-per-slot-mib"), ptile = number("slots-per-host"), warn = number("warning-seconds");
  std::vector<std::string> d;
  const bool lsf = r.scheduler == Scheduler::lsf;
  const auto add = [&](const std::string& option) { d.push_back((lsf ? "#BSUB " : "#SBATCH ") + option); };
  if (lsf) {
    add("-J " + shell_quote(name));
    add(fmt::format("-n {}", r.ranks));
    if (ptile > 0) add(fmt::format("-R \"span[ptile={}]\"", ptile));
    add("-W " + walltime);
    if (mem > 0) {
      add(fmt::format("-M {}MB", mem));
      add(fmt::format("-R \"rusage[mem={}MB]\"", mem));
    }
    if (!text("project").empty()) add("-P " + shell_quote(text("project")));
    if (!text("queue").empty()) add("-q " + shell_quote(text("queue")));
    add("-cwd " + shell_quote(r.exec_dir.string()));
    add("-o " + shell_quote(log));
    // -wt is in minutes; a warning is better early than missing.
    if (warn > 0) add(fmt::format("-wa USR2 -wt {}", (warn + 59) / 60));
  } else {
    add("--job-name=" + shell_quote(name));
    add(fmt::format("--ntasks={}", r.ranks));
    if (ptile > 0) add(fmt::format("--ntasks-per-node={}", ptile));
    add(fmt::format("--time={}:{}:00", m[1].str(), m[2].str()));
    if (mem > 0) add(fmt::format("--mem-per-cpu={}M", mem));
    if (!text("project").empty()) add("--account=" + shell_quote(text("project")));
    if (!text("queue").empty()) add("--partition=" + shell_quote(text("queue")));
    add("--chdir=" + shell_quote(r.exec_dir.string()));
    std::string slurm_log = log;
    replace_all(slurm_log, "%J", "%j");
    add("--output=" + shell_quote(slurm_log));
    if (warn > 0) add(fmt::format("--signal=B:USR2@{}", warn));
  }
  if (o["extra-directives"])
    for (const auto& extra : o["extra-directives"]) add(extra.as<std::string>());
  return d;
}

std::string job_script(const JobRequest& r) {
  std::string script(r.scheduler == Scheduler::slurm ? kSlurmJobTemplate : kLsfJobTemplate);
  std::string directives;
  for (const auto& line : job_directives(r)) directives += (directives.empty() ? "" : "\n") + line;
  replace_all(script, "@DIRECTIVES@", directives);
  replace_all(script, "@LAUNCHFLOW@", shell_quote(r.launchflow.string()));
  replace_all(script, "@RANKS@", std::to_string(r.ranks));
  replace_all(script, "@EXEC_DIR@", shell_quote(r.exec_dir.string()));
  return script;
}

SubmitCommand submit_command(Scheduler s, const std::filesystem::path& script) {
  // LSF reads #BSUB lines only from a script given on stdin (as flyemflows' use-stdin).
  if (s == Scheduler::lsf) return {{"bsub"}, script};
  return {{"sbatch", script.string()}, {}};
}

std::optional<std::string> parse_job_id(Scheduler s, const std::string& output) {
  static const std::regex lsf(R"(Job <(\d+)> is submitted)"), slurm(R"(Submitted batch job (\d+))");
  std::smatch m;
  if (std::regex_search(output, m, s == Scheduler::lsf ? lsf : slurm)) return m[1].str();
  return std::nullopt;
}

}  // namespace dflow::launch
