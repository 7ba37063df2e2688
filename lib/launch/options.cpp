#include "launch/options.hpp"

#include <charconv>

#include "core/error.hpp"
#include "launch/command.hpp"

namespace dflow::launch {

std::string usage() {
  return R"(usage: launchflow [-n N] [--dry-run] [--submit] [--mpirun-args "ARGS"] TEMPLATE_DIR
       launchflow [-n N] [--dry-run] [--submit] --resume EXEC_DIR
       launchflow --status EXEC_DIR
       launchflow --list-workflows | --dump-default-yaml NAME | --document NAME | --help

Validates TEMPLATE_DIR/workflow.yaml, copies TEMPLATE_DIR to TEMPLATE_DIR-YYYYmmdd.HHMMSS (the
execution directory), writes full-workflow-config.yaml (every default filled in) and
bash-environment.sh there, and runs the workflow's stage under mpirun with N ranks in that
directory. All output is teed to <execution dir>/output.log; at the end the timings of each phase
are logged and report.html (throughput over time, bricks per rank) is written beside it.

Where the ranks run: on this machine, or, inside an LSF job (LSB_JOBID), on the job's hosts (a
hostfile from LSB_DJOB_HOSTFILE, remote ranks started through blaunch), or inside a Slurm job
(SLURM_JOB_ID) through Open MPI's Slurm support. Inside a job, N defaults to the job's slots and
more ranks than slots is an error.

  -n, --num-ranks N        number of MPI ranks (default 1; inside a job: all its slots)
      --dry-run            validate, print the complete config, where the ranks go, the command and
                           the stage's own plan (bricks, memory per rank, DVID requests, output
                           sizes); create nothing
      --submit             write the job script for the config's cluster-type (lsf or slurm, options
                           under scheduler:) into the execution directory and submit it (bsub <
                           job.lsf, or sbatch job.slurm); prints the job id and the execution directory
      --resume EXEC_DIR    run again in an existing execution directory: finished bricks (journal/)
                           are skipped, any N works; output.log is appended to
      --status EXEC_DIR    stage, bricks done/total, rate, ETA, per-rank progress and the last error
                           of a running or finished execution directory
      --mpirun-args "ARGS" extra arguments for mpirun (e.g. "--map-by node")
  -w, --list-workflows     the workflows launchflow knows
  -y, --dump-default-yaml NAME
                           a starting-point workflow.yaml for workflow NAME
      --document NAME      Markdown table of every option of workflow NAME
  -h, --help               this text

Signals: SIGTERM, SIGINT, SIGHUP or SIGUSR2 (LSF's and Slurm's walltime warning) make every rank
stop after its current brick, with the journal complete; output.log then ends with the command
that resumes. A second SIGTERM/SIGINT stops the ranks at once.

Environment: DFLOW_BIN_DIR overrides where stage executables are found (default: next to
launchflow); DFLOW_MPIRUN overrides the mpirun program.
Exit status: the stage's exit status; 2 if nothing was run (bad options or workflow.yaml).
)";
}

namespace {

int parse_ranks(const std::string& text) {
  int n = 0;
  const auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
  if (ec != std::errc() || p != text.data() + text.size() || n < 1)
    fail("-n: expected a positive number of ranks, got \"{}\"", text);
  return n;
}

}  // namespace

Options parse_options(const std::vector<std::string>& args) {
  Options o;
  std::vector<std::string> positional;
  for (size_t i = 0; i < args.size(); ++i) {
    std::string a = args[i];
    std::optional<std::string> inline_value;
    if (a.rfind("--", 0) == 0 && a.find('=') != std::string::npos) {
      inline_value = a.substr(a.find('=') + 1);
      a = a.substr(0, a.find('='));
    }
    auto value = [&]() -> std::string {
      if (inline_value) return *inline_value;
      if (i + 1 >= args.size()) fail("{} needs a value (see launchflow --help)", a);
      return args[++i];
    };
    if (a == "-h" || a == "--help") o.mode = Options::Mode::help;
    else if (a == "-n" || a == "--num-ranks") o.ranks = parse_ranks(value());
    else if (a == "--resume") o.resume_dir = value();
    else if (a == "--status") {
      o.mode = Options::Mode::status;
      o.status_dir = value();
    }
    else if (a.rfind("-n", 0) == 0 && a.size() > 2 && a[2] != '-') o.ranks = parse_ranks(a.substr(2));
    else if (a == "--dry-run") o.dry_run = true;
    else if (a == "--mpirun-args") {
      for (auto& w : split_shell_words(value())) o.mpirun_args.push_back(std::move(w));
    } else if (a == "--submit") {
      if (inline_value) fail("--submit takes no value: the scheduler is the config's cluster-type (lsf or slurm)");
      o.submit = true;
    } else if (a == "-w" || a == "--list-workflows") o.mode = Options::Mode::list_workflows;
    else if (a == "-y" || a == "--dump-default-yaml") {
      o.mode = Options::Mode::dump_default_yaml;
      o.workflow_name = value();
    } else if (a == "--document") {
      o.mode = Options::Mode::document;
      o.workflow_name = value();
    } else if (a.size() > 1 && a[0] == '-') fail("unknown option {} (see launchflow --help)", a);
    else positional.push_back(a);
  }
  if (o.mode == Options::Mode::run && !o.resume_dir.empty()) {
    if (!positional.empty()) fail("--resume takes the execution directory; do not also give a TEMPLATE_DIR ({})", positional[0]);
  } else if (o.mode == Options::Mode::run) {
    if (positional.empty()) fail("missing TEMPLATE_DIR (see launchflow --help)");
    if (positional.size() > 1) fail("expected one TEMPLATE_DIR, got {} arguments", positional.size());
    o.template_dir = positional[0];
  }
  return o;
}

}  // namespace dflow::launch
