// ingest-supervoxels --verify: read everything back from DVID and compare, on all ranks.
//
// Scale 0 is compared with the input; scale s > 0 with downsample_labels_2x (DVID's rule) of scale
// s-1 as DVID returns it, so by induction every scale equals the input's own pyramid (padded with 0
// beyond the volume) without any rank ever holding more than one brick. Each brick is checked twice:
// every block through GET /specificblocks?supervoxels=true (decoded; a missing block must be all
// zero), and the voxels through GET /raw?supervoxels=true. If the execution directory holds the block
// statistics file, its rows are compared with the statistics recomputed from the input.
#include <algorithm>
#include <array>
#include <cstring>
#include <functional>
#include <map>
#include <tuple>

#include "codec/dvid_labels.hpp"
#include "codec/gzip.hpp"
#include "core/error.hpp"
#include "core/files.hpp"
#include "core/log.hpp"
#include "dvid/block_stream.hpp"
#include "dvid/labelmap.hpp"
#include "ingest/header.hpp"
#include "ingest/ingest.hpp"
#include "mpi/bricks.hpp"
#include "mpi/gather.hpp"
#include "mpi/mpi_env.hpp"
#include "ops/downsample.hpp"

namespace dflow::ingest {

namespace {

const Vec3 kBlockShape = Vec3::fill(kBlock);

enum Kind { kMissingBlock, kBlockVoxels, kRawVoxels, kStats, kKinds };
constexpr std::array<const char*, kKinds> kKindNames{"missing-block", "block-voxels", "raw-voxels", "block-statistics"};
constexpr std::array<const char*, kKinds> kUnits{"blocks", "blocks", "voxels", "rows"};

struct Findings {
  std::array<uint64_t, kKinds> count{};
  std::array<std::string, kKinds> first;
  uint64_t blocks_checked = 0, voxels_checked = 0;
  void add(Kind k, uint64_t n, const std::function<std::string()>& example) {
    if (n == 0) return;
    if (count[k] == 0) first[k] = example();
    count[k] += n;
  }
};

// Index and count of the first difference between two equal-size arrays.
std::pair<size_t, uint64_t> diff(const uint64_t* a, const uint64_t* b, size_t n) {
  size_t first = n;
  uint64_t d = 0;
  for (size_t i = 0; i < n; ++i)
    if (a[i] != b[i]) {
      if (first == n) first = i;
      ++d;
    }
  return {first, d};
}

Vec3 point_of(const Box& box, size_t i) {
  const Vec3 s = box.shape();
  return box.lo + Vec3{int64_t(i) % s.x, (int64_t(i) / s.x) % s.y, int64_t(i) / (s.x * s.y)};
}

class Verifier {
 public:
  Verifier(const Header& h, const IngestSettings& s, const VolumeReader& reader)
      : h_(h), reader_(reader), client_(s.output.server, s.retry), lm_(client_, s.output.uuid, s.output.instance) {}

  // The expected voxels of `region` (block-aligned, at `scale`).
  Array3<uint64_t> expected(const Box& region, int scale) {
    Array3<uint64_t> out(region);
    if (scale == 0) {
      const Box in = region.intersect(h_.box);
      std::vector<std::byte> buf(size_t(in.volume()) * dtype_size(h_.dtype));
      reader_.read(in, buf);
      paste_as_uint64(buf, h_.dtype, in, out);
      return out;
    }
    const Box parent{region.lo * 2, region.hi * 2};
    Array3<uint64_t> prev(parent);
    const Box stored = parent.intersect(scaled_box(h_.box, scale - 1).round_out(kBlockShape));
    if (!stored.empty()) prev.paste(lm_.raw(stored, scale - 1, /*supervoxels=*/true));
    return downsample_labels_2x(prev);
  }

