#pragma once
// `launchflow --status EXEC_DIR`: what a running or finished execution directory is doing, from its
// files alone (output.log, progress/ timing records, job-id), so it works from any host that sees
// the directory, while the job runs or after it ended:
//   workflow, job, state (running / finished OK / FAILED / interrupted)
//   per phase: bricks done/total, rate, elapsed, ETA
//   per rank of the current phase: bricks done of assigned, seconds since its last brick, lag
//   the last ERROR line of output.log
#include <filesystem>
#include <string>

namespace dflow::launch {

// `now`: unix time (seconds). Throws Error if `exec_dir` is not an execution directory.
std::string status_text(const std::filesystem::path& exec_dir, double now);

}  // namespace dflow::launch
