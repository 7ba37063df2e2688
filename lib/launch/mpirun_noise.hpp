#pragma once
// Open MPI's own messages after a stage failed: they repeat what the rank's ERROR line and
// launchflow's summary ("FAILED (exit status 1)") already say, in boxes of dashes and internal traces
// (`ORTE_ERROR_LOG: Out of resource in file util/show_help.c`, `PMIX ERROR: UNREACHABLE`) that make
// the one line that matters hard to find. launchflow drops exactly these from mpirun's output;
// every other message of mpirun (a rank killed by a signal, a launch failure) passes unchanged.
#include <string>
#include <string_view>
#include <vector>

namespace dflow::launch {

class MpirunNoise {
 public:
  // The lines to show for this line of mpirun's output, in order: none while a box of dashes is
  // being read, the whole box once it closes unless it is noise.
  std::vector<std::string> feed(std::string_view line);
  // At the end of the stream: an unfinished box.
  std::vector<std::string> flush();

 private:
  std::vector<std::string> box_;  // lines of an open box, its opening line first
};

// A single line of noise (an internal error trace, help aggregation).
bool is_mpirun_noise_line(std::string_view line);

}  // namespace dflow::launch