  void check_brick(const mpi::Brick& brick, int scale, Findings& f, std::vector<stats::BlockStat>& rows) {
    const Box region = brick.box.round_out(kBlockShape);
    const Array3<uint64_t> want = expected(region, scale);
    if (scale == 0) rows = stats::block_stats(want, h_.box, kBlockShape);

    // Blocks.
    const std::vector<Vec3> coords = blocks_in(region, region);
    std::vector<uint64_t> got(size_t(kBlock * kBlock * kBlock)), exp(got.size());
    for (size_t at = 0; at < coords.size(); at += 256) {
      const std::vector<Vec3> part(coords.begin() + ptrdiff_t(at), coords.begin() + ptrdiff_t(std::min(coords.size(), at + 256)));
      const std::string stream = lm_.specific_blocks(part, scale, /*supervoxels=*/true);
      std::map<std::tuple<int64_t, int64_t, int64_t>, std::span<const std::byte>> found;
      for (const auto& rec : dvid::parse_block_stream(std::as_bytes(std::span(stream.data(), stream.size()))))
        found[{rec.coord.x, rec.coord.y, rec.coord.z}] = rec.payload;
      for (const Vec3& c : part) {
        const Box b{c * kBlock, c * kBlock + kBlockShape};
        copy_region(want.data(), want.box(), exp.data(), b, b);
        ++f.blocks_checked;
        auto it = found.find({c.x, c.y, c.z});
        if (it == found.end()) {
          const bool zero = std::all_of(exp.begin(), exp.end(), [](uint64_t v) { return v == 0; });
          f.add(kMissingBlock, zero ? 0 : 1, [&] { return fmt::format("scale {} block {} (brick {})", scale, c, brick.id); });
          continue;
        }
        std::string problem;
        try {
          const auto raw = gzip::decompress(it->second, gzip::Format::gzip);
          if (dvidlabels::block_shape(raw) != kBlockShape) problem = fmt::format("block shape {}", dvidlabels::block_shape(raw));
          else dvidlabels::decode_block(raw, got.data());
        } catch (const std::exception& e) {
          problem = e.what();
        }
        if (!problem.empty()) {
          f.add(kBlockVoxels, 1, [&] { return fmt::format("scale {} block {}: {}", scale, c, problem); });
          continue;
        }
        const auto [first, n] = diff(exp.data(), got.data(), exp.size());
        f.add(kBlockVoxels, n ? 1 : 0, [&, first = first, n = n] {
          const Vec3 p = point_of(b, first);
          return fmt::format("scale {} block {}: {} voxels differ, e.g. at {}: expected {}, stored {}", scale, c, n, p,
                             exp[first], got[first]);
        });
      }
    }

    // Voxels through /raw.
    const Array3<uint64_t> raw = lm_.raw(region, scale, /*supervoxels=*/true);
    f.voxels_checked += raw.size();
    const auto [first, n] = diff(want.data(), raw.data(), raw.size());
    f.add(kRawVoxels, n, [&, first = first] {
      const Vec3 p = point_of(region, first);
      return fmt::format("scale {} in {} (brick {}), e.g. at {}: expected {}, GET /raw gives {}", scale, region, brick.id, p,
                         want.vec()[first], raw.vec()[first]);
    });
  }

