#pragma once
// Running the stage with its output teed: every line the child writes goes to our terminal (same
// stream) and to output.log, as flyemflows' tee_streams does, but line by line so lines that are not
// ours (mpirun's own messages) can be given the common log prefix.
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace dflow::launch {

struct ChildStatus {
  int exit_code = 0;  // valid if signal == 0
  int signal = 0;     // the signal that killed the child, or 0
  // What launchflow exits with: exit_code, or 128 + signal as a shell reports it.
  int status() const { return signal ? 128 + signal : exit_code; }
};

// A line as it goes to output.log: unchanged if it already carries our log prefix, otherwise with the
// prefix of `source` (INFO for stdout, WARN for stderr). Ends with '\n'.
std::string tee_line(std::string_view line, bool from_stderr, std::string_view source);

// Runs argv[0] (a path) with `argv` in `cwd`, stdin from /dev/null, in its own process group, and
// tees its stdout and stderr to ours and to `log_fd` until it exits. Signals sent to us meanwhile:
// the first SIGINT, SIGTERM, SIGHUP, and every SIGUSR2, reach the child as SIGUSR2 (mpirun passes
// it on to every rank, which then stops after its current brick: mpi/stop_request.hpp); a second
// SIGINT/SIGTERM/SIGHUP is forwarded as itself (mpirun then kills the ranks). Each is logged with
// `stop_note` (how to resume), as a SIGKILL may follow before we can say more. If we die, the
// child gets SIGTERM. Open MPI's boxes and traces that only repeat that a rank failed are dropped
// (launch/mpirun_noise.hpp); secrets in lines are redacted (core/secrets.hpp). Throws Error if the
// child cannot be started.
ChildStatus run_teed(const std::vector<std::string>& argv, const std::filesystem::path& cwd, int log_fd,
                     std::string_view source, std::string_view stop_note = {});

}  // namespace dflow::launch
