#include "cleave/merge_table.hpp"

#include <array>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstring>
#include <fstream>
#include <vector>

#include "core/error.hpp"
#include "core/files.hpp"
#include "labelindex/npy.hpp"

namespace dflow::cleave {
namespace fs = std::filesystem;
namespace {

constexpr std::array<const char*, 9> kColumns = {"id_a", "id_b", "xa", "ya", "za", "xb", "yb", "zb", "score"};
constexpr std::array<const char*, 9> kTypes = {"<u8", "<u8", "<u4", "<u4", "<u4", "<u4", "<u4", "<u4", "<f4"};
constexpr size_t kHeaderBytes = 256;  // preamble + dict, a multiple of 64 as numpy wants

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

// A line quoted in an error: trimmed, cut at 100 characters, control and non-ASCII bytes escaped.
std::string shorten(std::string_view line) {
  std::string s(trim(line));
  if (s.size() > 100) s = s.substr(0, 97) + "...";
  return printable(s);
}

template <typename T>
bool parse_uint(std::string_view s, T& out) {
  if (s.empty() || s.front() == '+' || s.front() == '-') return false;
  const auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc() && p == s.data() + s.size();
}

bool parse_score(std::string_view s, float& out) {
  if (s == "inf" || s == "Infinity" || s == "+inf") return out = INFINITY, true;
  if (s == "-inf" || s == "-Infinity") return out = -INFINITY, true;
  if (s.empty() || s.front() == '+') return false;
  double d = 0;  // parsed as double then rounded, as pandas does for a float32 column
  const auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), d);
  if (ec != std::errc() || p != s.data() + s.size() || std::isnan(d)) return false;
  out = float(d);
  return true;
}

// One data line of the CSV -> row; errors name file:line.
MergeRow parse_line(std::string_view line, size_t columns, const std::string& name, uint64_t line_no) {
  std::array<std::string_view, 10> f{};
  size_t n = 0, pos = 0;
  while (true) {
    const size_t c = line.find(',', pos);
    if (n == f.size()) {
      n = 11;
      break;
    }
    f[n++] = trim(line.substr(pos, c == std::string_view::npos ? std::string_view::npos : c - pos));
    if (c == std::string_view::npos) break;
    pos = c + 1;
  }
  if (n != columns)
    fail("{}:{}: '{}': expected {} columns ({}), got {}", name, line_no, shorten(line), columns,
         columns == 9 ? "id_a,id_b,xa,ya,za,xb,yb,zb,score" : "id_a,id_b,xa,ya,za,xb,yb,zb,score,body", n > 10 ? "more" : std::to_string(n));
  // Parsed into aligned locals, then stored (the row is packed).
  uint64_t a = 0, b = 0;
  uint32_t c[6] = {};
  float score = 0;
  if (!parse_uint(f[0], a)) fail("{}:{}: '{}': id_a '{}' is not an unsigned 64-bit integer", name, line_no, shorten(line), printable(f[0]));
  if (!parse_uint(f[1], b)) fail("{}:{}: '{}': id_b '{}' is not an unsigned 64-bit integer", name, line_no, shorten(line), printable(f[1]));
  for (int k = 0; k < 6; ++k)
    if (!parse_uint(f[2 + k], c[k]))
      fail("{}:{}: '{}': {} '{}' is not an unsigned 32-bit coordinate", name, line_no, shorten(line), kColumns[2 + k], printable(f[2 + k]));
  if (!parse_score(f[8], score)) fail("{}:{}: '{}': score '{}' is not a number", name, line_no, shorten(line), printable(f[8]));
  const MergeRow r{a, b, c[0], c[1], c[2], c[3], c[4], c[5], score};
  if (r.id_a == 0 || r.id_b == 0) fail("{}:{}: '{}': supervoxel 0 is background and has no edges", name, line_no, shorten(line));
  return r;
}

size_t parse_header(std::string_view line, const std::string& name) {
  std::string want;
  for (const char* c : kColumns) want += std::string(want.empty() ? "" : ",") + c;
  const std::string_view h = trim(line);
  if (h == want) return 9;
  if (h == want + ",body") return 10;
  fail("{}:1: '{}': the header must be exactly {} (optionally ,body)", name, shorten(line), want);
}

void read_csv(const fs::path& path, size_t chunk_rows,
              const std::function<void(std::span<const MergeRow>, uint64_t)>& on_rows) {
  const std::string name = path.string();
  std::ifstream in(path, std::ios::binary);
  if (!in) fail("{}: cannot open: {}", name, std::strerror(errno));
  std::vector<MergeRow> rows;
  rows.reserve(chunk_rows);
  uint64_t line_no = 0, emitted = 0;
  size_t columns = 0;
  auto handle = [&](std::string_view line) {
    ++line_no;
    if (columns == 0) {
      columns = parse_header(line, name);
      return;
    }
    if (trim(line).empty()) return;
    rows.push_back(parse_line(line, columns, name, line_no));
    if (rows.size() == chunk_rows) {
      on_rows(rows, emitted);
      emitted += rows.size();
      rows.clear();
    }
  };
  for_each_line(in, handle);
  if (columns == 0) fail("{}: empty file (expected the header id_a,id_b,xa,ya,za,xb,yb,zb,score)", name);
  if (!rows.empty()) on_rows(rows, emitted);
}

