#include "launch/allocation.hpp"

#include <charconv>
#include <cstdlib>
#include <numeric>
#include <sstream>

#include <fmt/format.h>

#include "core/error.hpp"
#include "core/files.hpp"

namespace dflow::launch {

namespace {

void add_slots(std::vector<Host>& hosts, const std::string& name, int slots) {
  for (Host& h : hosts)
    if (h.name == name) {
      h.slots += slots;
      return;
    }
  hosts.push_back({name, slots});
}

std::optional<int> to_int(std::string_view s) {
  int v = 0;
  const auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (s.empty() || ec != std::errc() || p != s.data() + s.size() || v < 0) return std::nullopt;
  return v;
}

// Splits at commas that are not inside [...].
std::vector<std::string> split_top_level(const std::string& text) {
  std::vector<std::string> out;
  std::string cur;
  int depth = 0;
  for (const char c : text) {
    if (c == '[') ++depth;
    if (c == ']') --depth;
    if (c == ',' && depth == 0) {
      out.push_back(cur);
      cur.clear();
    } else {
      cur += c;
    }
  }
  if (!cur.empty()) out.push_back(cur);
  return out;
}

// "node[01-03,7]x" -> node01x node02x node03x node7x (recursively for several bracket groups).
void expand_item(const std::string& item, std::vector<std::string>& out) {
  const size_t open = item.find('[');
  if (open == std::string::npos) {
    out.push_back(item);
    return;
  }
  const size_t close = item.find(']', open);
  if (close == std::string::npos) fail("unbalanced '[' in \"{}\"", item);
  const std::string prefix = item.substr(0, open), rest = item.substr(close + 1);
  std::stringstream ranges(item.substr(open + 1, close - open - 1));
  for (std::string r; std::getline(ranges, r, ',');) {
    const size_t dash = r.find('-');
    const std::string a = r.substr(0, dash), b = dash == std::string::npos ? a : r.substr(dash + 1);
    const auto lo = to_int(a), hi = to_int(b);
    if (!lo || !hi || *hi < *lo) fail("bad range \"{}\" in \"{}\"", r, item);
    for (int i = *lo; i <= *hi; ++i) expand_item(prefix + fmt::format("{:0{}d}", i, a.size()) + rest, out);
  }
}

}  // namespace

std::string scheduler_name(Scheduler s) {
  switch (s) {
    case Scheduler::lsf: return "LSF";
    case Scheduler::slurm: return "Slurm";
    case Scheduler::none: break;
  }
  return "this machine";
}

int Allocation::slots() const {
  return std::accumulate(hosts.begin(), hosts.end(), 0, [](int n, const Host& h) { return n + h.slots; });
}

std::string Allocation::describe() const {
  std::string list;
  for (const Host& h : hosts) list += fmt::format("{}{}: {}", list.empty() ? "" : ", ", h.name, h.slots);
  const int n = slots();
  return fmt::format("{} job {}: {} slot{} on {} host{} ({})", scheduler_name(scheduler), job_id, n, n == 1 ? "" : "s",
                     hosts.size(), hosts.size() == 1 ? "" : "s", list);
}

EnvLookup process_env() {
  return [](const std::string& name) -> std::optional<std::string> {
    const char* v = std::getenv(name.c_str());
    if (!v) return std::nullopt;
    return std::string(v);
  };
}

std::vector<Host> parse_lsf_hostfile(const std::string& text) {
  std::vector<Host> hosts;
  std::stringstream in(text);
  for (std::string line; std::getline(in, line);) {
    std::stringstream words(line);
    std::string name;
    if (words >> name) add_slots(hosts, name, 1);
  }
  return hosts;
}

std::vector<Host> parse_lsf_mcpu_hosts(const std::string& text) {
  std::vector<Host> hosts;
  std::stringstream in(text);
  for (std::string name, count; in >> name;) {
    if (!(in >> count) || !to_int(count) || *to_int(count) == 0)
      fail("LSB_MCPU_HOSTS=\"{}\": expected \"host slots host slots ...\"", text);
    add_slots(hosts, name, *to_int(count));
  }
  return hosts;
}

std::vector<std::string> expand_slurm_nodelist(const std::string& text) {
  std::vector<std::string> out;
  for (const std::string& item : split_top_level(text)) expand_item(item, out);
  return out;
}

std::vector<int> expand_slurm_tasks_per_node(const std::string& text) {
  std::vector<int> out;
  std::stringstream in(text);
  for (std::string item; std::getline(in, item, ',');) {
    const size_t x = item.find("(x");
    const auto n = to_int(item.substr(0, x));
    int repeat = 1;
    if (x != std::string::npos) {
      const auto r = item.back() == ')' ? to_int(item.substr(x + 2, item.size() - x - 3)) : std::nullopt;
      repeat = r ? *r : -1;
    }
    if (!n || repeat < 0) fail("SLURM_TASKS_PER_NODE=\"{}\": cannot read \"{}\"", text, item);
    out.insert(out.end(), size_t(repeat), *n);
  }
  return out;
}

Allocation detect_allocation(const EnvLookup& env) {
  Allocation a;
  if (const auto job = env("LSB_JOBID")) {
    a.scheduler = Scheduler::lsf;
    a.job_id = *job;
    if (const auto file = env("LSB_DJOB_HOSTFILE"); file && !file->empty()) {
      try {
        a.hosts = parse_lsf_hostfile(read_text(*file));
      } catch (const Error& e) {
        fail("LSB_DJOB_HOSTFILE={}: {}", *file, e.what());
      }
      if (a.hosts.empty()) fail("LSB_DJOB_HOSTFILE={}: no host names in the file", *file);
    } else if (const auto mcpu = env("LSB_MCPU_HOSTS"); mcpu && !mcpu->empty()) {
      a.hosts = parse_lsf_mcpu_hosts(*mcpu);
    } else {
      fail("LSB_JOBID={} is set but neither LSB_DJOB_HOSTFILE nor LSB_MCPU_HOSTS says which hosts the job has", *job);
    }
  } else if (const auto job = env("SLURM_JOB_ID")) {
    a.scheduler = Scheduler::slurm;
    a.job_id = *job;
    const auto nodes = env("SLURM_JOB_NODELIST"), tasks = env("SLURM_TASKS_PER_NODE");
    if (!nodes || !tasks)
      fail("SLURM_JOB_ID={} is set but SLURM_JOB_NODELIST or SLURM_TASKS_PER_NODE is missing", *job);
    std::vector<std::string> names;
    try {
      names = expand_slurm_nodelist(*nodes);
    } catch (const Error& e) {
      fail("SLURM_JOB_NODELIST=\"{}\": {}", *nodes, e.what());
    }
    const std::vector<int> slots = expand_slurm_tasks_per_node(*tasks);
    if (names.size() != slots.size())
      fail("SLURM_JOB_NODELIST=\"{}\" names {} nodes but SLURM_TASKS_PER_NODE=\"{}\" gives {}", *nodes, names.size(),
           *tasks, slots.size());
    for (size_t i = 0; i < names.size(); ++i) add_slots(a.hosts, names[i], slots[i]);
  }
  return a;
}

std::string mpi_hostfile(const std::vector<Host>& hosts) {
  std::string out;
  for (const Host& h : hosts) out += fmt::format("{} slots={}\n", h.name, h.slots);
  return out;
}

}  // namespace dflow::launch
