// Cluster pieces of launchflow without a cluster: reading LSF's and Slurm's job environment, the
// mpirun command line in each, the error for more ranks than slots, the job scripts --submit
// writes, and the scheduler's answers.
#include <map>

#include <catch2/catch.hpp>

#include "config/workflows.hpp"
#include "core/files.hpp"
#include "launch/allocation.hpp"
#include "launch/command.hpp"
#include "launch/job_script.hpp"
#include "test_support.hpp"

using namespace dflow;
using namespace dflow::launch;
using test::error_of;
namespace fs = std::filesystem;

namespace {

EnvLookup env_of(std::map<std::string, std::string> vars) {
  return [vars](const std::string& name) -> std::optional<std::string> {
    const auto it = vars.find(name);
    if (it == vars.end()) return std::nullopt;
    return it->second;
  };
}

}  // namespace

TEST_CASE("LSF: hosts and slots from LSB_DJOB_HOSTFILE, else LSB_MCPU_HOSTS") {
  const fs::path dir = test::scratch_dir("cluster-lsf-env");
  write_text_atomic(dir / "hosts", "h1\nh1\nh2\nh1\nh2\n\n");
  const Allocation a = detect_allocation(env_of({{"LSB_JOBID", "4711"}, {"LSB_DJOB_HOSTFILE", (dir / "hosts").string()},
                                                 {"LSB_MCPU_HOSTS", "ignored 1"}}));
  CHECK(a.scheduler == Scheduler::lsf);
  CHECK(a.job_id == "4711");
  CHECK(a.hosts == std::vector<Host>{{"h1", 3}, {"h2", 2}});
  CHECK(a.slots() == 5);
  CHECK(a.describe() == "LSF job 4711: 5 slots on 2 hosts (h1: 3, h2: 2)");
  CHECK(mpi_hostfile(a.hosts) == "h1 slots=3\nh2 slots=2\n");

  const Allocation m = detect_allocation(env_of({{"LSB_JOBID", "5"}, {"LSB_MCPU_HOSTS", "hA 16 hB 8"}}));
  CHECK(m.hosts == std::vector<Host>{{"hA", 16}, {"hB", 8}});
  CHECK(m.describe() == "LSF job 5: 24 slots on 2 hosts (hA: 16, hB: 8)");

  CHECK(error_of([] { detect_allocation(env_of({{"LSB_JOBID", "5"}, {"LSB_MCPU_HOSTS", "hA 16 hB"}})); }) ==
        "LSB_MCPU_HOSTS=\"hA 16 hB\": expected \"host slots host slots ...\"");
  CHECK(error_of([] { detect_allocation(env_of({{"LSB_JOBID", "5"}})); }) ==
        "LSB_JOBID=5 is set but neither LSB_DJOB_HOSTFILE nor LSB_MCPU_HOSTS says which hosts the job has");
  CHECK(error_of([&] { detect_allocation(env_of({{"LSB_JOBID", "5"}, {"LSB_DJOB_HOSTFILE", (dir / "nope").string()}})); })
            .rfind("LSB_DJOB_HOSTFILE=" + (dir / "nope").string() + ": ", 0) == 0);
  CHECK(detect_allocation(env_of({})).scheduler == Scheduler::none);
}

