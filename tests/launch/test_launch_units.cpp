// launchflow's pieces: options, shell words and quoting, the mpirun command line, execution
// directory naming and copying, bash-environment.sh, line prefixing for output.log, durations.
#include <fstream>
#include <regex>

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <catch2/catch.hpp>

#include "core/error.hpp"
#include "core/files.hpp"
#include "core/log.hpp"
#include "launch/command.hpp"
#include "launch/exec_dir.hpp"
#include "launch/launchflow.hpp"
#include "launch/mpirun_noise.hpp"
#include "launch/options.hpp"
#include "launch/tee.hpp"
#include "test_support.hpp"

using namespace dflow;
using test::error_of;
using namespace dflow::launch;
namespace fs = std::filesystem;

TEST_CASE("options") {
  const Options o = parse_options({"-n", "4", "--dry-run", "--mpirun-args", "--hostfile 'my hosts' -x A", "tmpl/"});
  CHECK(o.mode == Options::Mode::run);
  CHECK(o.ranks == 4);
  CHECK(o.dry_run);
  CHECK(o.mpirun_args == std::vector<std::string>{"--hostfile", "my hosts", "-x", "A"});
  CHECK(o.template_dir == "tmpl/");
  CHECK(!o.submit);
  CHECK(parse_options({"-n8", "t"}).ranks == 8);
  CHECK(!parse_options({"t"}).ranks);  // the default depends on the allocation
  CHECK(parse_options({"--num-ranks=3", "--submit", "t"}).submit);
  const Options r = parse_options({"-n", "3", "--resume", "x-20260101.000000"});
  CHECK(r.resume_dir == "x-20260101.000000");
  CHECK(r.template_dir.empty());
  const Options st = parse_options({"--status", "x-1"});
  CHECK(st.mode == Options::Mode::status);
  CHECK(st.status_dir == "x-1");
  CHECK(parse_options({"--list-workflows"}).mode == Options::Mode::list_workflows);
  const Options d = parse_options({"--dump-default-yaml", "survey-volume"});
  CHECK(d.mode == Options::Mode::dump_default_yaml);
  CHECK(d.workflow_name == "survey-volume");
  CHECK(parse_options({"-h"}).mode == Options::Mode::help);

  CHECK(error_of([] { parse_options({"-n", "four", "t"}); }) == "-n: expected a positive number of ranks, got \"four\"");
  CHECK(error_of([] { parse_options({"-n", "0", "t"}); }) == "-n: expected a positive number of ranks, got \"0\"");
  CHECK(error_of([] { parse_options({"t", "-n"}); }) == "-n needs a value (see launchflow --help)");
  CHECK(error_of([] { parse_options({"--submit=lsf", "t"}); }) ==
        "--submit takes no value: the scheduler is the config's cluster-type (lsf or slurm)");
  CHECK(error_of([] { parse_options({"--resume", "x", "t"}); }) ==
        "--resume takes the execution directory; do not also give a TEMPLATE_DIR (t)");
  CHECK(error_of([] { parse_options({"--frobnicate", "t"}); }) == "unknown option --frobnicate (see launchflow --help)");
  CHECK(error_of([] { parse_options({"-n", "2"}); }) == "missing TEMPLATE_DIR (see launchflow --help)");
  CHECK(error_of([] { parse_options({"a", "b"}); }) == "expected one TEMPLATE_DIR, got 2 arguments");
  CHECK(error_of([] { parse_options({"--mpirun-args", "-x 'A", "t"}); }) ==
        "--mpirun-args: unterminated single quote in \"-x 'A\"");
}

TEST_CASE("shell words and quoting") {
  CHECK(split_shell_words("  a  b\\ c \"d e\" 'f\"g' \"h\\\"i\" ''") ==
        std::vector<std::string>{"a", "b c", "d e", "f\"g", "h\"i", ""});
  CHECK(shell_quote("plain/path-1.yaml") == "plain/path-1.yaml");
  CHECK(shell_quote("has space") == "'has space'");
  CHECK(shell_quote("it's") == "'it'\\''s'");
  CHECK(shell_quote("") == "''");
  CHECK(shell_join({"mpirun", "-np", "2", "/a b/stage"}) == "mpirun -np 2 '/a b/stage'");
  // What shell_join writes, a shell splits back into the same words.
  const std::vector<std::string> words = {"x", "a b", "it's", "$HOME", "\"q\"", ""};
  CHECK(split_shell_words(shell_join(words)) == words);
}

