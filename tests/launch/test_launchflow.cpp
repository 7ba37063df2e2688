// launchflow end to end, under mpirun, with the TEST-ONLY "selftest" workflow (its stage is
// selftest_stage.cpp): the execution directory and every file in it, output.log with lines from each
// rank, mpirun's own lines prefixed, the summary line, exit status propagation, signal forwarding,
// and that a bad workflow.yaml (or dry run) creates nothing.
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <regex>
#include <thread>

#include <fcntl.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>

#include "config/schema.hpp"
#include "config/workflows.hpp"
#include "core/files.hpp"
#include "core/log.hpp"
#include "launch/command.hpp"
#include "test_support.hpp"

extern char** environ;

using namespace dflow;
namespace fs = std::filesystem;

namespace {

struct Run {
  int status = -1;
  std::string out, err;
};

std::string launchflow_path() {
  const char* p = std::getenv("DFLOW_LAUNCHFLOW");
  REQUIRE(p);
  return p;
}

// Starts launchflow with `args` in `cwd`, stdout/stderr into files; `env` entries are added ("K=V")
// or removed ("K").
pid_t spawn(const std::vector<std::string>& args, const fs::path& cwd, const std::vector<std::string>& env = {}) {
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

Run finish(pid_t pid, const fs::path& cwd) {
  int status = 0;
  REQUIRE(waitpid(pid, &status, 0) == pid);
  Run r;
  r.status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  r.out = read_text(cwd / "launchflow.stdout");
  r.err = read_text(cwd / "launchflow.stderr");
  return r;
}

Run launchflow(const std::vector<std::string>& args, const fs::path& cwd, const std::vector<std::string>& env = {}) {
  return finish(spawn(args, cwd, env), cwd);
}

// A template directory "tmpl" under `root` with an auxiliary file, a subdirectory and a symlink.
fs::path make_template(const fs::path& root, const std::string& yaml) {
  const fs::path t = root / "tmpl";
  fs::create_directories(t / "sub");
  write_text_atomic(t / "workflow.yaml", yaml);
  write_text_atomic(t / "notes.txt", "auxiliary\n");
  write_text_atomic(t / "sub" / "data.txt", "nested\n");
  fs::create_symlink("notes.txt", t / "link");
  return t;
}

std::vector<fs::path> exec_dirs(const fs::path& root) {
  static const std::regex name(R"(tmpl-\d{8}\.\d{6}(-\d+)?)");
  std::vector<fs::path> out;
  for (const auto& e : fs::directory_iterator(root))
    if (std::regex_match(e.path().filename().string(), name)) out.push_back(e.path());
  return out;
}

std::vector<std::string> lines(const std::string& text) {
  std::vector<std::string> out;
  size_t start = 0;
  for (size_t nl; (nl = text.find('\n', start)) != std::string::npos; start = nl + 1) out.push_back(text.substr(start, nl - start));
  return out;
}

bool has_line_matching(const std::vector<std::string>& ls, const std::string& pattern) {
  const std::regex re(pattern);
  for (const auto& l : ls)
    if (std::regex_search(l, re)) return true;
  return false;
}

const std::string kSelftestYaml =
    "workflow-name: selftest\n"
    "environment-variables:\n"
    "  DFLOW_SELFTEST_VAR: \"it's from the config\"\n"
    "selftest:\n"
    "  message: greetings\n";

}  // namespace

TEST_CASE("a successful run under mpirun with 2 ranks") {
  const fs::path root = test::scratch_dir("launchflow-ok");
  make_template(root, kSelftestYaml);
  const Run r = launchflow({"-n", "2", "tmpl/"}, root);
  INFO(r.out << r.err);
  CHECK(r.status == 0);
  const auto dirs = exec_dirs(root);
  REQUIRE(dirs.size() == 1);
  const fs::path x = dirs[0];

  // The whole template, symlinks kept, workflow.yaml read-only and unchanged.
  CHECK(read_text(x / "notes.txt") == "auxiliary\n");
  CHECK(read_text(x / "sub" / "data.txt") == "nested\n");
  CHECK(fs::is_symlink(x / "link"));
  CHECK(read_text(x / "workflow.yaml") == kSelftestYaml);
  struct stat st {};
  REQUIRE(::stat((x / "workflow.yaml").c_str(), &st) == 0);
  CHECK((st.st_mode & 07777) == 0444);

  // full-workflow-config.yaml: the validated config with every default, which validates again.
  const std::string full = read_text(x / "full-workflow-config.yaml");
  const auto expected = config::parse_workflow_config(kSelftestYaml, "workflow.yaml");
  CHECK(full.find(config::to_yaml(expected.workflow.schema(), expected.config)) != std::string::npos);
  CHECK(full.find("cluster-type: mpirun\n") != std::string::npos);
  CHECK(full.find("  exit-status: 0\n") != std::string::npos);
  const auto reread = config::load_workflow_config(x / "full-workflow-config.yaml");
  CHECK(config::to_yaml(reread.workflow.schema(), reread.config) == config::to_yaml(expected.workflow.schema(), expected.config));

  // bash-environment.sh holds the config's variables, safely quoted.
  CHECK(read_text(x / "bash-environment.sh").find("DFLOW_SELFTEST_VAR='it'\\''s from the config'\n") != std::string::npos);

  // output.log: launchflow's lines, both ranks, mpirun-prefixed plain lines, the summary last.
  const auto log_lines = lines(read_text(x / "output.log"));
  const std::string xs = x.string();
  CHECK(has_line_matching(log_lines, R"(\[launchflow\] INFO  Teeing output to )" + std::regex_replace(xs, std::regex(R"([.])"), R"(\.)") + R"(/output\.log$)"));
  CHECK(has_line_matching(log_lines, R"(\[launchflow\] INFO  Working dir: .*tmpl-\d{8}\.\d{6}$)"));
  CHECK(has_line_matching(log_lines, R"(\[launchflow\] INFO  Running selftest with 2 ranks: \S*mpirun -np 2 .*-x DFLOW_SELFTEST_VAR .*/dflow-selftest-stage --config \S+/full-workflow-config\.yaml --exec-dir )"));
  const bool oversubscribe = 2 > launch::physical_cores();
  CHECK(has_line_matching(log_lines, "Running selftest.* --oversubscribe ") == oversubscribe);
  CHECK(has_line_matching(log_lines, "Running selftest.* --allow-run-as-root ") == (::geteuid() == 0));
  CHECK(has_line_matching(log_lines, R"(\[rank 0\] INFO  selftest rank 0 of 2: greetings$)"));
  CHECK(has_line_matching(log_lines, R"(\[rank 1\] INFO  selftest rank 1 of 2: greetings$)"));
  CHECK(has_line_matching(log_lines, R"(\[rank 1\] WARN  a warning from rank 1$)"));
  CHECK(has_line_matching(log_lines, R"(\[rank 0\] INFO  cwd=.*tmpl-\d{8}\.\d{6} exec-dir=.*tmpl-\d{8}\.\d{6}$)"));
  CHECK(has_line_matching(log_lines, R"(\[rank 1\] INFO  DFLOW_SELFTEST_VAR=it's from the config$)"));
  CHECK(!has_line_matching(log_lines, "a debug line"));  // log-level info
  CHECK(has_line_matching(log_lines, R"(\[mpirun\] INFO  plain stdout line from rank 0$)"));
  CHECK(has_line_matching(log_lines, R"(\[mpirun\] WARN  plain stderr line from rank 0$)"));
  for (const auto& l : log_lines) CHECK(log::has_line_prefix(l));
  REQUIRE(!log_lines.empty());
  CHECK(std::regex_search(log_lines.back(), std::regex(R"(\[launchflow\] INFO  launchflow: selftest finished OK in 0:00:\d\d$)")));
  // The terminal saw the same run.
  CHECK(r.out.find("selftest rank 1 of 2: greetings") != std::string::npos);
  CHECK(r.out.find("launchflow: selftest finished OK in") != std::string::npos);
  CHECK(r.err.find("[mpirun] WARN  plain stderr line from rank 0") != std::string::npos);
}

TEST_CASE("a failing stage: its exit status is launchflow's, and the summary says so") {
  const fs::path root = test::scratch_dir("launchflow-fail");
  make_template(root, "workflow-name: selftest\nlog-level: debug\nselftest: {exit-status: 3}\n");
  const Run r = launchflow({"-n", "4", "tmpl"}, root);
  INFO(r.out << r.err);
  CHECK(r.status == 3);
  const auto dirs = exec_dirs(root);
  REQUIRE(dirs.size() == 1);
  const auto log_lines = lines(read_text(dirs[0] / "output.log"));
  for (int rank = 0; rank < 4; ++rank)
    CHECK(has_line_matching(log_lines, fmt::format(R"(\[rank {}\] INFO  selftest rank {} of 4: hello$)", rank, rank)));
  CHECK(has_line_matching(log_lines, R"(\[rank 2\] DEBUG a debug line from rank 2$)"));  // log-level debug
  CHECK(has_line_matching(log_lines, "Running selftest with 4 ranks: .*mpirun -np 4 ") );
  CHECK(has_line_matching(log_lines, "Running selftest.* --oversubscribe ") == (4 > launch::physical_cores()));
  REQUIRE(!log_lines.empty());
  CHECK(std::regex_search(log_lines.back(),
                          std::regex(R"(\[launchflow\] ERROR launchflow: selftest FAILED \(exit status 3\) after 0:00:\d\d; see )" +
                                     std::regex_replace(dirs[0].string(), std::regex(R"([.])"), R"(\.)") + R"(/output\.log$)")));
}

TEST_CASE("SIGTERM to launchflow reaches the ranks") {
  const fs::path root = test::scratch_dir("launchflow-signal");
  make_template(root, "workflow-name: selftest\nselftest: {sleep-seconds: 120}\n");
  const auto start = std::chrono::steady_clock::now();
  const pid_t pid = spawn({"-n", "2", "tmpl"}, root);
  // Wait until both ranks are running (their first lines are in output.log).
  bool running = false;
  while (!running && std::chrono::steady_clock::now() - start < std::chrono::seconds(60)) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    const auto dirs = exec_dirs(root);
    if (dirs.size() == 1 && fs::exists(dirs[0] / "output.log")) {
      const std::string text = read_text(dirs[0] / "output.log");
      running = text.find("selftest rank 0 of 2") != std::string::npos && text.find("selftest rank 1 of 2") != std::string::npos;
    }
  }
  REQUIRE(running);
  ::kill(pid, SIGTERM);
  const Run r = finish(pid, root);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  INFO(r.out << r.err);
  CHECK(seconds < 60);  // not the 120 s the ranks would have slept
  CHECK(r.status != 0);
  const auto log_lines = lines(read_text(exec_dirs(root)[0] / "output.log"));
  REQUIRE(!log_lines.empty());
  CHECK(std::regex_search(log_lines.back(), std::regex(R"(launchflow: selftest FAILED \(.*\) after 0:00:\d\d; see )")));
  CHECK(has_line_matching(log_lines, R"(\[launchflow\] WARN  Received signal 15 \(Terminated\); forwarded to mpirun \(pid \d+\)$)"));
}