TEST_CASE("Slurm: node lists and tasks per node as Slurm writes them") {
  CHECK(expand_slurm_nodelist("vm") == std::vector<std::string>{"vm"});
  CHECK(expand_slurm_nodelist("node[01-03,07],gpu5") == std::vector<std::string>{"node01", "node02", "node03", "node07", "gpu5"});
  CHECK(expand_slurm_nodelist("r[1-2]n[8-9]") == std::vector<std::string>{"r1n8", "r1n9", "r2n8", "r2n9"});
  CHECK(expand_slurm_tasks_per_node("16(x3),8") == std::vector<int>{16, 16, 16, 8});
  const Allocation a = detect_allocation(
      env_of({{"SLURM_JOB_ID", "12"}, {"SLURM_JOB_NODELIST", "n[1-2],x"}, {"SLURM_TASKS_PER_NODE", "4(x2),1"}}));
  CHECK(a.scheduler == Scheduler::slurm);
  CHECK(a.describe() == "Slurm job 12: 9 slots on 3 hosts (n1: 4, n2: 4, x: 1)");
  CHECK(error_of([] {
          detect_allocation(env_of({{"SLURM_JOB_ID", "1"}, {"SLURM_JOB_NODELIST", "n[1-2]"}, {"SLURM_TASKS_PER_NODE", "2"}}));
        }) == "SLURM_JOB_NODELIST=\"n[1-2]\" names 2 nodes but SLURM_TASKS_PER_NODE=\"2\" gives 1");
  CHECK(error_of([] {
          detect_allocation(env_of({{"SLURM_JOB_ID", "1"}, {"SLURM_JOB_NODELIST", "n[2-1]"}, {"SLURM_TASKS_PER_NODE", "2"}}));
        }) == "SLURM_JOB_NODELIST=\"n[2-1]\": bad range \"2-1\" in \"n[2-1]\"");
  CHECK(error_of([] { expand_slurm_tasks_per_node("2(x"); }) == "SLURM_TASKS_PER_NODE=\"2(x\": cannot read \"2(x\"");
}

TEST_CASE("mpirun inside LSF and Slurm jobs: the job's hosts, never --oversubscribe") {
  MpirunPlan p;
  p.mpirun = "/usr/bin/mpirun";
  p.ranks = 4;
  p.cores = 2;  // this host's cores do not matter inside an allocation
  p.stage = "/opt/bin/survey-volume";
  p.config = "/x/r/full-workflow-config.yaml";
  p.exec_dir = "/x/r";
  p.allocation.scheduler = Scheduler::lsf;
  p.allocation.job_id = "7";
  p.allocation.hosts = {{"h1", 2}, {"h2", 2}};
  p.hostfile = "/x/r/mpi-hostfile";
  p.rsh_agent = "/lsf/bin/blaunch";
  CHECK(mpirun_command(p) == std::vector<std::string>{"/usr/bin/mpirun", "-np", "4", "--hostfile", "/x/r/mpi-hostfile", "--mca",
                                                      "plm", "rsh", "--mca", "plm_rsh_agent", "/lsf/bin/blaunch",
                                                      "/opt/bin/survey-volume", "--config", "/x/r/full-workflow-config.yaml",
                                                      "--exec-dir", "/x/r"});
  p.allocation.scheduler = Scheduler::slurm;
  CHECK(mpirun_command(p) == std::vector<std::string>{"/usr/bin/mpirun", "-np", "4", "/opt/bin/survey-volume", "--config",
                                                      "/x/r/full-workflow-config.yaml", "--exec-dir", "/x/r"});

  // The seed's `bsub launchflow -n 32 T`: a one-slot job.
  Allocation one{Scheduler::lsf, "99", {{"h1", 1}}};
  CHECK(error_of([&] { check_ranks_fit(one, 32, "02-export-grayscale"); }) ==
        "-n 32: more ranks than the 1 slots of LSF job 99: 1 slot on 1 host (h1: 1); ranks are never oversubscribed "
        "inside an allocation. Ask LSF for 32 slots: bsub -n 32 launchflow -n 32 02-export-grayscale (-R \"span[ptile=K]\" "
        "for K slots per host), or let launchflow submit it: launchflow --submit -n 32 02-export-grayscale");
  Allocation slurm{Scheduler::slurm, "3", {{"vm", 2}}};
  CHECK(error_of([&] { check_ranks_fit(slurm, 3, "--resume /x/r"); }) ==
        "-n 3: more ranks than the 2 slots of Slurm job 3: 2 slots on 1 host (vm: 2); ranks are never oversubscribed "
        "inside an allocation. Ask Slurm for 3 slots: sbatch -n 3 --wrap \"launchflow -n 3 --resume /x/r\", or let "
        "launchflow submit it: launchflow --submit -n 3 --resume /x/r");
  CHECK(error_of([&] { check_ranks_fit(slurm, 2, "t"); }) == "(no error)");
  CHECK(error_of([&] { check_ranks_fit(Allocation{}, 64, "t"); }) == "(no error)");  // this machine: oversubscribed
}

