// launchflow as on a cluster, with the survey-volume stage on the example volume:
// - inside an LSF job spanning two hosts (an LSF-style LSB_DJOB_HOSTFILE naming this machine and a
//   second host, remote ranks through Open MPI's rsh launcher with a stand-in blaunch that runs
//   them here): the exact mpirun command, the ranks on both hosts, output identical to one host;
//   and the seed's `bsub launchflow -n 32 T` in a one-slot job refused with what to change;
// - a whole job stopped mid-stage (SIGTERM, the walltime's SIGUSR2, or SIGKILL of everything),
//   resumed in the same execution directory with another rank count: identical output, and
//   output.log ending with the command that resumes; --status and report.html of those runs.
#include <chrono>
#include <csignal>
#include <fstream>
#include <thread>

#include <catch2/catch.hpp>

#include "core/files.hpp"
#include "launch/command.hpp"
#include "launchflow_support.hpp"
#include "test_support.hpp"

using namespace dflow;
using namespace dflow::test;
namespace fs = std::filesystem;

namespace {

std::string env_or_fail(const char* name) {
  const char* v = std::getenv(name);
  INFO("environment variable " << name);
  REQUIRE(v);
  return v;
}

// The example volume and a survey template reading it, under `root`.
fs::path survey_template(const fs::path& root, const std::string& name = "tmpl") {
  static fs::path example;
  if (example.empty()) {
    example = fs::path(env_or_fail("DFLOW_TEST_TMP")) / "cluster-example";
    if (!fs::exists(example / "example.json")) {
      const std::string cmd = env_or_fail("DFLOW_MAKE_EXAMPLE") + " --output '" + example.string() + "' > /dev/null 2>&1";
      REQUIRE(std::system(cmd.c_str()) == 0);
    }
  }
  const fs::path t = root / name;
  fs::create_directories(t);
  write_text_atomic(t / "workflow.yaml", "workflow-name: survey-volume\ninput:\n  n5:\n    path: " + (example / "example.n5").string() +
                                             "\n    dataset: segmentation/s0\nsurvey:\n  brick-shape: [128, 128, 128]\n");
  return t;
}

std::string hostname() {
  char buf[256] = {};
  REQUIRE(::gethostname(buf, sizeof buf - 1) == 0);
  return buf;
}

// Environment entries that take this process out of any scheduler's job.
const std::vector<std::string> kNoJob = {"LSB_JOBID", "LSB_DJOB_HOSTFILE", "LSB_MCPU_HOSTS", "SLURM_JOB_ID",
                                         "DFLOW_BRICK_DELAY_MS"};

std::vector<std::string> with(std::vector<std::string> env, const std::vector<std::string>& more) {
  env.insert(env.end(), more.begin(), more.end());
  return env;
}

// One uninterrupted run on this machine: the reference outputs.
fs::path reference_run(const fs::path& root) {
  survey_template(root, "ref");
  const Run r = launchflow({"-n", "1", "ref"}, root, kNoJob);
  INFO(r.out << r.err);
  REQUIRE(r.status == 0);
  const auto dirs = exec_dirs(root, "ref");
  REQUIRE(dirs.size() == 1);
  return dirs[0];
}

void check_same_outputs(const fs::path& a, const fs::path& b) {
  for (const char* f : {"survey.json", "block-statistics.h5"}) {
    INFO(f);
    REQUIRE(fs::exists(b / f));
    CHECK(read_text(a / f) == read_text(b / f));
  }
}

size_t journaled(const fs::path& exec_dir) {
  size_t n = 0;
  std::error_code ec;
  if (!fs::is_directory(exec_dir / "journal", ec)) return 0;
  for (const auto& e : fs::directory_iterator(exec_dir / "journal"))
    for (const auto& l : lines(read_text(e.path()))) n += !l.empty() && l[0] != '#';
  return n;
}

// Starts launchflow, waits until `min_bricks` are journaled, then sends `sig` to it (or, for SIGKILL,
// to it and every process it started: the whole job, as a scheduler kills it).
Run interrupt(const fs::path& root, int ranks, int sig, size_t min_bricks, fs::path& exec_dir) {
  const auto start = std::chrono::steady_clock::now();
  const pid_t pid = spawn({"-n", std::to_string(ranks), "tmpl"}, root, with(kNoJob, {"DFLOW_BRICK_DELAY_MS=250"}));
  while (std::chrono::steady_clock::now() - start < std::chrono::seconds(120)) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    const auto dirs = exec_dirs(root);
    if (dirs.size() == 1 && journaled(dirs[0]) >= min_bricks) {
      exec_dir = dirs[0];
      break;
    }
  }
  REQUIRE(!exec_dir.empty());
  if (sig == SIGKILL) {
    // The whole job, as a scheduler ends it: launchflow, mpirun and the ranks (which Open MPI puts
    // in process groups of their own), found through /proc before any of them dies.
    std::vector<pid_t> job = {pid};
    for (size_t i = 0; i < job.size(); ++i)
      for (const auto& e : fs::directory_iterator("/proc")) {
        const std::string name = e.path().filename().string();
        if (name.find_first_not_of("0123456789") != std::string::npos) continue;
        std::ifstream in(e.path() / "stat");  // (procfs files have no size: not read_text)
        std::string stat;
        std::getline(in, stat);
        const size_t close = stat.rfind(')');  // "pid (comm) state ppid ..."
        if (close == std::string::npos) continue;
        if (std::atol(stat.c_str() + close + 4) == job[i]) job.push_back(pid_t(std::atol(name.c_str())));
      }
    CHECK(job.size() >= 4);  // launchflow, mpirun, 2 ranks
    for (const pid_t p : job) ::kill(p, SIGKILL);
  } else {
    ::kill(pid, sig);
  }
  return finish(pid, root);
}

}  // namespace

