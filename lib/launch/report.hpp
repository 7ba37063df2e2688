#pragma once
// report.html beside output.log: a table of the brick phases and two charts drawn by Chart.js
// (third_party/chart.js, inlined so the file opens offline): throughput (Mvox/s) over time for every
// phase run, and per rank the bricks done and the seconds spent in them. Built from the timing
// records in <exec-dir>/progress/ (mpi/run_log.hpp); the data is also embedded as JSON
// (<script id="dvidflow-data" type="application/json">) for other tools.
#include <filesystem>
#include <string>
#include <vector>

namespace dflow::launch {

// The report's JSON data: {"exec_dir", "phases": [{phase, run, start, end, status, ranks, plan_bricks,
// todo_bricks, bricks, voxels, seconds, schedule, busy_max_over_mean, throughput: [[t, Mvox/s]...],
// per_rank: [{rank, bricks, busy_seconds}...]}]}; t in seconds since the first phase run started.
std::string report_data_json(const std::filesystem::path& exec_dir);
// The end-of-run line of the phases that started at or after `run_start` (unix time):
//   "timings: start-up 0.5 s | survey-volume 9.3 s (18 bricks, 41.2 Mvox/s) | other 0.1 s | total 9.9 s"
// or "" if no phase ran.
std::string phase_timings(const std::filesystem::path& exec_dir, double run_start, double run_end);
// One line per phase run that started at or after `run_start`: how evenly the ranks were busy,
//   "balance: survey-volume (dynamic schedule, 4 ranks): busy seconds per rank max 9.1, mean 9.0, min 8.9, max/mean 1.01"
std::vector<std::string> phase_balance(const std::filesystem::path& exec_dir, double run_start);
// Writes <exec_dir>/report.html (atomically) and returns its path. Throws Error if there are no records.
std::filesystem::path write_report(const std::filesystem::path& exec_dir);

}  // namespace dflow::launch
