#include "launch/report.hpp"

#include <algorithm>
#include <numeric>
#include <cmath>
#include <map>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "core/error.hpp"
#include "core/files.hpp"
#include "launch/chartjs.hpp"
#include "mpi/run_log.hpp"

namespace dflow::launch {

namespace fs = std::filesystem;
using nlohmann::ordered_json;

namespace {

// Voxels finished per time bucket -> Mvox/s; about 100 buckets of at least one second.
ordered_json throughput(const std::vector<mpi::BrickRecord>& bricks, double start, double end, double origin) {
  ordered_json points = ordered_json::array();
  const double span = std::max(end - start, 1e-3);
  const double width = std::max(1.0, span / 100.0);
  const size_t n = size_t(std::ceil(span / width));
  std::vector<double> vox(std::max<size_t>(n, 1), 0.0);
  for (const auto& b : bricks) vox[std::min(vox.size() - 1, size_t(std::max(0.0, b.time - start) / width))] += double(b.voxels);
  for (size_t i = 0; i < vox.size(); ++i)
    points.push_back({std::round((start - origin + (double(i) + 0.5) * width) * 1000) / 1000, vox[i] / width / 1e6});
  return points;
}

}  // namespace

std::string report_data_json(const fs::path& exec_dir) {
  const std::vector<mpi::PhaseRecord> phases = mpi::read_phases(exec_dir);
  if (phases.empty()) fail("{}: no timing records (progress/phases.tsv)", exec_dir.string());
  const double origin = phases.front().start;
  ordered_json data;
  data["exec_dir"] = exec_dir.string();
  data["phases"] = ordered_json::array();
  std::map<std::string, int> runs;
  for (size_t i = 0; i < phases.size(); ++i) {
    const mpi::PhaseRecord& p = phases[i];
    // Bricks of this run only: up to the next start of the same phase.
    double until = 1e300;
    for (size_t j = i + 1; j < phases.size(); ++j)
      if (phases[j].phase == p.phase) {
        until = phases[j].start;
        break;
      }
    std::vector<mpi::BrickRecord> bricks = mpi::read_brick_records(exec_dir, p.phase, p.start);
    std::erase_if(bricks, [&](const mpi::BrickRecord& b) { return b.time >= until; });
    const double end = p.end > 0 ? p.end : bricks.empty() ? p.start : bricks.back().time;
    uint64_t voxels = 0;
    std::vector<uint64_t> per_bricks(size_t(std::max(p.ranks, 1)), 0);
    std::vector<double> busy(per_bricks.size(), 0.0);
    for (const auto& b : bricks) {
      voxels += b.voxels;
      if (b.rank >= 0 && size_t(b.rank) < per_bricks.size()) {
        ++per_bricks[size_t(b.rank)];
        busy[size_t(b.rank)] += b.seconds;
      }
    }
    ordered_json j;
    j["phase"] = p.phase;
    j["run"] = ++runs[p.phase];
    j["start"] = std::round((p.start - origin) * 1000) / 1000;
    j["end"] = std::round((end - origin) * 1000) / 1000;
    j["status"] = p.status.empty() ? "running or killed" : p.status;
    j["ranks"] = p.ranks;
    j["plan_bricks"] = p.plan_bricks;
    j["todo_bricks"] = p.todo_bricks;
    j["bricks"] = bricks.size();
    j["voxels"] = voxels;
    j["seconds"] = std::round((end - p.start) * 1000) / 1000;
    j["schedule"] = p.schedule;
    const double busy_sum = std::accumulate(busy.begin(), busy.end(), 0.0);
    j["busy_max_over_mean"] =
        busy_sum > 0 ? std::round(*std::max_element(busy.begin(), busy.end()) / (busy_sum / double(busy.size())) * 1000) / 1000 : 0.0;
    j["throughput"] = throughput(bricks, p.start, end, origin);
    j["per_rank"] = ordered_json::array();
    for (size_t r = 0; r < per_bricks.size(); ++r)
      j["per_rank"].push_back({{"rank", r}, {"bricks", per_bricks[r]}, {"busy_seconds", std::round(busy[r] * 1000) / 1000}});
    data["phases"].push_back(std::move(j));
  }
  return data.dump();
}

std::string phase_timings(const fs::path& exec_dir, double run_start, double run_end) {
  std::vector<mpi::PhaseRecord> phases = mpi::read_phases(exec_dir);
  std::erase_if(phases, [&](const mpi::PhaseRecord& r) { return r.start + 1e-3 < run_start; });
  if (phases.empty()) return "";
  const double startup = phases.front().start - run_start;
  std::string line = fmt::format("timings: start-up {:.1f} s", startup);
  double in_phases = 0;
  for (const auto& r : phases) {
    const double end = r.end > 0 ? r.end : run_end;
    const auto bricks = mpi::read_brick_records(exec_dir, r.phase, r.start);
    uint64_t voxels = 0;
    for (const auto& b : bricks) voxels += b.voxels;
    line += fmt::format(" | {} {:.1f} s ({} bricks, {:.1f} Mvox/s{})", r.phase, end - r.start, bricks.size(),
                        end > r.start ? double(voxels) / (end - r.start) / 1e6 : 0.0,
                        r.status == "done" ? "" : r.status.empty() ? ", did not finish" : ", " + r.status);
    in_phases += end - r.start;
  }
  return line + fmt::format(" | other {:.1f} s | total {:.1f} s", std::max(0.0, run_end - run_start - in_phases - startup),
                            run_end - run_start);
}

std::vector<std::string> phase_balance(const fs::path& exec_dir, double run_start) {
  std::vector<std::string> out;
  for (const mpi::PhaseRecord& p : mpi::read_phases(exec_dir)) {
    if (p.start + 1e-3 < run_start || p.ranks <= 0) continue;
    std::vector<double> busy(size_t(p.ranks), 0.0);
    for (const auto& b : mpi::read_brick_records(exec_dir, p.phase, p.start))
      if (b.rank >= 0 && b.rank < p.ranks) busy[size_t(b.rank)] += b.seconds;
    const double mean = std::accumulate(busy.begin(), busy.end(), 0.0) / double(busy.size());
    if (mean <= 0) continue;
    const double max = *std::max_element(busy.begin(), busy.end()), min = *std::min_element(busy.begin(), busy.end());
    out.push_back(fmt::format("balance: {} ({} schedule, {} rank{}): busy seconds per rank max {:.1f}, mean {:.1f}, min {:.1f}, "
                              "max/mean {:.2f}",
                              p.phase, p.schedule, p.ranks, p.ranks == 1 ? "" : "s", max, mean, min, max / mean));
  }
  return out;
}

fs::path write_report(const fs::path& exec_dir) {
  std::string json = report_data_json(exec_dir);
  // Inside <script>, "</" could end the element early.
  for (size_t at = 0; (at = json.find("</", at)) != std::string::npos; at += 3) json.replace(at, 2, "<\\/");
  std::string title = exec_dir.filename().string();
  for (const char c : std::string("<>&\"")) std::replace(title.begin(), title.end(), c, '_');
  std::string html;
  html += "<!doctype html>\n<html><head><meta charset=\"utf-8\"><title>dvidflow report: " + title + "</title>\n";
  html += "<style>body{font-family:sans-serif;margin:1.5em;max-width:1100px}table{border-collapse:collapse}"
          "td,th{border:1px solid #ccc;padding:2px 8px;text-align:right}.chart{position:relative;height:340px}</style>\n";
  html += "<script>/* Chart.js 4.5.1, MIT License, see third_party/chart.js */\n";
  html += kChartJs;
  html += "\n</script></head><body>\n<h1>" + title + "</h1>\n<table id=\"phases\"></table>\n";
  html += "<h2>Throughput over time</h2><div class=\"chart\"><canvas id=\"throughput\"></canvas></div>\n";
  html += "<h2>Per rank</h2><div class=\"chart\"><canvas id=\"ranks\"></canvas></div>\n";
  html += "<script id=\"dvidflow-data\" type=\"application/json\">" + json + "</script>\n";
  html += R"(<script>
const data = JSON.parse(document.getElementById('dvidflow-data').textContent);
const label = p => p.phase + (p.run > 1 ? ' (run ' + p.run + ')' : '');
const table = document.getElementById('phases');
table.innerHTML = '<tr><th>phase</th><th>ranks</th><th>bricks</th><th>seconds</th><th>Mvox/s</th><th>schedule</th>' +
  '<th>busy max/mean</th><th>status</th></tr>' +
  data.phases.map(p => '<tr><td>' + label(p) + '</td><td>' + p.ranks + '</td><td>' + p.bricks + ' of ' + p.plan_bricks +
    '</td><td>' + p.seconds.toFixed(1) + '</td><td>' + (p.seconds > 0 ? p.voxels / p.seconds / 1e6 : 0).toFixed(1) +
    '</td><td>' + p.schedule + '</td><td>' + p.busy_max_over_mean.toFixed(2) + '</td><td>' + p.status + '</td></tr>').join('');
new Chart(document.getElementById('throughput'), {
  type: 'line',
  data: {datasets: data.phases.map(p => ({label: label(p), data: p.throughput.map(([x, y]) => ({x, y})), stepped: true}))},
  options: {maintainAspectRatio: false, animation: false, parsing: true,
            scales: {x: {type: 'linear', title: {display: true, text: 'seconds since the first phase started'}},
                     y: {beginAtZero: true, title: {display: true, text: 'Mvox/s'}}}}
});
const nranks = Math.max(...data.phases.map(p => p.per_rank.length));
new Chart(document.getElementById('ranks'), {
  type: 'bar',
  data: {labels: Array.from({length: nranks}, (_, r) => 'rank ' + r),
         datasets: data.phases.map(p => ({label: label(p) + ': busy seconds', data: p.per_rank.map(r => r.busy_seconds), stack: 'busy', yAxisID: 'y'}))
           .concat(data.phases.map(p => ({label: label(p) + ': bricks', data: p.per_rank.map(r => r.bricks), stack: 'bricks', yAxisID: 'y1'})))},
  options: {maintainAspectRatio: false, animation: false,
            scales: {y: {stacked: true, beginAtZero: true, title: {display: true, text: 'seconds in bricks'}},
                     y1: {stacked: true, beginAtZero: true, position: 'right', grid: {drawOnChartArea: false}, title: {display: true, text: 'bricks'}}}}
});
</script>
</body></html>
)";
  const fs::path path = exec_dir / "report.html";
  write_text_atomic(path, html);
  return path;
}

}  // namespace dflow::launch
