#include "labelindex/mapping.hpp"

#include <algorithm>
#include <charconv>
#include <cstring>
#include <fstream>
#include <functional>
#include <sstream>

#include "core/error.hpp"
#include "core/files.hpp"
#include "core/log.hpp"
#include "labelindex/npy.hpp"

namespace dflow::labelindex {
namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '"')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r' || s.back() == '"')) s.remove_suffix(1);
  return s;
}

bool parse_u64(std::string_view s, uint64_t& out) {
  if (s.empty() || s.front() == '+' || s.front() == '-') return false;
  const auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc() && p == s.data() + s.size();
}

std::string shorten(std::string_view line) {
  std::string s(trim(line));
  if (s.size() > 80) {
    s.resize(77);
    s.append("...");
  }
  return s;
}

// Calls on_row(line_number, sv, body) for every data line of a mapping CSV read from `in`, applying
// the per-row rules. Lines are read in large blocks: mapping files can have billions of rows.
void scan_csv(std::istream& in, const std::string& name, const std::function<void(uint64_t, uint64_t, uint64_t)>& on_row) {
  uint64_t line_no = 0;
  bool seen_first = false;
  auto handle = [&](std::string_view line) {
    ++line_no;
    if (trim(line).empty()) return;
    const size_t c1 = line.find(',');
    const std::string_view f0 = trim(line.substr(0, c1));
    std::string_view f1;
    if (c1 != std::string_view::npos) {
      const size_t c2 = line.find(',', c1 + 1);
      f1 = trim(line.substr(c1 + 1, c2 == std::string_view::npos ? std::string_view::npos : c2 - c1 - 1));
    }
    uint64_t sv = 0, body = 0;
    const bool ok0 = parse_u64(f0, sv), ok1 = parse_u64(f1, body);
    if (!seen_first) {
      seen_first = true;
      if (!ok0 && !ok1) return;  // header (e.g. "sv,body" or "segment_id,body_id")
    }
    if (c1 == std::string_view::npos)
      fail("{}:{}: '{}': expected two columns sv,body", name, line_no, shorten(line));
    if (!ok0) fail("{}:{}: '{}': supervoxel '{}' is not an unsigned 64-bit integer", name, line_no, shorten(line), f0);
    if (!ok1) fail("{}:{}: '{}': body '{}' is not an unsigned 64-bit integer", name, line_no, shorten(line), f1);
    if (sv == 0) fail("{}:{}: supervoxel 0 is background and cannot be mapped (to body {})", name, line_no, body);
    if (body == 0) fail("{}:{}: body 0 is background: supervoxel {} cannot be mapped to it", name, line_no, sv);
    on_row(line_no, sv, body);
  };
  for_each_line(in, handle);
}

// Sorts rows by sv and removes repeated identical pairs. If one sv has two bodies, calls
// conflict(sv), which throws an error naming where in the file the two rows are.
Mapping finish(std::vector<SvBody> rows, const std::string& name, const std::function<void(uint64_t)>& conflict) {
  std::sort(rows.begin(), rows.end(), [](const SvBody& a, const SvBody& b) { return a.sv < b.sv || (a.sv == b.sv && a.body < b.body); });
  size_t out = 0, repeated = 0;
  for (size_t i = 0; i < rows.size(); ++i) {
    if (out > 0 && rows[out - 1].sv == rows[i].sv) {
      if (rows[out - 1].body != rows[i].body) conflict(rows[i].sv);
      ++repeated;
      continue;
    }
    rows[out++] = rows[i];
  }
  rows.resize(out);
  rows.shrink_to_fit();
  if (repeated) log::warn("{}: {} repeated rows (same supervoxel, same body) ignored", name, repeated);
  return Mapping(std::move(rows));
}

// Finds the first two rows that map `sv` to different bodies and throws naming both.
[[noreturn]] void report_conflict(const std::function<void(const std::function<void(uint64_t, uint64_t, uint64_t)>&)>& rescan,
                                  const std::string& name, uint64_t sv, const char* unit) {
  uint64_t first_pos = 0, first_body = 0;
  bool have_first = false;
  rescan([&](uint64_t pos, uint64_t s, uint64_t body) {
    if (s != sv) return;
    if (!have_first) {
      have_first = true, first_pos = pos, first_body = body;
    } else if (body != first_body) {
      if (std::strcmp(unit, "line") == 0)
        fail("{}:{}: supervoxel {} is mapped to body {} here but to body {} on line {}", name, pos, sv, body, first_body, first_pos);
      fail("{}: row {}: supervoxel {} is mapped to body {} here but to body {} in row {}", name, pos, sv, body, first_body, first_pos);
    }
  });
  fail("{}: supervoxel {} is mapped to two different bodies", name, sv);
}

}  // namespace

size_t Mapping::find(uint64_t sv) const {
  auto it = std::lower_bound(entries_.begin(), entries_.end(), sv, [](const SvBody& e, uint64_t v) { return e.sv < v; });
  return (it != entries_.end() && it->sv == sv) ? size_t(it - entries_.begin()) : npos;
}

Mapping parse_mapping_csv(std::string_view text, const std::string& name) {
  auto scan = [&](const std::function<void(uint64_t, uint64_t, uint64_t)>& f) {
    std::istringstream in{std::string(text)};
    scan_csv(in, name, f);
  };
  std::vector<SvBody> rows;
  scan([&](uint64_t, uint64_t sv, uint64_t body) { rows.push_back({sv, body}); });
  return finish(std::move(rows), name, [&](uint64_t sv) { report_conflict(scan, name, sv, "line"); });
}

Mapping load_mapping(const std::filesystem::path& path) {
  const std::string name = path.string();
  if (!std::filesystem::exists(path)) fail("{}: mapping file does not exist", name);
  if (path.extension() == ".npy") {
    std::vector<SvBody> rows = read_npy_mapping(path);
    for (size_t i = 0; i < rows.size(); ++i) {
      if (rows[i].sv == 0) fail("{}: row {}: supervoxel 0 is background and cannot be mapped (to body {})", name, i, rows[i].body);
      if (rows[i].body == 0) fail("{}: row {}: body 0 is background: supervoxel {} cannot be mapped to it", name, i, rows[i].sv);
    }
    auto rescan = [&](const std::function<void(uint64_t, uint64_t, uint64_t)>& f) {
      const auto again = read_npy_mapping(path);
      for (size_t i = 0; i < again.size(); ++i) f(i, again[i].sv, again[i].body);
    };
    return finish(std::move(rows), name, [&](uint64_t sv) { report_conflict(rescan, name, sv, "row"); });
  }
  auto scan = [&](const std::function<void(uint64_t, uint64_t, uint64_t)>& f) {
    std::ifstream in(path, std::ios::binary);
    if (!in) fail("{}: cannot open: {}", name, std::strerror(errno));
    scan_csv(in, name, f);
  };
  std::vector<SvBody> rows;
  scan([&](uint64_t, uint64_t sv, uint64_t body) { rows.push_back({sv, body}); });
  return finish(std::move(rows), name, [&](uint64_t sv) { report_conflict(scan, name, sv, "line"); });
}

}  // namespace dflow::labelindex
