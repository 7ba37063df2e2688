#include "launch/command.hpp"

#include <cstdlib>
#include <fstream>
#include <set>

#include <sched.h>
#include <unistd.h>

#include "core/error.hpp"

namespace dflow::launch {

namespace fs = std::filesystem;

std::vector<std::string> split_shell_words(const std::string& text) {
  std::vector<std::string> words;
  std::string word;
  bool in_word = false;
  char quote = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (quote == '\'') {
      if (c == '\'') quote = 0;
      else word += c;
    } else if (quote == '"') {
      if (c == '"') quote = 0;
      else if (c == '\\' && i + 1 < text.size() && std::string_view("\"\\$`").find(text[i + 1]) != std::string_view::npos)
        word += text[++i];
      else word += c;
    } else if (c == '\'' || c == '"') {
      quote = c;
      in_word = true;
    } else if (c == '\\' && i + 1 < text.size()) {
      word += text[++i];
      in_word = true;
    } else if (c == ' ' || c == '\t' || c == '\n') {
      if (in_word) words.push_back(std::move(word));
      word.clear();
      in_word = false;
    } else {
      word += c;
      in_word = true;
    }
  }
  if (quote) fail("--mpirun-args: unterminated {} quote in \"{}\"", quote == '"' ? "double" : "single", text);
  if (in_word) words.push_back(std::move(word));
  return words;
}

std::string shell_quote(const std::string& word) {
  if (!word.empty() && word.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_@%+=:,./-") ==
                           std::string::npos)
    return word;
  std::string out = "'";
  for (const char c : word) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

std::string shell_join(const std::vector<std::string>& words) {
  std::string out;
  for (const auto& w : words) out += (out.empty() ? "" : " ") + shell_quote(w);
  return out;
}

int physical_cores() {
  cpu_set_t set;
  CPU_ZERO(&set);
  if (sched_getaffinity(0, sizeof set, &set) != 0) return static_cast<int>(sysconf(_SC_NPROCESSORS_ONLN));
  // Hyperthreads of one core share (package, core id); Open MPI counts cores, not threads.
  std::set<std::pair<std::string, std::string>> cores;
  int cpus = 0;
  for (int cpu = 0; cpu < CPU_SETSIZE; ++cpu) {
    if (!CPU_ISSET(cpu, &set)) continue;
    ++cpus;
    const fs::path topo = fmt::format("/sys/devices/system/cpu/cpu{}/topology", cpu);
    std::ifstream pkg(topo / "physical_package_id"), core(topo / "core_id");
    std::string p, c;
    if (!(pkg >> p) || !(core >> c)) return cpus > 0 ? CPU_COUNT(&set) : 1;  // no topology: count CPUs
    cores.insert({p, c});
  }
  return cores.empty() ? 1 : static_cast<int>(cores.size());
}

std::vector<std::string> mpirun_command(const MpirunPlan& plan) {
  std::vector<std::string> cmd = {plan.mpirun, "-np", std::to_string(plan.ranks)};
  switch (plan.allocation.scheduler) {
    case Scheduler::none:
      if (plan.ranks > plan.cores) cmd.push_back("--oversubscribe");
      break;
    case Scheduler::lsf:
      cmd.insert(cmd.end(), {"--hostfile", plan.hostfile.string(), "--mca", "plm", "rsh", "--mca", "plm_rsh_agent",
                             plan.rsh_agent.string()});
      break;
    case Scheduler::slurm: break;
  }
  if (plan.root) cmd.push_back("--allow-run-as-root");
  for (const auto& name : plan.env_names) {
    cmd.push_back("-x");
    cmd.push_back(name);
  }
  cmd.insert(cmd.end(), plan.extra_args.begin(), plan.extra_args.end());
  cmd.push_back(plan.stage.string());
  cmd.push_back("--config");
  cmd.push_back(plan.config.string());
  cmd.push_back("--exec-dir");
  cmd.push_back(plan.exec_dir.string());
  return cmd;
}

void check_ranks_fit(const Allocation& a, int ranks, const std::string& relaunch) {
  if (a.scheduler == Scheduler::none || ranks <= a.slots()) return;
  const std::string ask = a.scheduler == Scheduler::lsf
                              ? fmt::format("bsub -n {0} launchflow -n {0} {1} (-R \"span[ptile=K]\" for K slots per host)", ranks, relaunch)
                              : fmt::format("sbatch -n {0} --wrap \"launchflow -n {0} {1}\"", ranks, relaunch);
  fail("-n {}: more ranks than the {} slots of {}; ranks are never oversubscribed inside an allocation. Ask {} for "
       "{} slots: {}, or let launchflow submit it: launchflow --submit -n {} {}",
       ranks, a.slots(), a.describe(), scheduler_name(a.scheduler), ranks, ask, ranks, relaunch);
}

fs::path find_program(const std::string& name) {
  if (name.find('/') != std::string::npos) return ::access(name.c_str(), X_OK) == 0 ? fs::path(name) : fs::path();
  const char* path = std::getenv("PATH");
  std::string_view rest = path ? path : "/usr/bin:/bin";
  while (true) {
    const size_t colon = rest.find(':');
    const std::string dir(rest.substr(0, colon));
    const fs::path candidate = fs::path(dir.empty() ? "." : dir) / name;
    if (::access(candidate.c_str(), X_OK) == 0 && !fs::is_directory(candidate)) return candidate;
    if (colon == std::string_view::npos) return {};
    rest.remove_prefix(colon + 1);
  }
}

}  // namespace dflow::launch