TEST_CASE("a bad workflow.yaml creates nothing and exits 2 with one clear line") {
  const fs::path root = test::scratch_dir("launchflow-bad");
  SECTION("YAML syntax") {
    make_template(root, "workflow-name: selftest\nselftest: {message: [oops}\n");
    const Run r = launchflow({"-n", "2", "tmpl"}, root);
    CHECK(r.status == 2);
    CHECK(std::regex_search(r.err, std::regex(R"(\[launchflow\] ERROR tmpl/workflow\.yaml: line 2, column \d+: .+\n$)")));
  }
  SECTION("schema") {
    make_template(root, "workflow-name: selftest\nselftest: {exit-status: three}\n");
    const Run r = launchflow({"tmpl"}, root);
    CHECK(r.status == 2);
    CHECK(r.err.find("tmpl/workflow.yaml: selftest.exit-status: expected an integer, got \"three\"\n") != std::string::npos);
  }
  SECTION("unknown workflow") {
    make_template(root, "workflow-name: nosuch\n");
    const Run r = launchflow({"tmpl"}, root);
    CHECK(r.status == 2);
    // The known list grows with every stage; it starts with the first and ends with the test-only one.
    CHECK(r.err.find("tmpl/workflow.yaml: workflow-name: unknown workflow \"nosuch\" (known: survey-volume, ") != std::string::npos);
    CHECK(r.err.find(", selftest)") != std::string::npos);
  }
  SECTION("no workflow.yaml") {
    fs::create_directories(root / "tmpl");
    const Run r = launchflow({"tmpl"}, root);
    CHECK(r.status == 2);
    CHECK(r.err.find("tmpl/workflow.yaml: not found (a template directory must hold workflow.yaml)") != std::string::npos);
  }
  SECTION("stage program missing") {
    make_template(root, kSelftestYaml);
    const Run r = launchflow({"tmpl"}, root, {"DFLOW_BIN_DIR=/nonexistent"});
    CHECK(r.status == 2);
    CHECK(r.err.find("stage executable not found: /nonexistent/dflow-selftest-stage") != std::string::npos);
  }
  SECTION("environment variable names must be shell names") {
    make_template(root, "workflow-name: selftest\nenvironment-variables: {\"A B\": x}\n");
    const Run r = launchflow({"tmpl"}, root);
    CHECK(r.status == 2);
    CHECK(r.err.find("tmpl/workflow.yaml: environment-variables.A B: not a valid variable name") != std::string::npos);
  }
  SECTION("LSF is not yet supported") {
    make_template(root, "workflow-name: selftest\ncluster-type: lsf\n");
    const Run r = launchflow({"tmpl"}, root);
    CHECK(r.status == 2);
    CHECK(r.err.find("submitting to LSF (cluster-type: lsf / --submit lsf) is not yet supported") != std::string::npos);
  }
  CHECK(exec_dirs(root).empty());
}

