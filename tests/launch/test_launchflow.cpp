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
#include "launchflow_support.hpp"
#include "test_support.hpp"

extern char** environ;

using namespace dflow;
namespace fs = std::filesystem;

namespace {

using namespace dflow::test;

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
  const std::string dir_re = std::regex_replace(dirs[0].string(), std::regex(R"([.])"), R"(\.)");
  CHECK(std::regex_search(log_lines.back(),
                          std::regex(R"(\[launchflow\] ERROR launchflow: selftest FAILED \(exit status 3\) after 0:00:\d\d; see )" +
                                     dir_re + R"(/output\.log; resume with: launchflow -n 4 --resume )" + dir_re + "$")));
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
  // The first SIGTERM becomes SIGUSR2 (stop after the current brick); the selftest stage has no
  // handler for it, so its ranks end at once.
  CHECK(has_line_matching(log_lines, R"(\[launchflow\] WARN  Received signal 15 \(Terminated\); sent SIGUSR2 to mpirun \(pid \d+\): every rank stops after its current brick \(signal again to stop at once\); resume with: launchflow -n 2 --resume \S+$)"));
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
  SECTION("cluster-type lsf outside an LSF job") {
    make_template(root, "workflow-name: selftest\ncluster-type: lsf\n");
    const Run r = launchflow({"-n", "8", "tmpl"}, root, {"LSB_JOBID", "SLURM_JOB_ID"});
    CHECK(r.status == 2);
    CHECK(r.err.find("tmpl/workflow.yaml: cluster-type: lsf, but this is not inside an LSF job: submit it (launchflow "
                     "--submit -n 8 tmpl), or run it on this machine with cluster-type: mpirun\n") != std::string::npos);
  }
  SECTION("--submit with cluster-type mpirun") {
    make_template(root, "workflow-name: selftest\n");
    const Run r = launchflow({"--submit", "tmpl"}, root);
    CHECK(r.status == 2);
    CHECK(r.err.find("tmpl/workflow.yaml: cluster-type: --submit needs lsf or slurm (scheduler options under "
                     "scheduler:), not mpirun\n") != std::string::npos);
  }
  SECTION("--resume of a directory launchflow did not make") {
    make_template(root, "workflow-name: selftest\n");
    const Run r = launchflow({"--resume", "tmpl"}, root);
    CHECK(r.status == 2);
    CHECK(r.err.find("tmpl: not an execution directory made by launchflow (no full-workflow-config.yaml)") != std::string::npos);
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
  CHECK(r.out.find("\n# Ranks: 3 ranks on this machine (") != std::string::npos);
  // Then the stage's own dry run, planned for the same rank count.
  CHECK(r.out.find("# The stage's own plan (dflow-selftest-stage --dry-run at 3 ranks):\n") != std::string::npos);
  CHECK(r.out.find("[rank 0] INFO  selftest dry run: 3 ranks would log \"greetings\"") != std::string::npos);
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