TEST_CASE("inside an LSF job on two hosts: ranks through blaunch, output identical to one host") {
  const fs::path root = test::scratch_dir("cluster-lsf");
  const fs::path ref = reference_run(root);
  survey_template(root);
  // The stand-in blaunch, found on PATH as LSF's would be.
  fs::create_directories(root / "lsf-bin");
  fs::copy_file(env_or_fail("DFLOW_BLAUNCH_STANDIN"), root / "lsf-bin" / "blaunch");
  // Host B must not be this machine to Open MPI (or it would start no daemon there) and needs no
  // DNS entry (a .invalid name never resolves, RFC 2606): the rsh launcher just hands it to blaunch.
  const std::string a = hostname(), b = "dvidflow-host-b.invalid";
  write_text_atomic(root / "djob-hostfile", a + "\n" + a + "\n" + b + "\n" + b + "\n");
  const std::vector<std::string> job = with(kNoJob, {
      "LSB_JOBID=4242", "LSB_DJOB_HOSTFILE=" + (root / "djob-hostfile").string(),
      "PATH=" + (root / "lsf-bin").string() + ":" + env_or_fail("PATH"),
      "DFLOW_BLAUNCH_LOG=" + (root / "blaunch.log").string(),
      // Both "hosts" are this machine: Open MPI's shared-memory segments of the two daemons would
      // share names, so ranks talk over TCP as on real separate hosts (over loopback, which Open
      // MPI leaves out by default, so no other interface is needed).
      "OMPI_MCA_btl=self,tcp", "OMPI_MCA_btl_tcp_if_include=lo"});

  SECTION("-n defaults to the job's slots; remote ranks start through blaunch") {
    const Run r = launchflow({"tmpl"}, root, job);
    INFO(r.out << r.err);
    REQUIRE(r.status == 0);
    const auto dirs = exec_dirs(root);
    REQUIRE(dirs.size() == 1);
    const fs::path x = dirs[0];
    CHECK(read_text(x / "mpi-hostfile") == a + " slots=2\n" + b + " slots=2\n");
    const auto log = lines(read_text(x / "output.log"));
    CHECK(has_line_matching(log, "\\[launchflow\\] INFO  Ranks: 4 ranks in LSF job 4242: 4 slots on 2 hosts \\(" + a +
                                     ": 2, dvidflow-host-b\\.invalid: 2\\)$"));
    // The exact command line.
    const std::string mpirun = launch::find_program("mpirun").string();
    std::string expected = mpirun + " -np 4 --hostfile " + (x / "mpi-hostfile").string() + " --mca plm rsh --mca plm_rsh_agent " +
                           (root / "lsf-bin" / "blaunch").string() + (::geteuid() == 0 ? " --allow-run-as-root" : "") +
                           " -x OMP_NUM_THREADS " + (fs::path(launchflow_path()).parent_path() / "survey-volume").string() +
                           " --config " + (x / "full-workflow-config.yaml").string() + " --exec-dir " + x.string();
    bool found = false;
    for (const auto& l : log)
      found |= l.size() > expected.size() && l.substr(l.size() - expected.size()) == expected &&
               l.find("Running survey-volume with 4 ranks: ") != std::string::npos;
    INFO("expected the command: " << expected);
    CHECK(found);
    // Open MPI started one daemon on host B, through blaunch, and ranks ran there.
    const auto calls = lines(read_text(root / "blaunch.log"));
    INFO("blaunch calls:\n" << read_text(root / "blaunch.log"));
    REQUIRE(calls.size() == 1);
    // (Open MPI passes host names without their domain.)
    CHECK(calls[0].rfind("blaunch dvidflow-host-b ", 0) == 0);
    CHECK(calls[0].find("orted -mca ess \"env\"") != std::string::npos);
    for (int rank = 0; rank < 4; ++rank) CHECK(has_line_matching(log, fmt::format(R"(\[rank {}\] INFO  survey-volume: )", rank)));
    check_same_outputs(ref, x);
  }

  SECTION("the seed's `bsub launchflow -n 32 T`: a one-slot job is refused with what to change") {
    write_text_atomic(root / "one-slot", a + "\n");
    std::vector<std::string> one = job;
    std::erase_if(one, [](const std::string& e) { return e.rfind("LSB_DJOB_HOSTFILE=", 0) == 0; });
    one.push_back("LSB_DJOB_HOSTFILE=" + (root / "one-slot").string());
    const Run r = launchflow({"-n", "32", "tmpl"}, root, one);
    CHECK(r.status == 2);
    CHECK(r.err.find("-n 32: more ranks than the 1 slots of LSF job 4242: 1 slot on 1 host (" + a +
                     ": 1); ranks are never oversubscribed inside an allocation. Ask LSF for 32 slots: bsub -n 32 "
                     "launchflow -n 32 tmpl (-R \"span[ptile=K]\" for K slots per host), or let launchflow submit it: "
                     "launchflow --submit -n 32 tmpl\n") != std::string::npos);
    CHECK(exec_dirs(root).empty());
    CHECK(!fs::exists(root / "blaunch.log"));
  }
}

