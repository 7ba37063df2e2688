#pragma once
// report.html beside output.log: a table of the brick phases and two charts drawn by Chart.js
// (third_party/chart.js, inlined so the file opens offline): throughput (Mvox/s) over time for every
// phase run, and per rank the bricks done and the seconds spent in them. Built from the timing
// records in <exec-dir>/progress/ (mpi/run_log.hpp); the data is also embedded as JSON
// (<script id="dvidflow-data" type="application/json">) for other tools.
#include <filesystem>
#include <string>

namespace dflow::launch {

// The report's JSON data: {"exec_dir", "phases": [{phase, run, start, end, status, ranks, plan_bricks,
// todo_bricks, bricks, voxels, seconds, throughput: [[t, Mvox/s]...], per_rank: [{rank, bricks,
// busy_seconds}...]}]}; t in seconds since the first phase run started.
std::string report_data_json(const std::filesystem::path& exec_dir);
// Writes <exec_dir>/report.html (atomically) and returns its path. Throws Error if there are no records.
std::filesystem::path write_report(const std::filesystem::path& exec_dir);

}  // namespace dflow::launch
