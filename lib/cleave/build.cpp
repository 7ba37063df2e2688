#include "cleave/build.hpp"

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <vector>

#include <unistd.h>

#include "cleave/merge_table.hpp"
#include "cleave/table.hpp"
#include "core/error.hpp"
#include "core/external_sort.hpp"
#include "core/log.hpp"
#include "labelindex/mapping.hpp"

namespace dflow::cleave {
namespace fs = std::filesystem;
namespace {

using Clock = std::chrono::steady_clock;
double seconds_since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

// One internal edge on its way through the sort: 60 bytes. `seq` (the row number in the input)
// orders duplicates, so the last one is the one kept.
#pragma pack(push, 1)
struct EdgeRecord {
  uint64_t body, a, b, seq;
  uint32_t xa, ya, za, xb, yb, zb;
  float score;
};
#pragma pack(pop)
bool operator<(const EdgeRecord& x, const EdgeRecord& y) {
  if (x.body != y.body) return x.body < y.body;
  if (x.a != y.a) return x.a < y.a;
  if (x.b != y.b) return x.b < y.b;
  return x.seq < y.seq;
}

// A file written under a temporary name, renamed by commit(), removed if never committed.
class OutputFile {
 public:
  explicit OutputFile(fs::path path) : path_(std::move(path)), tmp_(path_.string() + ".tmp") {
    f_ = std::fopen(tmp_.c_str(), "w+b");
    if (!f_) fail("{}: cannot create: {}", tmp_.string(), std::strerror(errno));
  }
  ~OutputFile() {
    if (f_) {
      std::fclose(f_);
      std::error_code ec;
      fs::remove(tmp_, ec);
    }
  }
  void write(const void* p, size_t bytes) {
    if (bytes && std::fwrite(p, 1, bytes, f_) != bytes) fail("{}: cannot write: {}", tmp_.string(), std::strerror(errno));
    offset_ += bytes;
  }
  void pad_to(uint64_t align) {
    static const char zeros[8] = {};
    write(zeros, (align - offset_ % align) % align);
  }
  void write_at(uint64_t offset, const std::string& bytes) {
    if (std::fseek(f_, long(offset), SEEK_SET) != 0 || std::fwrite(bytes.data(), 1, bytes.size(), f_) != bytes.size())
      fail("{}: cannot write: {}", tmp_.string(), std::strerror(errno));
  }
  uint64_t offset() const { return offset_; }
  void commit() {
    const bool ok = std::fflush(f_) == 0 && ::fsync(fileno(f_)) == 0;
    const bool closed = std::fclose(f_) == 0;
    f_ = nullptr;
    if (!ok || !closed) fail("{}: cannot write: {}", tmp_.string(), std::strerror(errno));
    fs::rename(tmp_, path_);
  }

