#include "labelindex/ingest.hpp"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <optional>
#include <thread>

#include <unistd.h>

#include "core/bounded_queue.hpp"
#include "core/duration.hpp"
#include "core/error.hpp"
#include "core/geometry.hpp"
#include "core/log.hpp"
#include "dvid/labelindex.hpp"
#include "labelindex/mapping.hpp"
#include "core/parallel.hpp"
#include "labelindex/progress_log.hpp"
#include "labelindex/stats_input.hpp"
#include "labelops.pb.h"

namespace dflow::labelindex {
namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

Operation parse_operation(const std::string& s) {
  if (s == "indexes") return Operation::indexes;
  if (s == "mappings") return Operation::mappings;
  if (s == "both") return Operation::both;
  fail("--operation {}: expected indexes, mappings or both", s);
}

const char* operation_name(Operation op) {
  switch (op) {
    case Operation::indexes: return "indexes";
    case Operation::mappings: return "mappings";
    case Operation::both: return "both";
  }
  return "?";
}

namespace {

double seconds_since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

// Logs line() every `interval` seconds on its own thread until destroyed.
class Reporter {
 public:
  Reporter(double interval, std::function<std::string()> line) : line_(std::move(line)) {
    if (interval <= 0) return;
    thread_ = std::thread([this, interval] {
      std::unique_lock lock(mu_);
      while (!cv_.wait_for(lock, std::chrono::duration<double>(interval), [&] { return stop_; })) log::info("{}", line_());
    });
  }
  ~Reporter() {
    {
      std::lock_guard lock(mu_);
      stop_ = true;
    }
    cv_.notify_all();
    if (thread_.joinable()) thread_.join();
  }

