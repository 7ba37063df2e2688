#pragma once
// Running launchflow from the tests (test_launchflow.cpp, test_cluster.cpp): spawn it with an
// adjusted environment, wait, collect its output; template and execution directory helpers.
#include <cstdlib>
#include <filesystem>
#include <regex>
#include <string>
#include <vector>

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>

#include "core/files.hpp"

extern char** environ;

namespace dflow::test {

namespace fs = std::filesystem;

struct Run {
  int status = -1;
  std::string out, err;
};

inline std::string launchflow_path() {
  const char* p = std::getenv("DFLOW_LAUNCHFLOW");
  REQUIRE(p);
  return p;
}

// Starts launchflow with `args` in `cwd`, stdout/stderr into files; `env` entries are added ("K=V")
// or removed ("K").
inline pid_t spawn(const std::vector<std::string>& args, const fs::path& cwd, const std::vector<std::string>& env = {}) {
  std::vector<std::string> envs;
  for (char** e = environ; *e; ++e) {
    const std::string entry = *e;
    bool drop = false;
    for (const auto& x : env) drop |= entry.rfind(x.substr(0, x.find('=')) + "=", 0) == 0;
    if (!drop) envs.push_back(entry);
  }
  for (const auto& x : env)
    if (x.find('=') != std::string::npos) envs.push_back(x);
  std::vector<std::string> argv = {launchflow_path()};
  argv.insert(argv.end(), args.begin(), args.end());
  std::vector<char*> a, e;
  for (auto& s : argv) a.push_back(s.data());
  a.push_back(nullptr);
  for (auto& s : envs) e.push_back(s.data());
  e.push_back(nullptr);
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 1, (cwd / "launchflow.stdout").c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_addopen(&fa, 2, (cwd / "launchflow.stderr").c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_addchdir_np(&fa, cwd.c_str());
  pid_t pid = -1;
  REQUIRE(posix_spawn(&pid, a[0], &fa, nullptr, a.data(), e.data()) == 0);
  posix_spawn_file_actions_destroy(&fa);
  return pid;
}

inline Run finish(pid_t pid, const fs::path& cwd) {
  int status = 0;
  REQUIRE(waitpid(pid, &status, 0) == pid);
  Run r;
  r.status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  r.out = read_text(cwd / "launchflow.stdout");
  r.err = read_text(cwd / "launchflow.stderr");
  return r;
}

inline Run launchflow(const std::vector<std::string>& args, const fs::path& cwd, const std::vector<std::string>& env = {}) {
  return finish(spawn(args, cwd, env), cwd);
}

// A template directory "tmpl" under `root` with an auxiliary file, a subdirectory and a symlink.
inline fs::path make_template(const fs::path& root, const std::string& yaml) {
  const fs::path t = root / "tmpl";
  fs::create_directories(t / "sub");
  write_text_atomic(t / "workflow.yaml", yaml);
  write_text_atomic(t / "notes.txt", "auxiliary\n");
  write_text_atomic(t / "sub" / "data.txt", "nested\n");
  fs::create_symlink("notes.txt", t / "link");
  return t;
}

inline std::vector<fs::path> exec_dirs(const fs::path& root, const std::string& tmpl = "tmpl") {
  const std::regex name(tmpl + R"(-\d{8}\.\d{6}(-\d+)?)");
  std::vector<fs::path> out;
  for (const auto& e : fs::directory_iterator(root))
    if (std::regex_match(e.path().filename().string(), name)) out.push_back(e.path());
  return out;
}

inline std::vector<std::string> lines(const std::string& text) {
  std::vector<std::string> out;
  size_t start = 0;
  for (size_t nl; (nl = text.find('\n', start)) != std::string::npos; start = nl + 1) out.push_back(text.substr(start, nl - start));
  return out;
}

inline bool has_line_matching(const std::vector<std::string>& ls, const std::string& pattern) {
  const std::regex re(pattern);
  for (const auto& l : ls)
    if (std::regex_search(l, re)) return true;
  return false;
}

}  // namespace dflow::test