TEST_CASE("dry run prints the full config and the command and creates nothing") {
  const fs::path root = test::scratch_dir("launchflow-dry");
  make_template(root, kSelftestYaml);
  const Run r = launchflow({"--dry-run", "-n", "3", "--mpirun-args", "--map-by core", "tmpl"}, root);
  CHECK(r.status == 0);
  CHECK(r.out.find("  message: greetings\n  exit-status: 0\n") != std::string::npos);
  CHECK(std::regex_search(r.out, std::regex(R"(\n\S*mpirun -np 3 .*--map-by core \S+/dflow-selftest-stage --config \S+tmpl-\d{8}\.\d{6}/full-workflow-config\.yaml)")));
  CHECK(exec_dirs(root).empty());
}

TEST_CASE("introspection: list, default yaml, document; selftest only when enabled") {
  const fs::path root = test::scratch_dir("launchflow-intro");
  const Run hidden = launchflow({"--list-workflows"}, root, {"DFLOW_ENABLE_SELFTEST"});
  CHECK(hidden.status == 0);
  CHECK(hidden.out.find("survey-volume") != std::string::npos);
  CHECK(hidden.out.find("selftest") == std::string::npos);
  CHECK(launchflow({"--list-workflows"}, root).out.find("selftest") != std::string::npos);

  // The dumped defaults are a valid workflow.yaml that runs as is.
  const Run dump = launchflow({"--dump-default-yaml", "selftest"}, root);
  CHECK(dump.status == 0);
  CHECK(dump.out.find("workflow-name: selftest\n") != std::string::npos);
  make_template(root, dump.out);
  const Run run = launchflow({"tmpl"}, root);
  CHECK(run.status == 0);

  const Run doc = launchflow({"--document", "survey-volume"}, root);
  CHECK(doc.out.find("| `input.n5.path` | string | **required** |") != std::string::npos);
  const Run bad = launchflow({"--document", "nosuch"}, root);
  CHECK(bad.status == 2);
  CHECK(bad.err.starts_with("launchflow: unknown workflow \"nosuch\" (known: survey-volume, "));
  CHECK(bad.err.ends_with(", selftest)\n"));
}