void read_npy(const fs::path& path, size_t chunk_rows, const std::function<void(std::span<const MergeRow>, uint64_t)>& on_rows) {
  const std::string name = path.string();
  std::ifstream in;
  const labelindex::NpyHeader h = labelindex::read_npy_header(path, in);
  bool same = h.structured && h.fields.size() == kColumns.size() && h.itemsize == sizeof(MergeRow);
  for (size_t k = 0; same && k < kColumns.size(); ++k)
    same = h.fields[k].name == kColumns[k] && h.fields[k].type == kTypes[k];
  if (!same) fail("{}: the dtype must be the reference's MERGE_TABLE_DTYPE {}", name, merge_table_descr());
  if (h.shape.size() != 1) fail("{}: the edge table must be 1-D, got {} dimensions", name, h.shape.size());
  const uint64_t n = h.shape[0];
  in.clear();
  in.seekg(0, std::ios::end);
  const uint64_t size = uint64_t(in.tellg());
  if (size < h.data_offset + n * sizeof(MergeRow))
    fail("{}: truncated: {} rows need {} data bytes, the file has {}", name, n, n * sizeof(MergeRow), size - h.data_offset);
  in.seekg(std::streamoff(h.data_offset));
  std::vector<MergeRow> rows;
  for (uint64_t r0 = 0; r0 < n; r0 += chunk_rows) {
    const uint64_t rn = std::min<uint64_t>(chunk_rows, n - r0);
    rows.resize(rn);
    in.read(reinterpret_cast<char*>(rows.data()), std::streamsize(rn * sizeof(MergeRow)));
    if (uint64_t(in.gcount()) != rn * sizeof(MergeRow)) fail("{}: cannot read rows {}..{}", name, r0, r0 + rn);
    for (uint64_t i = 0; i < rn; ++i) {
      const MergeRow& r = rows[i];
      if (r.id_a == 0 || r.id_b == 0) fail("{}: row {}: supervoxel 0 is background and has no edges", name, r0 + i);
      if (std::isnan(r.score)) fail("{}: row {}: score is NaN (edge {}-{})", name, r0 + i, uint64_t(r.id_a), uint64_t(r.id_b));
    }
    on_rows(rows, r0);
  }
}

}  // namespace

const char* merge_table_descr() {
  return "[('id_a', '<u8'), ('id_b', '<u8'), ('xa', '<u4'), ('ya', '<u4'), ('za', '<u4'), ('xb', '<u4'), "
         "('yb', '<u4'), ('zb', '<u4'), ('score', '<f4')]";
}

void read_merge_table(const fs::path& path, size_t chunk_rows,
                      const std::function<void(std::span<const MergeRow>, uint64_t)>& on_rows) {
  chunk_rows = std::max<size_t>(chunk_rows, 1);
  if (path.extension() == ".npy")
    read_npy(path, chunk_rows, on_rows);
  else if (path.extension() == ".csv")
    read_csv(path, chunk_rows, on_rows);
  else
    fail("{}: unknown edge table format (expected .npy of MERGE_TABLE_DTYPE or .csv)", path.string());
}

std::string merge_table_npy_header(uint64_t rows) {
  std::string dict = fmt::format("{{'descr': {}, 'fortran_order': False, 'shape': ({},), }}", merge_table_descr(), rows);
  const size_t room = kHeaderBytes - 10;
  if (dict.size() + 1 > room) fail("internal: .npy header too long");
  dict.append(room - 1 - dict.size(), ' ');
  dict.push_back('\n');
  std::string out = "\x93NUMPY";
  out.push_back('\x01');
  out.push_back('\x00');
  out.push_back(char(room & 0xff));
  out.push_back(char(room >> 8));
  return out + dict;
}

MergeTableNpyWriter::MergeTableNpyWriter(fs::path path) : path_(std::move(path)), tmp_(path_.string() + ".tmp") {
  f_ = std::fopen(tmp_.c_str(), "wb");
  if (!f_) fail("{}: cannot create: {}", tmp_.string(), std::strerror(errno));
  const std::string h = merge_table_npy_header(0);
  if (std::fwrite(h.data(), 1, h.size(), f_) != h.size()) fail("{}: cannot write: {}", tmp_.string(), std::strerror(errno));
}

MergeTableNpyWriter::~MergeTableNpyWriter() {
  if (f_) {
    std::fclose(f_);
    std::error_code ec;
    fs::remove(tmp_, ec);  // unfinished: never leave a half table under the final name
  }
}

void MergeTableNpyWriter::write(std::span<const MergeRow> rows) {
  if (std::fwrite(rows.data(), sizeof(MergeRow), rows.size(), f_) != rows.size())
    fail("{}: cannot write {} rows: {}", tmp_.string(), rows.size(), std::strerror(errno));
  rows_ += rows.size();
}

void MergeTableNpyWriter::finish() {
  const std::string h = merge_table_npy_header(rows_);
  bool ok = std::fseek(f_, 0, SEEK_SET) == 0 && std::fwrite(h.data(), 1, h.size(), f_) == h.size();
  ok = std::fclose(f_) == 0 && ok;
  f_ = nullptr;
  if (!ok) fail("{}: cannot write: {}", tmp_.string(), std::strerror(errno));
  fs::rename(tmp_, path_);
}

}  // namespace dflow::cleave