TEST_CASE("a job stopped mid-stage resumes in the same execution directory with another rank count") {
  const fs::path root = test::scratch_dir("cluster-resume");
  const fs::path ref = reference_run(root);
  survey_template(root);

  SECTION("SIGTERM to the job: ranks finish their brick, output.log ends with how to resume") {
    fs::path x;
    const Run r = interrupt(root, 2, SIGTERM, 3, x);
    INFO(r.out << r.err);
    CHECK(r.status == 75);
    const size_t done = journaled(x);
    CHECK(done >= 3);
    CHECK(done < 18);
    const auto log = lines(read_text(x / "output.log"));
    CHECK(has_line_matching(log, R"(\[rank 0\] WARN  survey-volume: interrupted by SIGUSR2 after \d+ of 18 bricks)"));
    REQUIRE(!log.empty());
    CHECK(std::regex_search(log.back(), std::regex(R"(\[launchflow\] WARN  launchflow: survey-volume interrupted after 0:00:\d\d: every finished brick is in the journal; resume with: launchflow -n 2 --resume )" +
                                                   std::regex_replace(x.string(), std::regex(R"([.])"), R"(\.)") + "$")));
    // --status of the interrupted directory.
    const Run st = launchflow({"--status", x.string()}, root, kNoJob);
    INFO(st.out);
    CHECK(st.status == 0);
    CHECK(st.out.find("  state: interrupted (resume with launchflow --resume)\n") != std::string::npos);
    CHECK(st.out.find(fmt::format("  phase survey-volume (interrupted, 2 ranks): {}/18 bricks", done)) != std::string::npos);
    CHECK(st.out.find("  ranks in survey-volume:\n    rank   0: ") != std::string::npos);
    CHECK(st.out.find("    rank   1: ") != std::string::npos);

    const Run resumed = launchflow({"-n", "3", "--resume", x.string()}, root, kNoJob);
    INFO(resumed.out << resumed.err);
    REQUIRE(resumed.status == 0);
    CHECK(resumed.out.find(fmt::format("survey-volume: resuming: skipping {} of 18 bricks already done", done)) != std::string::npos);
    check_same_outputs(ref, x);
    CHECK(journaled(x) == 18);
    const auto after = lines(read_text(x / "output.log"));
    CHECK(std::regex_search(after.back(), std::regex(R"(launchflow: survey-volume finished OK in )")));
    CHECK(has_line_matching(after, R"(\[launchflow\] INFO  timings: start-up \d+\.\d s \| survey-volume \d+\.\d s \()" +
                                       std::to_string(18 - done) + R"( bricks, \d+\.\d Mvox/s\) \| other \d+\.\d s \| total \d+\.\d s$)"));
    const Run st2 = launchflow({"--status", x.string()}, root, kNoJob);
    CHECK(st2.out.find("  state: finished OK\n") != std::string::npos);
    CHECK(st2.out.find("  phase survey-volume (done, 3 ranks): 18/18 bricks (100.0%)") != std::string::npos);
    CHECK(st2.out.find("  last error: none\n") != std::string::npos);
    CHECK(fs::exists(x / "report.html"));
  }

  SECTION("SIGKILL of the whole job (launchflow, mpirun, ranks): the journal still resumes") {
    fs::path x;
    const Run r = interrupt(root, 2, SIGKILL, 2, x);
    CHECK(r.status == 128 + SIGKILL);
    const size_t done = journaled(x);
    CHECK(done < 18);
    const Run resumed = launchflow({"-n", "4", "--resume", x.string()}, root, kNoJob);
    INFO(resumed.out << resumed.err);
    REQUIRE(resumed.status == 0);
    check_same_outputs(ref, x);
    CHECK(journaled(x) == 18);
  }
}

