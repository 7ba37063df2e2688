#include "launch/job_script.hpp"

#include <cerrno>
#include <cstring>
#include <regex>

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fmt/format.h>

#include "core/error.hpp"
#include "launch/command.hpp"
#include "launch/job_templates.hpp"

extern char** environ;

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

std::pair<int, std::string> run_submit(const SubmitCommand& cmd) {
  const std::vector<std::string>& argv = cmd.argv;
  const std::filesystem::path& stdin_file = cmd.stdin_file;
  int pipe_fd[2];
  if (::pipe2(pipe_fd, O_CLOEXEC) != 0) fail("cannot create a pipe: {}", std::strerror(errno));
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  if (!stdin_file.empty()) posix_spawn_file_actions_addopen(&fa, 0, stdin_file.c_str(), O_RDONLY, 0);
  else posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&fa, pipe_fd[1], 1);
  posix_spawn_file_actions_adddup2(&fa, pipe_fd[1], 2);
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  pid_t pid = -1;
  const int rc = ::posix_spawnp(&pid, args[0], &fa, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&fa);
  ::close(pipe_fd[1]);
  if (rc != 0) {
    ::close(pipe_fd[0]);
    fail("cannot run {}: {}", argv[0], std::strerror(rc));
  }
  std::string out;
  char buf[4096];
  for (ssize_t n; (n = ::read(pipe_fd[0], buf, sizeof buf)) != 0;) {
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) break;
    out.append(buf, size_t(n));
  }
  ::close(pipe_fd[0]);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  return {WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status), out};
}

std::optional<std::string> parse_job_id(Scheduler s, const std::string& output) {
  static const std::regex lsf(R"(Job <(\d+)> is submitted)"), slurm(R"(Submitted batch job (\d+))");
  std::smatch m;
  if (std::regex_search(output, m, s == Scheduler::lsf ? lsf : slurm)) return m[1].str();
  return std::nullopt;
}

}  // namespace dflow::launch