TEST_CASE("the mpirun command line") {
  MpirunPlan p;
  p.mpirun = "/usr/bin/mpirun";
  p.ranks = 2;
  p.cores = 2;
  p.stage = "/opt/bin/survey-volume";
  p.config = "/x/run-1/full-workflow-config.yaml";
  p.exec_dir = "/x/run-1";
  CHECK(mpirun_command(p) == std::vector<std::string>{"/usr/bin/mpirun", "-np", "2", "/opt/bin/survey-volume", "--config",
                                                      "/x/run-1/full-workflow-config.yaml", "--exec-dir", "/x/run-1"});
  p.ranks = 4;
  p.root = true;
  p.env_names = {"OMP_NUM_THREADS"};
  p.extra_args = {"--map-by", "core"};
  CHECK(mpirun_command(p) ==
        std::vector<std::string>{"/usr/bin/mpirun", "-np", "4", "--oversubscribe", "--allow-run-as-root", "-x",
                                 "OMP_NUM_THREADS", "--map-by", "core", "/opt/bin/survey-volume", "--config",
                                 "/x/run-1/full-workflow-config.yaml", "--exec-dir", "/x/run-1"});
  CHECK(physical_cores() >= 1);
  CHECK(!find_program("sh").empty());
  CHECK(find_program("no-such-program-dflow").empty());
}

TEST_CASE("execution directory: name, copy with symlinks, read-only workflow.yaml, never clobbered") {
  const fs::path root = test::scratch_dir("launch-execdir");
  const fs::path tmpl = root / "tmpl";
  fs::create_directories(tmpl / "sub");
  write_text_atomic(tmpl / "workflow.yaml", "workflow-name: x\n");
  write_text_atomic(tmpl / "sub" / "data.txt", "aux\n");
  fs::create_symlink("sub/data.txt", tmpl / "link");

  std::tm tm{};
  tm.tm_year = 2026 - 1900;
  tm.tm_mon = 2;
  tm.tm_mday = 7;
  tm.tm_hour = 9;
  tm.tm_min = 5;
  tm.tm_sec = 3;
  tm.tm_isdst = -1;
  const std::time_t t = std::mktime(&tm);
  CHECK(exec_dir_name(tmpl, t) == fs::path(tmpl.string() + "-20260307.090503"));
  CHECK(exec_dir_name(tmpl.string() + "///", t) == fs::path(tmpl.string() + "-20260307.090503"));
  CHECK(exec_dir_name(tmpl / ".", t) == fs::path(tmpl.string() + "-20260307.090503"));
  CHECK(exec_dir_name("rel", t).is_absolute());

  const fs::path first = create_exec_dir(tmpl, t);
  CHECK(first == fs::path(tmpl.string() + "-20260307.090503"));
  CHECK(read_text(first / "workflow.yaml") == "workflow-name: x\n");
  CHECK(read_text(first / "sub" / "data.txt") == "aux\n");
  CHECK(fs::is_symlink(first / "link"));
  CHECK(fs::read_symlink(first / "link") == "sub/data.txt");
  struct stat st {};
  REQUIRE(::stat((first / "workflow.yaml").c_str(), &st) == 0);
  CHECK((st.st_mode & 07777) == 0444);
  // The template itself is untouched.
  REQUIRE(::stat((tmpl / "workflow.yaml").c_str(), &st) == 0);
  CHECK((st.st_mode & 0200) != 0);

  write_text_atomic(first / "output.log", "run 1\n");
  const fs::path second = create_exec_dir(tmpl, t);
  CHECK(second == fs::path(first.string() + "-2"));
  CHECK(read_text(first / "output.log") == "run 1\n");
  CHECK(create_exec_dir(tmpl, t) == fs::path(first.string() + "-3"));

  CHECK(error_of([&] { create_exec_dir(root / "missing", t); }).find("cannot copy the template") != std::string::npos);
  CHECK(!fs::exists(root / ("missing-20260307.090503")));  // nothing left behind
}

TEST_CASE("bash-environment.sh survives any value when sourced") {
  const std::string text = bash_environment({"PLAIN=abc", "QUOTES=it's \"x\" $HOME `id`", "EMPTY=", "MULTI=a\nb",
                                             "BASH_FUNC_f%%=() { :; }"});
  CHECK(text.find("PLAIN='abc'\n") != std::string::npos);
  CHECK(text.find("EMPTY=''\n") != std::string::npos);
  CHECK(text.find("# not a shell name, skipped: 'BASH_FUNC_f%%'\n") != std::string::npos);
  const fs::path file = test::scratch_dir("launch-env") / "bash-environment.sh";
  write_text_atomic(file, text);
  const fs::path out = file.parent_path() / "out.txt";
  const std::string cmd = "env -i bash -c 'set -a; . " + file.string() + "; printf \"%s|%s|%s\" \"$QUOTES\" \"$EMPTY\" \"$MULTI\"' > " + out.string();
  REQUIRE(std::system(cmd.c_str()) == 0);
  CHECK(read_text(out) == "it's \"x\" $HOME `id`||a\nb");
}