 private:
  fs::path path_, tmp_;
  std::FILE* f_ = nullptr;
  uint64_t offset_ = 0;
};

MergeRow to_row(const EdgeRecord& r) { return MergeRow{r.a, r.b, r.xa, r.ya, r.za, r.xb, r.yb, r.zb, r.score}; }

}  // namespace

BuildSummary build_cleave_table(const BuildOptions& o) {
  const auto t0 = Clock::now();
  BuildSummary sum;
  const labelindex::Mapping mapping = o.mapping.empty() ? labelindex::Mapping() : labelindex::load_mapping(o.mapping);
  if (!o.mapping.empty()) log::info("{}: {} supervoxels mapped", o.mapping.string(), mapping.size());

  const fs::path work = o.work_dir.empty() ? fs::absolute(o.output).parent_path() : o.work_dir;
  const fs::path temp = work / fmt::format("construct-cleave-table-{}.sort", ::getpid());
  // Half of the budget sorts the edges (60 bytes each), a quarter the supervoxel index afterwards,
  // the rest reads the chunks and the run files.
  ExternalSorter<EdgeRecord> sorter(o.memory_budget / 2, temp / "edges", o.threads);
  const size_t chunk = std::clamp<uint64_t>(o.memory_budget / 16 / sizeof(MergeRow), 4096, 1 << 20);
  std::vector<EdgeRecord> recs;
  read_merge_table(o.edges, chunk, [&](std::span<const MergeRow> rows, uint64_t first) {
    recs.clear();
    for (size_t i = 0; i < rows.size(); ++i) {
      const MergeRow r = normalized(rows[i]);
      if (r.id_a == r.id_b) {
        ++sum.self_loops;
        continue;
      }
      const uint64_t ba = mapping.body_of(r.id_a), bb = mapping.body_of(r.id_b);
      if (ba != bb) {
        ++sum.inter_body;
        continue;
      }
      recs.push_back(EdgeRecord{ba, r.id_a, r.id_b, first + i, r.xa, r.ya, r.za, r.xb, r.yb, r.zb, r.score});
    }
    sum.rows += rows.size();
    sorter.add(recs);
  });
  log::info("{}: {} rows read: {} internal, {} between bodies, {} self-loops ({:.1f} s)", o.edges.string(), sum.rows,
            sorter.records(), sum.inter_body, sum.self_loops, seconds_since(t0));

  auto stream = sorter.finish(o.memory_budget / 4);
  sum.sort_runs = sorter.runs();
  ExternalSorter<SvEntry> sv_sorter(o.memory_budget / 4, temp / "supervoxels", o.threads);
  std::optional<OutputFile> table, bodies_tmp;
  std::optional<MergeTableNpyWriter> npy;
  if (!o.dry_run) {
    table.emplace(o.output);
    table->write(encode_table_header({}).data(), kTableHeaderBytes);
    bodies_tmp.emplace(o.output.string() + ".bodies");
    if (!o.npy_output.empty()) npy.emplace(o.npy_output);
  }
  std::vector<MergeRow> out;
  out.reserve(1 << 14);
  std::vector<SvEntry> svs;
  svs.reserve(1 << 15);
  BodyEntry current{0, 0, 0};
  const auto flush = [&] {
    if (table) table->write(out.data(), out.size() * sizeof(MergeRow));
    if (npy) npy->write(out);
    out.clear();
    sv_sorter.add(svs);
    svs.clear();
  };
  const auto end_body = [&] {
    if (current.count == 0) return;
    if (bodies_tmp) bodies_tmp->write(&current, sizeof current);
    ++sum.bodies;
  };
  EdgeRecord r{}, pending{};
  bool have = false;
  const auto emit = [&](const EdgeRecord& e) {
    if (e.body != current.body || current.count == 0) {
      end_body();
      current = BodyEntry{e.body, sum.edges, 0};
    }
    out.push_back(to_row(e));
    svs.push_back(SvEntry{e.a, e.body});
    svs.push_back(SvEntry{e.b, e.body});
    ++current.count;
    ++sum.edges;
    if (out.size() == out.capacity()) flush();
  };
  while (stream->next(r)) {
    if (have && (r.body != pending.body || r.a != pending.a || r.b != pending.b)) emit(pending);
    else if (have) ++sum.duplicates;  // the later row replaces the pending one
    pending = r;
    have = true;
  }
  if (have) emit(pending);
  flush();
  end_body();
  stream.reset();

  TableHeader h;
  h.edges = sum.edges;
  h.bodies = sum.bodies;
  auto sv_stream = sv_sorter.finish(o.memory_budget / 8);
  sum.sort_runs += sv_sorter.runs();
  if (table) {
    table->pad_to(8);
    h.bodies_offset = table->offset();
    // Copy the body index from its temporary file (kept on disk: a table can have billions of bodies).
    bodies_tmp->commit();
    const fs::path bodies_path = o.output.string() + ".bodies";
    {
      std::FILE* f = std::fopen(bodies_path.c_str(), "rb");
      if (!f) fail("{}: cannot open: {}", bodies_path.string(), std::strerror(errno));
      std::vector<char> buf(size_t(1) << 20);
      size_t got = 0;
      while ((got = std::fread(buf.data(), 1, buf.size(), f)) > 0) table->write(buf.data(), got);
      std::fclose(f);
      fs::remove(bodies_path);
    }
    table->pad_to(8);
    h.svs_offset = table->offset();
  }
  SvEntry s{}, last{0, 0};
  bool any = false;
  std::vector<SvEntry> sbuf;
  sbuf.reserve(1 << 15);
  while (sv_stream->next(s)) {
    if (any && s.sv == last.sv) continue;  // one entry per supervoxel (a supervoxel has one body)
    last = s, any = true;
    ++sum.svs;
    if (table) {
      sbuf.push_back(s);
      if (sbuf.size() == sbuf.capacity()) table->write(sbuf.data(), sbuf.size() * sizeof(SvEntry)), sbuf.clear();
    }
  }
  h.svs = sum.svs;
  if (table) {
    table->write(sbuf.data(), sbuf.size() * sizeof(SvEntry));
    table->write_at(0, encode_table_header(h));
    table->commit();
  }
  if (npy) npy->finish();
  std::error_code ec;
  fs::remove_all(temp, ec);
  sum.seconds = seconds_since(t0);
  log::info("{}: {} internal edges ({} duplicate pairs dropped, the last kept) in {} bodies, {} supervoxels, {:.1f} s{}",
            o.dry_run ? "dry run" : o.output.string(), sum.edges, sum.duplicates, sum.bodies, sum.svs, sum.seconds,
            sum.sort_runs ? fmt::format(", sorted on disk in {} runs", sum.sort_runs) : "");
  return sum;
}

}  // namespace dflow::cleave
