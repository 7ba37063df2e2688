#include "launch/options.hpp"

#include <charconv>

#include "core/error.hpp"
#include "launch/command.hpp"

namespace dflow::launch {

std::string usage() {
  return R"(usage: launchflow [-n N] [--dry-run] [--mpirun-args "ARGS"] [--submit mpirun|lsf] TEMPLATE_DIR
       launchflow --list-workflows | --dump-default-yaml NAME | --document NAME | --help

Validates TEMPLATE_DIR/workflow.yaml, copies TEMPLATE_DIR to TEMPLATE_DIR-YYYYmmdd.HHMMSS (the
execution directory), writes full-workflow-config.yaml (every default filled in) and
bash-environment.sh there, and runs the workflow's stage under mpirun with N ranks in that
directory. All output is teed to <execution dir>/output.log.

  -n, --num-ranks N        number of MPI ranks (default 1)
      --dry-run            validate, print the complete config and the command; create nothing
      --mpirun-args "ARGS" extra arguments for mpirun (e.g. "--hostfile hosts --map-by node")
      --submit KIND        mpirun (run here, or inside an existing allocation) or lsf (bsub;
                           not yet supported); default: the config's cluster-type
  -w, --list-workflows     the workflows launchflow knows
  -y, --dump-default-yaml NAME
                           a starting-point workflow.yaml for workflow NAME
      --document NAME      Markdown table of every option of workflow NAME
  -h, --help               this text

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
    else if (a.rfind("-n", 0) == 0 && a.size() > 2 && a[2] != '-') o.ranks = parse_ranks(a.substr(2));
    else if (a == "--dry-run") o.dry_run = true;
    else if (a == "--mpirun-args") {
      for (auto& w : split_shell_words(value())) o.mpirun_args.push_back(std::move(w));
    } else if (a == "--submit") {
      o.submit = value();
      if (*o.submit != "mpirun" && *o.submit != "lsf") fail("--submit: expected mpirun or lsf, got \"{}\"", *o.submit);
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
  if (o.mode == Options::Mode::run) {
    if (positional.empty()) fail("missing TEMPLATE_DIR (see launchflow --help)");
    if (positional.size() > 1) fail("expected one TEMPLATE_DIR, got {} arguments", positional.size());
    o.template_dir = positional[0];
  }
  return o;
}

}  // namespace dflow::launch
