#include "launch/status.hpp"

#include <algorithm>
#include <map>
#include <set>
#include <sstream>

#include <fmt/format.h>

#include "config/schema.hpp"
#include "core/duration.hpp"
#include "core/error.hpp"
#include "core/files.hpp"
#include "mpi/run_log.hpp"

namespace dflow::launch {

namespace fs = std::filesystem;

namespace {

std::string state_of(const std::string& log) {
  if (log.empty()) return "not started (queued, or never run)";
  // launchflow's own last summary line decides; a run still going (or killed by SIGKILL) has none
  // after its last "Teeing output" line.
  const size_t run = log.rfind("Teeing output to ");
  const std::string last = run == std::string::npos ? log : log.substr(run);
  if (last.find("launchflow: ") != std::string::npos) {
    if (last.find(" finished OK in ") != std::string::npos) return "finished OK";
    if (last.find(" interrupted after ") != std::string::npos) return "interrupted (resume with launchflow --resume)";
    if (last.find(" FAILED (") != std::string::npos) return "FAILED";
  }
  return "running (or killed before it could log its end)";
}

std::string last_error(const std::string& log) {
  std::stringstream in(log);
  std::string found;
  for (std::string line; std::getline(in, line);)
    if (line.find("] ERROR ") != std::string::npos) found = line;
  return found;
}

}  // namespace

std::string status_text(const fs::path& exec_dir, double now) {
  if (!fs::is_regular_file(exec_dir / "full-workflow-config.yaml"))
    fail("{}: not an execution directory made by launchflow (no full-workflow-config.yaml)", exec_dir.string());
  const YAML::Node cfg = config::load_yaml_file(exec_dir / "full-workflow-config.yaml");
  const std::string log = fs::exists(exec_dir / "output.log") ? read_text(exec_dir / "output.log") : "";
  std::string out = fmt::format("{}\n  workflow: {}\n", exec_dir.string(),
                                cfg["workflow-name"] ? cfg["workflow-name"].as<std::string>() : "?");
  if (fs::exists(exec_dir / "job-id")) {
    std::string id = read_text(exec_dir / "job-id");
    id.erase(id.find_last_not_of("\n ") + 1);
    out += fmt::format("  job: {} {}\n", cfg["cluster-type"] ? cfg["cluster-type"].as<std::string>() : "", id);
  }
  out += fmt::format("  state: {}\n", state_of(log));

  const std::vector<mpi::PhaseRecord> phases = mpi::read_phases(exec_dir);
  // The latest run of each phase, in the order phases first ran.
  std::vector<std::string> order;
  std::map<std::string, mpi::PhaseRecord> latest;
  for (const auto& p : phases) {
    if (!latest.count(p.phase)) order.push_back(p.phase);
    latest[p.phase] = p;
  }
  if (order.empty()) out += "  no brick phase has started yet\n";
  for (const std::string& name : order) {
    const mpi::PhaseRecord& p = latest[name];
    const auto bricks = mpi::read_brick_records(exec_dir, name, p.start);
    uint64_t voxels = 0;
    std::set<uint64_t> ids;
    for (const auto& b : bricks) {
      voxels += b.voxels;
      ids.insert(b.brick);
    }
    const uint64_t done = std::min(p.plan_bricks, p.plan_bricks - p.todo_bricks + ids.size());
    const double end = p.end > 0 ? p.end : now;
    const double elapsed = std::max(0.0, end - p.start);
    const double rate = elapsed > 0 ? double(voxels) / elapsed : 0;
    const std::string state = p.status == "done" ? "done" : p.status == "interrupted" ? "interrupted" : "running";
    std::string eta = "?";
    if (state == "done") eta = "-";
    else if (rate > 0) eta = format_duration(double(p.todo_voxels - std::min(voxels, p.todo_voxels)) / rate);
    out += fmt::format("  phase {} ({}, {} ranks): {}/{} bricks ({:.1f}%), {} in this run, {:.1f} Mvox/s, elapsed {}, ETA {}\n",
                       name, state, p.ranks, done, p.plan_bricks, p.plan_bricks ? 100.0 * double(done) / double(p.plan_bricks) : 100.0,
                       ids.size(), rate / 1e6, format_duration(elapsed), eta);
  }
  if (!order.empty()) {
    // Per-rank view of the current (last started) phase: who lags behind the others.
    const mpi::PhaseRecord& p = phases.back();
    const auto bricks = mpi::read_brick_records(exec_dir, p.phase, p.start);
    std::vector<uint64_t> done(size_t(std::max(p.ranks, 0)), 0);
    std::vector<double> last(done.size(), p.start), busy(done.size(), 0.0);
    for (const auto& b : bricks)
      if (b.rank >= 0 && size_t(b.rank) < done.size()) {
        ++done[size_t(b.rank)];
        last[size_t(b.rank)] = std::max(last[size_t(b.rank)], b.time);
        busy[size_t(b.rank)] += b.seconds;
      }
    const double ended = p.end > 0 ? p.end : now;
    if (p.schedule == "dynamic") {
      // Bricks go to whichever rank is free (no fixed share to lag behind): a rank lags when it has
      // been on one brick much longer than its bricks usually take.
      out += fmt::format("  ranks in {}:\n", p.phase);
      for (size_t r = 0; r < done.size(); ++r) {
        const double since = std::max(0.0, ended - last[r]);
        const double typical = done[r] ? busy[r] / double(done[r]) : 0;
        out += fmt::format("    rank {:>3}: {} bricks (dynamic schedule), busy {:.0f} s, last brick {:.0f} s ago{}\n", r, done[r], busy[r], since,
                           p.end <= 0 && typical > 0 && since > 3 * typical + 10 ? ", on one brick for longer than usual" : "");
      }
    } else {
      double mean_fraction = 0;
      for (size_t r = 0; r < done.size(); ++r)
        mean_fraction += r < p.assigned.size() && p.assigned[r] ? double(done[r]) / double(p.assigned[r]) : 1.0;
      mean_fraction /= double(std::max<size_t>(done.size(), 1));
      out += fmt::format("  ranks in {}:\n", p.phase);
      for (size_t r = 0; r < done.size(); ++r) {
        const uint64_t assigned = r < p.assigned.size() ? p.assigned[r] : 0;
        const double fraction = assigned ? double(done[r]) / double(assigned) : 1.0;
        const double lag = (mean_fraction - fraction) * double(assigned);
        out += fmt::format("    rank {:>3}: {}/{} bricks, last brick {:.0f} s ago{}\n", r, done[r], assigned,
                           std::max(0.0, ended - last[r]),
                           lag >= 1 ? fmt::format(", {:.0f} brick{} behind the mean", lag, lag >= 1.5 ? "s" : "") : "");
      }
    }
  }
  const std::string err = last_error(log);
  out += "  last error: " + (err.empty() ? std::string("none") : err) + "\n";
  return out;
}

}  // namespace dflow::launch