TEST_CASE("job scripts for LSF and Slurm from the config's scheduler section") {
  const auto wc = config::parse_workflow_config(
      "workflow-name: survey-volume\ncluster-type: lsf\ninput: {n5: {path: /d.n5, dataset: s0}}\n"
      "scheduler: {project: flyem, queue: short, walltime: \"01:30\", memory-per-slot-mib: 15000, slots-per-host: 16,\n"
      "            extra-directives: [\"-R 'select[avx2]'\"]}\n",
      "t/workflow.yaml");
  JobRequest r;
  r.options = wc.config["scheduler"];
  r.config_file = "t/workflow.yaml";
  r.default_name = "dvidflow-t";
  r.ranks = 32;
  r.exec_dir = "/nfs/t-20260101.120000";
  r.launchflow = "/opt/dvidflow/bin/launchflow";
  r.scheduler = Scheduler::lsf;
  CHECK(job_directives(r) == std::vector<std::string>{"#BSUB -J dvidflow-t", "#BSUB -n 32", "#BSUB -R \"span[ptile=16]\"",
                                                      "#BSUB -W 01:30", "#BSUB -M 15000MB", "#BSUB -R \"rusage[mem=15000MB]\"",
                                                      "#BSUB -P flyem", "#BSUB -q short",
                                                      "#BSUB -cwd /nfs/t-20260101.120000",
                                                      "#BSUB -o /nfs/t-20260101.120000/job-%J.log", "#BSUB -wa USR2 -wt 5",
                                                      "#BSUB -R 'select[avx2]'"});
  const std::string lsf = job_script(r);
  CHECK(lsf.rfind("#!/bin/bash\n", 0) == 0);
  CHECK(lsf.find("\n#BSUB -n 32\n") != std::string::npos);
  CHECK(lsf.find("@") == std::string::npos);
  const std::string last = "\nexec /opt/dvidflow/bin/launchflow -n 32 --resume /nfs/t-20260101.120000\n";
  CHECK(lsf.substr(lsf.size() - last.size()) == last);
  CHECK(job_script_name(Scheduler::lsf) == "job.lsf");
  CHECK(submit_command(Scheduler::lsf, "/x/job.lsf").argv == std::vector<std::string>{"bsub"});
  CHECK(submit_command(Scheduler::lsf, "/x/job.lsf").stdin_file == "/x/job.lsf");

  r.scheduler = Scheduler::slurm;
  CHECK(job_directives(r) == std::vector<std::string>{"#SBATCH --job-name=dvidflow-t", "#SBATCH --ntasks=32",
                                                      "#SBATCH --ntasks-per-node=16", "#SBATCH --time=01:30:00",
                                                      "#SBATCH --mem-per-cpu=15000M", "#SBATCH --account=flyem",
                                                      "#SBATCH --partition=short", "#SBATCH --chdir=/nfs/t-20260101.120000",
                                                      "#SBATCH --output=/nfs/t-20260101.120000/job-%j.log",
                                                      "#SBATCH --signal=B:USR2@300", "#SBATCH -R 'select[avx2]'"});
  CHECK(job_script_name(Scheduler::slurm) == "job.slurm");
  CHECK(submit_command(Scheduler::slurm, "/x/job.slurm").argv == std::vector<std::string>{"sbatch", "/x/job.slurm"});

  CHECK(parse_job_id(Scheduler::lsf, "Job <123456> is submitted to queue <short>.\n") == "123456");
  CHECK(parse_job_id(Scheduler::slurm, "Submitted batch job 42\n") == "42");
  CHECK(!parse_job_id(Scheduler::slurm, "sbatch: error: Batch job submission failed\n"));

  YAML::Node bad = YAML::Clone(r.options);
  bad["walltime"] = "90 minutes";
  r.options = bad;
  CHECK(error_of([&] { job_directives(r); }) ==
        "t/workflow.yaml: scheduler.walltime: expected HH:MM (e.g. \"04:00\"), got \"90 minutes\"");
  CHECK(error_of([] {
          config::parse_workflow_config("workflow-name: survey-volume\ncluster-type: pbs\ninput: {n5: {path: /d, dataset: s}}\n",
                                        "t/workflow.yaml");
        }) == "t/workflow.yaml: cluster-type: expected one of mpirun, lsf, slurm, got \"pbs\"");
}