TEST_CASE("output.log lines: ours pass through, others get the mpirun prefix") {
  const std::string ours = "[2026-03-07 09:05:03.123] [rank 1] INFO  read 12 bricks";
  CHECK(log::has_line_prefix(ours));
  CHECK(tee_line(ours, false, "mpirun") == ours + "\n");
  CHECK(tee_line("[2026-03-07 09:05:03.123] [launchflow] ERROR boom", true, "mpirun") ==
        "[2026-03-07 09:05:03.123] [launchflow] ERROR boom\n");
  const std::regex info(R"(\[\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3}\] \[mpirun\] INFO  Warning: unknown host\n)");
  CHECK(std::regex_match(tee_line("Warning: unknown host", false, "mpirun"), info));
  const std::regex warn(R"(\[\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3}\] \[mpirun\] WARN  -----\n)");
  CHECK(std::regex_match(tee_line("-----", true, "mpirun"), warn));
  // Near misses are foreign lines.
  CHECK(!log::has_line_prefix("[2026-03-07 09:05:03] [rank 1] INFO  no milliseconds"));
  CHECK(!log::has_line_prefix("[2026-03-07 09:05:03.123] [rank 1] NOTE  unknown level"));
  CHECK(!log::has_line_prefix("[2026-03-07 09:05:03.123] no source"));
  CHECK(!log::has_line_prefix(""));
  // Whatever log::write produces is recognized.
  CHECK(log::has_line_prefix(log::line_prefix(log::Level::debug, "rank 12") + "x"));
  CHECK(log::has_line_prefix(log::line_prefix(log::Level::warn, "launchflow")));
}


TEST_CASE("run_teed: exit status, signals, lines split across reads, last line without newline") {
  const fs::path dir = test::scratch_dir("launch-tee");
  const fs::path log_path = dir / "out.log";
  const int fd = ::open(log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  REQUIRE(fd >= 0);
  const ChildStatus ok = run_teed({"/bin/sh", "-c", "pwd; printf 'part'; sleep 0.1; printf 'ial\\nlast'; echo err >&2; exit 5"},
                                  dir, fd, "child");
  CHECK(ok.exit_code == 5);
  CHECK(ok.signal == 0);
  CHECK(ok.status() == 5);
  const ChildStatus killed = run_teed({"/bin/sh", "-c", "kill -9 $$"}, dir, fd, "child");
  CHECK(killed.signal == 9);
  CHECK(killed.status() == 137);
  ::close(fd);
  const std::string text = read_text(log_path);
  CHECK(text.find("[child] INFO  " + dir.string() + "\n") != std::string::npos);  // ran in `dir`
  CHECK(text.find("[child] INFO  partial\n") != std::string::npos);
  CHECK(text.find("[child] INFO  last\n") != std::string::npos);
  CHECK(text.find("[child] WARN  err\n") != std::string::npos);
  CHECK(error_of([&] { run_teed({"/no/such/program"}, dir, -1, "child"); }) == "(no error)");  // exec failure = status 127
  CHECK(run_teed({"/no/such/program"}, dir, -1, "child").exit_code == 127);
}

TEST_CASE("mpirun's boxes and traces that only repeat a failure are dropped, other messages kept") {
  const std::string rule(74, '-');
  const std::vector<std::string> in = {
      "[2026-12-05 02:41:39.024] [rank 0] ERROR n5: /nope.n5: no such container",
      rule, "MPI_ABORT was invoked on rank 0 in communicator MPI_COMM_WORLD", "with errorcode 1.", "",
      "NOTE: invoking MPI_ABORT causes Open MPI to kill all MPI processes.", rule,
      "[vm:08393] [[19594,0],0] ORTE_ERROR_LOG: Out of resource in file util/show_help.c at line 501",
      "[vm:08393] PMIX ERROR: UNREACHABLE in file server/pmix_server.c at line 2795",
      rule, "Primary job  terminated normally, but 1 process returned",
      "a non-zero exit code. Per user-direction, the job has been aborted.", rule,
      rule, "mpirun detected that one or more processes exited with non-zero status, thus causing",
      "the job to be terminated. The first process to do so was:", "", "  Process name: [[19594,1],0]",
      "  Exit code:    1", rule,
      "[vm:08390] 1 more process has sent help message help-mpi-api.txt / mpi-abort",
      "[vm:08390] Set MCA parameter \"orte_base_help_aggregate\" to 0 to see all help / error messages",
      rule, "mpirun noticed that process rank 1 with PID 0 on node vm exited on signal 11 (Segmentation fault).", rule,
      "plain line from a tool",
      rule, "an unfinished box"};
  MpirunNoise noise;
  std::vector<std::string> out;
  for (const auto& l : in)
    for (auto& o : noise.feed(l)) out.push_back(std::move(o));
  for (auto& o : noise.flush()) out.push_back(std::move(o));
  const std::vector<std::string> expected = {
      in[0], rule, "mpirun noticed that process rank 1 with PID 0 on node vm exited on signal 11 (Segmentation fault).",
      rule, "plain line from a tool", rule, "an unfinished box"};
  CHECK(out == expected);
  CHECK(is_mpirun_noise_line("[h:1] [[5,0],0] ORTE_ERROR_LOG: Out of resource in file base/odls_base_default_fns.c"));
  CHECK_FALSE(is_mpirun_noise_line("ERROR n5: /x: ORTE is not a word here"));
}