 private:
  std::function<std::string()> line_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;
  std::thread thread_;
};

std::string rate_line(const char* what, uint64_t done, uint64_t total, uint64_t units, const char* unit, double elapsed) {
  const double rows_per_s = elapsed > 0 ? done / elapsed : 0;
  const double units_per_s = elapsed > 0 ? units / elapsed : 0;
  const double eta = rows_per_s > 0 && total >= done ? (total - done) / rows_per_s : -1;
  return fmt::format("{}: {}/{} rows ({:.1f}%), {} {}, {:.0f} rows/s, {:.0f} {}/s, elapsed {}, ETA {}", what, done, total,
                     total ? 100.0 * done / total : 100.0, units, unit, rows_per_s, units_per_s, unit, format_duration(elapsed), format_duration(eta));
}

// Step 2: the statistics as sorted records, and who needs a tombstone.
struct Table {
  std::unique_ptr<RecordSorter> sorter;
  TombstoneRule rule;
  uint64_t stats_rows = 0, zero_rows = 0;
};

Table build_table(const IngestOptions& o, const Mapping& mapping, const fs::path& temp_dir) {
  const auto t0 = Clock::now();
  StatsInput input(o.stats);
  Table t;
  t.stats_rows = input.rows();
  log::info("{}: {} block statistics rows ({:.1f} s to read)", o.stats.string(), t.stats_rows, seconds_since(t0));
  const int threads = std::max(o.threads, 1);
  // 3/4 of the budget for the sort buffer, 1/4 for the merge's read buffers (used after the buffer is freed)
  // and the chunk being converted.
  const uint64_t chunk_rows = std::clamp<uint64_t>(o.memory_budget / 16 / sizeof(IndexRecord), 4096, 1 << 20);
  const uint64_t buffer_bytes = o.memory_budget * 3 / 4;
  t.sorter = std::make_unique<RecordSorter>(buffer_bytes, temp_dir, threads, t.stats_rows);
  if (t.stats_rows * sizeof(IndexRecord) > buffer_bytes)
    log::info("{} records ({:.2f} GiB) exceed the sort buffer ({:.2f} GiB of --memory-budget): sorting on disk in {}",
              t.stats_rows, t.stats_rows * sizeof(IndexRecord) / double(1 << 30), buffer_bytes / double(1 << 30), temp_dir.string());

  const auto entries = mapping.entries();
  std::vector<uint8_t> seen(entries.size(), 0);
  std::vector<std::vector<IndexRecord>> locals(static_cast<size_t>(threads));
  std::atomic<uint64_t> zero{0}, converted{0};
  const auto t1 = Clock::now();
  {
    Reporter reporter(o.progress_interval, [&] {
      return rate_line("sorting", converted.load(), t.stats_rows, t.sorter->runs(), "runs on disk", seconds_since(t1));
    });
    input.for_each_chunk(chunk_rows, [&](std::span<const stats::BlockStat> rows, uint64_t first) {
      for (auto& l : locals) l.clear();
      parallel_ranges(rows.size(), threads, [&](size_t b, size_t e, int w) {
        auto& out = locals[size_t(w)];
        out.reserve(e - b);
        uint64_t last_sv = 0, last_body = 0, zeros = 0;
        for (size_t i = b; i < e; ++i) {
          const stats::BlockStat& r = rows[i];
          if (r.segment_id == 0) {
            ++zeros;
            continue;
          }
          uint64_t body = r.segment_id;
          if (!entries.empty()) {
            if (r.segment_id == last_sv) {
              body = last_body;
            } else {
              const size_t k = mapping.find(r.segment_id);
              if (k != Mapping::npos) {
                body = entries[k].body;
                std::atomic_ref<uint8_t>(seen[k]).store(1, std::memory_order_relaxed);
              }
              last_sv = r.segment_id, last_body = body;
            }
          }
          uint64_t key = 0;
          try {
            key = dvid::encode_block_index(floor_div(r.x, 64), floor_div(r.y, 64), floor_div(r.z, 64));
          } catch (const Error& ex) {
            fail("{}: row {} (segment {} at z,y,x {},{},{}): {}", o.stats.string(), first + i, r.segment_id, r.z, r.y, r.x, ex.what());
          }
          out.push_back(IndexRecord{body, key, r.segment_id, r.count});
        }
        zero += zeros;
      });
      for (const auto& l : locals) t.sorter->add(l);
      converted += rows.size();
    });
  }
  t.zero_rows = zero.load();
  if (t.zero_rows) log::warn("{}: {} rows of label 0 ignored (background is never indexed)", o.stats.string(), t.zero_rows);
  if (!entries.empty()) {
    std::vector<uint64_t> bodies;
    for (size_t k = 0; k < entries.size(); ++k)
      if (seen[k]) bodies.push_back(entries[k].body);
    std::sort(bodies.begin(), bodies.end());
    bodies.erase(std::unique(bodies.begin(), bodies.end()), bodies.end());
    t.rule = TombstoneRule(std::move(bodies));
  }
  log::info("converted {} rows in {:.1f} s ({} run files on disk)", t.stats_rows, seconds_since(t1), t.sorter->runs());
  return t;
}

// Step 3.
void post_indexes(const IngestOptions& o, Sink& sink, Table& table, ProgressLog& plog, IngestSummary& sum) {
  const auto t0 = Clock::now();
  auto stream = table.sorter->finish(o.memory_budget / 4);
  if (table.sorter->runs() > 0) log::info("merging {} sorted runs", table.sorter->runs());
  Batcher batcher(*stream, o.batch_rows, [&](uint64_t body) { return plog.posted("indexes", body); });
  const int threads = std::max(o.threads, 1);
  BoundedQueue<Batch> queue(size_t(threads) * 2);
  std::atomic<uint64_t> rows_done{0}, bodies{0}, tombstones{0}, batches{0}, bytes{0};
  std::atomic<bool> failed{false};
  std::exception_ptr error;
  std::mutex error_mu;
  const uint64_t total = table.sorter->records();

  std::vector<std::thread> workers;
  for (int w = 0; w < threads; ++w) {
    workers.emplace_back([&, w] {
      try {
        while (auto batch = queue.pop()) {
          if (failed) break;
          BuildCounts counts;
          const std::string wire = build_batch(*batch, o.meta, table.rule, counts);
          sink.post_indices(w, wire, counts.indexes + counts.tombstones);
          if (!o.dry_run) plog.record("indexes", batch->first_body, batch->last_body, batch->records.size());
          rows_done += batch->records.size();
          bodies += counts.indexes;
          tombstones += counts.tombstones;
          bytes += wire.size();
          ++batches;
        }
      } catch (...) {
        std::lock_guard lock(error_mu);
        if (!error) error = std::current_exception();
        failed = true;
        queue.close();
      }
    });
  }
  {
    Reporter reporter(o.progress_interval, [&] {
      return rate_line("label indexes", rows_done.load() + batcher.skipped_rows(), total, bodies.load(), "bodies",
                       seconds_since(t0));
    });
    try {
      Batch b;
      while (!failed && batcher.next(b))
        if (!queue.push(std::move(b))) break;
    } catch (...) {
      std::lock_guard lock(error_mu);
      if (!error) error = std::current_exception();
      failed = true;
    }
    queue.close();
    for (auto& t : workers) t.join();
  }
  if (error) std::rethrow_exception(error);
  sum.duplicates = batcher.duplicates();
  sum.bodies = bodies, sum.tombstones = tombstones, sum.index_batches = batches, sum.index_bytes = bytes;
  sum.skipped_bodies = batcher.skipped_bodies();
  sum.sort_runs = table.sorter->runs();
  sum.index_seconds = seconds_since(t0);
  if (sum.duplicates)
    log::warn("{}: {} repeated (block, supervoxel) rows; the largest count of each was kept, as flyemflows does",
              o.stats.string(), sum.duplicates);
  log::info("label indexes {}: {} bodies ({} supervoxel tombstones) in {} batches, {:.1f} MB, {:.1f} s ({:.0f} rows/s, {:.0f} bodies/s){}",
            o.dry_run ? "built (dry run, nothing posted)" : "posted", sum.bodies, sum.tombstones, sum.index_batches,
            sum.index_bytes / 1e6, sum.index_seconds, rows_done / std::max(sum.index_seconds, 1e-9),
            sum.bodies / std::max(sum.index_seconds, 1e-9),
            sum.skipped_bodies ? fmt::format("; {} bodies skipped (posted by an earlier run)", sum.skipped_bodies) : "");
}

// Step 4.
void post_mappings(const IngestOptions& o, Sink& sink, std::vector<SvBody> entries, ProgressLog& plog, IngestSummary& sum) {
  const auto t0 = Clock::now();
  std::sort(entries.begin(), entries.end(), [](const SvBody& a, const SvBody& b) { return a.body < b.body || (a.body == b.body && a.sv < b.sv); });
  std::atomic<uint64_t> done{0}, ops_done{0};
  Reporter reporter(o.progress_interval, [&] {
    return rate_line("mappings", done.load(), entries.size(), ops_done.load(), "bodies", seconds_since(t0));
  });
  dvidpb::MappingOps ops;
  uint64_t svs = 0, first = 0, last = 0;
  auto flush = [&] {
    if (ops.mappings_size() == 0) return;
    std::string wire;
    if (!ops.SerializeToString(&wire)) fail("mappings: protobuf serialization failed");
    try {
      sink.post_mappings(0, wire, size_t(ops.mappings_size()));
    } catch (const Error& e) {
      fail("{} (mapping batch of bodies {}..{}; earlier batches are recorded in {}; if DVID applied this one before the "
           "error, a re-run posts it again)", e.what(), first, last, plog.path().string());
    }
    if (!o.dry_run) plog.record("mappings", first, last, svs);
    ++sum.mapping_batches;
    sum.mapping_bytes += wire.size();
    sum.mapping_ops += uint64_t(ops.mappings_size());
    sum.mapping_svs += svs;
    ops.Clear();
    svs = 0;
  };
  size_t i = 0;
  while (i < entries.size()) {
    const uint64_t body = entries[i].body;
    size_t j = i;
    while (j < entries.size() && entries[j].body == body) ++j;
    if (plog.posted("mappings", body)) {
      ++sum.skipped_mapping_ops;
    } else {
      if (ops.mappings_size() == 0) first = body;
      last = body;
      dvidpb::MappingOp* op = ops.add_mappings();
      op->set_mutid(o.meta.last_mutid);
      op->set_mapped(body);
      for (size_t k = i; k < j; ++k) op->add_original(entries[k].sv);
      svs += j - i;
      if (svs >= o.batch_rows) flush();
    }
    done += j - i;
    ++ops_done;
    i = j;
  }
  flush();
  sum.mapping_seconds = seconds_since(t0);
  log::info("mappings {}: {} bodies, {} supervoxels in {} batches, {:.1f} MB, {:.1f} s{}",
            o.dry_run ? "built (dry run, nothing posted)" : "posted", sum.mapping_ops, sum.mapping_svs, sum.mapping_batches,
            sum.mapping_bytes / 1e6, sum.mapping_seconds,
            sum.skipped_mapping_ops ? fmt::format("; {} bodies skipped (posted by an earlier run)", sum.skipped_mapping_ops) : "");
}

}  // namespace

IngestSummary run_ingest(const IngestOptions& o, Sink& sink) {
  const bool want_indexes = o.operation != Operation::mappings;
  const bool want_mappings = o.operation != Operation::indexes;
  if (want_indexes && o.stats.empty()) fail("--operation {} needs the block statistics file (--stats)", operation_name(o.operation));
  if (want_mappings && o.mapping.empty())
    fail("--operation {} needs an agglomeration mapping (--mapping)", operation_name(o.operation));
  if (o.batch_rows == 0) fail("--batch-size must be positive");
  const fs::path work_dir = o.work_dir.empty() ? fs::current_path() : o.work_dir;
  ProgressLog plog(work_dir / o.progress_name, o.dry_run);
  IngestSummary sum;

  // Everything that can be wrong with the inputs is found before the first POST.
  Mapping mapping;
  if (!o.mapping.empty()) {
    const auto t0 = Clock::now();
    mapping = load_mapping(o.mapping);
    log::info("{}: {} supervoxels mapped ({:.1f} s)", o.mapping.string(), mapping.size(), seconds_since(t0));
  }
  std::string idx_fp, idx_desc, map_fp, map_desc;
  if (want_indexes) {
    std::vector<fs::path> files{o.stats};
    if (!o.mapping.empty()) files.push_back(o.mapping);
    std::tie(idx_fp, idx_desc) = fingerprint_files(files);
    switch (plog.check("indexes", idx_fp)) {
      case ProgressLog::State::resumed:
        log::info("{}: resuming: {} label-index batches were posted by an earlier run and are skipped", plog.path().string(),
                  plog.batches("indexes"));
        break;
      case ProgressLog::State::different_inputs:
        log::warn("{}: label indexes were posted earlier from other inputs ({}); posting all of them again (POST /indices "
                  "replaces, so this is safe)", plog.path().string(), plog.recorded_description("indexes"));
        break;
      case ProgressLog::State::fresh: break;
    }
  }
  if (want_mappings) {
    std::tie(map_fp, map_desc) = fingerprint_files({o.mapping});
    switch (plog.check("mappings", map_fp)) {
      case ProgressLog::State::resumed:
        log::info("{}: resuming: {} mapping batches were posted by an earlier run and are skipped", plog.path().string(),
                  plog.batches("mappings"));
        break;
      case ProgressLog::State::different_inputs:
        fail("{}: mappings were already posted to this instance from other inputs ({}); DVID appends every POST /mappings "
             "to its mutation log, so they are not posted again. Delete this file to post anyway.",
             plog.path().string(), plog.recorded_description("mappings"));
      case ProgressLog::State::fresh: break;
    }
  }

  if (want_indexes) {
    const fs::path temp_dir = work_dir / fmt::format("ingest-label-indexes-sort-{}", ::getpid());
    Table table = build_table(o, mapping, temp_dir);
    sum.stats_rows = table.stats_rows;
    sum.zero_rows = table.zero_rows;
    if (!want_mappings) mapping = Mapping();  // not needed any more: free it before the merge
    plog.start("indexes", idx_fp, idx_desc);
    post_indexes(o, sink, table, plog, sum);
  }
  if (want_mappings) {
    plog.start("mappings", map_fp, map_desc);
    post_mappings(o, sink, mapping.release(), plog, sum);
  }
  return sum;
}

}  // namespace dflow::labelindex