 private:
  const Header& h_;
  const VolumeReader& reader_;
  dvid::Client client_;
  dvid::Labelmap lm_;
};

std::vector<std::byte> rows_blob(const std::vector<stats::BlockStat>& rows) {
  std::vector<std::byte> out(rows.size() * sizeof(stats::BlockStat));
  if (!rows.empty()) std::memcpy(out.data(), rows.data(), out.size());
  return out;
}

}  // namespace

int verify_ingest(MPI_Comm comm, const Source& source, const IngestSettings& s) {
  int rank = 0, nranks = 1;
  mpi::check(MPI_Comm_rank(comm, &rank), "MPI_Comm_rank");
  mpi::check(MPI_Comm_size(comm, &nranks), "MPI_Comm_size");
  brick_levels(s.brick_shape);
  const std::unique_ptr<VolumeReader> reader = mpi::root_first(comm, source.open);
  IngestSettings no_create = s;
  no_create.output.create_if_necessary = false;  // verifying never creates anything
  const Header h = agree(comm, *reader, source, no_create, /*create=*/false);
  if (rank == 0)
    log::info("verify: {}/api/node/{}/{} scales 0..{} against {} {}", s.output.server, s.output.uuid, s.output.instance,
              h.top_scale, h.describe, h.box);

  Verifier v(h, s, *reader);
  Findings f;
  std::vector<mpi::Blob> my_rows;
  for (int scale = 0; scale <= h.top_scale; ++scale) {
    const mpi::BrickPlan plan = mpi::plan_bricks(scaled_box(h.box, scale), s.brick_shape, kBlockShape);
    for (uint64_t id : mpi::assign_bricks(plan.bricks, rank, nranks)) {
      std::vector<stats::BlockStat> rows;
      try {
        v.check_brick(plan.bricks[id], scale, f, rows);
      } catch (const std::exception& e) {
        fail("verify: scale {} brick {} {}: {}", scale, id, plan.bricks[id].box, e.what());
      }
      if (scale == 0) my_rows.push_back({id, rows_blob(rows)});
    }
    // Scale s+1 is checked against scale s as DVID returns it, which this round has just checked.
  }

  // Block statistics: recomputed rows against the file, if there is one.
  const std::vector<mpi::Blob> all_rows = mpi::gather_blobs(comm, my_rows, 0);
  const fs::path stats_path = s.exec_dir / s.stats_file;
  bool stats_checked = false;
  if (rank == 0 && stats_path.extension() != ".csv" && fs::exists(stats_path)) {
    std::vector<stats::BlockStat> want;
    for (const auto& b : all_rows) {
      const size_t n = b.data.size() / sizeof(stats::BlockStat);
      const auto* p = reinterpret_cast<const stats::BlockStat*>(b.data.data());
      want.insert(want.end(), p, p + n);
    }
    stats::sort_rows(want);
    // The file is in brick order (rows sorted within each brick): compare in the canonical order.
    auto have = stats::read_block_stats_h5(stats_path);
    stats::sort_rows(have);
    stats_checked = true;
    if (have != want) {
      size_t i = 0;
      while (i < have.size() && i < want.size() && have[i] == want[i]) ++i;
      const uint64_t n = std::max(have.size(), want.size()) - i;
      f.add(kStats, n, [&] {
        return fmt::format("{}: {} rows, expected {}; first difference at row {}", stats_path.string(), have.size(),
                           want.size(), i);
      });
    }
  }

  std::vector<uint64_t> totals(f.count.begin(), f.count.end());
  totals.push_back(f.blocks_checked);
  totals.push_back(f.voxels_checked);
  mpi::allreduce_sum(comm, totals);
  // The first example of each kind from the lowest rank that has one.
  std::string mine;
  for (int k = 0; k < kKinds; ++k) mine += f.first[size_t(k)] + '\n';
  const auto examples = mpi::gather_blobs(comm, {{uint64_t(rank), std::vector<std::byte>(
                                                      reinterpret_cast<const std::byte*>(mine.data()),
                                                      reinterpret_cast<const std::byte*>(mine.data()) + mine.size())}});
  int kinds = 0;
  for (int k = 0; k < kKinds; ++k) kinds += totals[size_t(k)] > 0;
  if (rank == 0) {
    for (int k = 0; k < kKinds; ++k) {
      if (totals[size_t(k)] == 0) continue;
      std::string example;
      for (const auto& e : examples) {
        const std::string text(reinterpret_cast<const char*>(e.data.data()), e.data.size());
        size_t pos = 0;
        for (int i = 0; i < k; ++i) pos = text.find('\n', pos) + 1;
        example = text.substr(pos, text.find('\n', pos) - pos);
        if (!example.empty()) break;
      }
      log::error("verify: MISMATCH {}: {} {} (first: {})", kKindNames[size_t(k)], totals[size_t(k)], kUnits[size_t(k)], example);
    }
    const std::string what = fmt::format("{} blocks and {} voxels at scales 0..{}{}", totals[kKinds], totals[kKinds + 1],
                                         h.top_scale, stats_checked ? fmt::format(", and {}", stats_path.filename().string()) : "");
    if (kinds == 0) log::info("verify: OK: {} match the input", what);
    else log::error("verify: FAILED: {} kind{} of mismatch in {}", kinds, kinds == 1 ? "" : "s", what);
  }
  return kinds;
}

}  // namespace dflow::ingest