TEST_CASE("--submit to LSF: job.lsf in the execution directory, given to bsub on stdin") {
  const fs::path root = test::scratch_dir("cluster-bsub");
  survey_template(root);
  // cluster-type lsf and scheduler options, as one template serving both schedulers would have.
  std::string yaml = read_text(root / "tmpl" / "workflow.yaml");
  yaml += "cluster-type: lsf\nscheduler: {project: flyem, queue: short, walltime: \"01:00\", slots-per-host: 16}\n";
  fs::permissions(root / "tmpl" / "workflow.yaml", fs::perms::owner_write, fs::perm_options::add);
  write_text_atomic(root / "tmpl" / "workflow.yaml", yaml);
  // A stand-in bsub (LSF cannot be installed here): keeps what it reads on stdin, answers as bsub does.
  fs::create_directories(root / "lsf-bin");
  write_text_atomic(root / "lsf-bin" / "bsub",
                    "#!/bin/sh\n[ $# -eq 0 ] || { echo \"unexpected arguments: $*\" >&2; exit 1; }\n"
                    "cat > \"$DFLOW_BSUB_STDIN\"\necho 'Job <31337> is submitted to queue <short>.'\n");
  fs::permissions(root / "lsf-bin" / "bsub", fs::perms::owner_all);
  const std::vector<std::string> env =
      with(kNoJob, {"PATH=" + (root / "lsf-bin").string() + ":" + env_or_fail("PATH"),
                    "DFLOW_BSUB_STDIN=" + (root / "bsub-stdin").string()});

  const Run dry = launchflow({"--submit", "--dry-run", "-n", "32", "tmpl"}, root, env);
  CHECK(dry.status == 0);
  CHECK(dry.out.find("#BSUB -n 32\n#BSUB -R \"span[ptile=16]\"\n#BSUB -W 01:00\n") != std::string::npos);
  CHECK(exec_dirs(root).empty());
  CHECK(!fs::exists(root / "bsub-stdin"));

  const Run r = launchflow({"--submit", "-n", "32", "tmpl"}, root, env);
  INFO(r.out << r.err);
  REQUIRE(r.status == 0);
  const auto dirs = exec_dirs(root);
  REQUIRE(dirs.size() == 1);
  const fs::path x = dirs[0];
  CHECK(r.out == "Submitted LSF job 31337: 32 ranks\nExecution directory: " + x.string() + "\nFollow it: tail -f " +
                     (x / "output.log").string() + "   or   launchflow --status " + x.string() + "\n");
  CHECK(read_text(x / "job-id") == "31337\n");
  const std::string script = read_text(x / "job.lsf");
  CHECK(read_text(root / "bsub-stdin") == script);
  for (const std::string& line : std::vector<std::string>{"#BSUB -J dvidflow-tmpl", "#BSUB -n 32", "#BSUB -R \"span[ptile=16]\"", "#BSUB -W 01:00",
                                  "#BSUB -P flyem", "#BSUB -q short", "#BSUB -cwd " + x.string(),
                                  "#BSUB -o " + x.string() + "/job-%J.log", "#BSUB -wa USR2 -wt 5",
                                  "exec " + launchflow_path() + " -n 32 --resume " + x.string()})
    CHECK(script.find("\n" + line + "\n") != std::string::npos);
  CHECK(fs::exists(x / "full-workflow-config.yaml"));
  CHECK(!fs::exists(x / "output.log"));  // the job has not run
  const Run st = launchflow({"--status", x.string()}, root, kNoJob);
  CHECK(st.out.find("  job: lsf 31337\n  state: not started (queued, or never run)\n") != std::string::npos);
}
