#include "example/example.hpp"

#include <algorithm>
#include <chrono>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "core/error.hpp"
#include "core/files.hpp"
#include "core/log.hpp"
#include "example/grayscale.hpp"
#include "example/random.hpp"
#include "io/n5/n5.hpp"

namespace dflow::example {

void ContentHash::word(uint64_t w) { h_ = mix64(h_ ^ w); }

void ContentHash::update(std::span<const std::byte> bytes) {
  length_ += bytes.size();
  size_t i = 0;
  while (npending_ > 0 && npending_ < 8 && i < bytes.size()) pending_[npending_++] = bytes[i++];
  if (npending_ == 8) {
    word(load_le64(pending_));
    npending_ = 0;
  }
  for (; i + 8 <= bytes.size(); i += 8) word(load_le64(bytes.data() + i));
  for (; i < bytes.size(); ++i) pending_[npending_++] = bytes[i];
}

uint64_t ContentHash::digest() const {
  ContentHash c = *this;
  if (c.npending_ > 0) {
    std::byte tail[8]{};
    std::copy(c.pending_, c.pending_ + c.npending_, tail);
    c.word(load_le64(tail));
  }
  c.word(c.length_);
  return c.h_;
}

namespace {

// Fills the summary's label statistics from a finished scan and agglomeration.
void summarize(ExampleSummary& s, const AdjacencyScan& scan, const Agglomeration& agglo) {
  s.supervoxels = agglo.mapping.size();
  s.bodies = agglo.bodies;
  s.edges = agglo.edges.size();
  for (const auto& [l, n] : scan.voxels) {
    if (l == 0) {
      s.background_voxels += n;
    } else {
      s.labeled_voxels += n;
      s.label_voxels.push_back({l, n});
    }
  }
  std::sort(s.label_voxels.begin(), s.label_voxels.end());
  if (!s.label_voxels.empty()) {
    s.min_id = s.label_voxels.front().first;
    s.max_id = s.label_voxels.back().first;
  }
}

Box grow_clip(const Box& b, int64_t by, const Box& volume) {
  return {vmax(b.lo - Vec3::fill(by), volume.lo), vmin(b.hi + Vec3::fill(by), volume.hi)};
}

// Writes `a` chunk-aligned through `w`, splitting the work over threads by rows of chunks.
template <typename T>
void write_parallel(N5Writer& w, const Array3<T>& a, int threads) {
  const Box& box = a.box();
  const Vec3 chunk = w.spec().chunk_shape;
  const int64_t rows = ceil_div(box.shape().y, chunk.y);
  parallel_ranges(rows, threads, [&](int64_t r0, int64_t r1) {
    for (int64_t r = r0; r < r1; ++r) {
      const Box part{{box.lo.x, box.lo.y + r * chunk.y, box.lo.z}, {box.hi.x, std::min(box.hi.y, box.lo.y + (r + 1) * chunk.y), box.hi.z}};
      w.write(a.crop(part));
    }
  });
}

}  // namespace

ExampleData generate_example(const ExampleParams& params) {
  const SupervoxelModel model(params);
  const Box vol = model.bounds();
  ExampleData d;
  d.segmentation = model.generate(vol);
  const AdjacencyScan scan = scan_adjacency(d.segmentation, vol, vol, params.seed, params.threads);
  d.agglomeration = agglomerate(scan, params.seed);
  d.grayscale = render_grayscale(d.segmentation, d.agglomeration, vol, vol, params.seed, params.threads);
  d.summary.params = params;
  summarize(d.summary, scan, d.agglomeration);
  ContentHash hs, hg;
  hs.update(d.segmentation.bytes());
  hg.update(d.grayscale.bytes());
  d.summary.segmentation_hash = hs.digest();
  d.summary.grayscale_hash = hg.digest();
  return d;
}

ExampleSummary write_example(const ExampleParams& params, const std::filesystem::path& dir) {
  using clock = std::chrono::steady_clock;
  const auto t0 = clock::now();
  const SupervoxelModel model(params);
  const Box vol = model.bounds();
  const fs::path n5 = dir / "example.n5";
  constexpr int64_t kSlab = 64;
  N5Writer seg_out(n5, "segmentation/s0", {params.size, Vec3::fill(64), DType::uint64, "gzip", -1});
  N5Writer gray_out(n5, "grayscale/s0", {params.size, Vec3::fill(64), DType::uint8, "gzip", -1});

  // Labels of a box: cropped from the whole volume when that fits comfortably in memory, otherwise
  // recomputed (pass 2 needs them again, with a halo).
  Array3<uint64_t> all;
  if (vol.volume() * 8 <= params.label_cache_bytes) all = model.generate(vol);
  const auto labels = [&](const Box& b) { return all.size() ? all.crop(b) : model.generate(b); };

  // Pass 1: labels slab by slab (plus one slice above for the contacts across the slab boundary).
  ExampleSummary s;
  s.params = params;
  AdjacencyScan scan;
  ContentHash hs;
  for (int64_t z0 = 0; z0 < vol.hi.z; z0 += kSlab) {
    const Box own{{0, 0, z0}, {vol.hi.x, vol.hi.y, std::min(z0 + kSlab, vol.hi.z)}};
    const Box with_next{own.lo, {own.hi.x, own.hi.y, std::min(own.hi.z + 1, vol.hi.z)}};
    const Array3<uint64_t> seg = labels(with_next);
    const Array3<uint64_t> slab = seg.crop(own);
    write_parallel(seg_out, slab, params.threads);
    hs.update(slab.bytes());
    scan.merge(scan_adjacency(seg, own, vol, params.seed, params.threads));
  }
  const Agglomeration agglo = agglomerate(scan, params.seed);
  summarize(s, scan, agglo);
  s.segmentation_hash = hs.digest();
  const auto t1 = clock::now();

  // Pass 2: grayscale needs the labels two voxels around each slab; they are cheaper to recompute
  // than to keep.
  ContentHash hg;
  for (int64_t z0 = 0; z0 < vol.hi.z; z0 += kSlab) {
    const Box own{{0, 0, z0}, {vol.hi.x, vol.hi.y, std::min(z0 + kSlab, vol.hi.z)}};
    const Array3<uint64_t> seg = labels(grow_clip(own, 2, vol));
    const Array3<uint8_t> gray = render_grayscale(seg, agglo, own, vol, params.seed, params.threads);
    write_parallel(gray_out, gray, params.threads);
    hg.update(gray.bytes());
  }
  s.grayscale_hash = hg.digest();

  write_text_atomic(dir / "mapping.csv", mapping_csv(agglo));
  write_text_atomic(dir / "edges.csv", edges_csv(agglo));
  write_text_atomic(dir / "example.json", summary_json(s));
  const auto t2 = clock::now();
  log::info("example: {} voxels, {} supervoxels, {} bodies, {} edges written to {} (labels {:.1f} s, grayscale {:.1f} s)",
            vol.volume(), s.supervoxels, s.bodies, s.edges, dir.string(),
            std::chrono::duration<double>(t1 - t0).count(), std::chrono::duration<double>(t2 - t1).count());
  return s;
}

std::string mapping_csv(const Agglomeration& agglo) {
  std::string out = "sv,body\n";
  out.reserve(agglo.mapping.size() * 40);
  for (const auto& [sv, body] : agglo.mapping) fmt::format_to(std::back_inserter(out), "{},{}\n", sv, body);
  return out;
}

std::string edges_csv(const Agglomeration& agglo) {
  std::string out = "id_a,id_b,xa,ya,za,xb,yb,zb,score\n";
  out.reserve(agglo.edges.size() * 80);
  for (const Edge& e : agglo.edges)
    fmt::format_to(std::back_inserter(out), "{},{},{},{},{},{},{},{},{}.{:04d}\n", e.a, e.b, e.pa.x, e.pa.y, e.pa.z,
                   e.pb.x, e.pb.y, e.pb.z, e.cost_e4 / 10000, e.cost_e4 % 10000);
  return out;
}

std::string summary_json(const ExampleSummary& s) {
  using nlohmann::ordered_json;
  const auto xyz = [](const Vec3& v) { return ordered_json::array({v.x, v.y, v.z}); };
  const auto hex = [](uint64_t h) { return fmt::format("{:016x}", h); };
  ordered_json j;
  j["description"] = "dvidflow example dataset (make-example): EM-like grayscale, supervoxels, agglomeration, edges";
  j["size"] = xyz(s.params.size);
  j["seed"] = s.params.seed;
  j["cell"] = xyz(s.params.cell);
  j["warp"] = s.params.warp;
  j["files"] = {{"grayscale", "example.n5/grayscale/s0"},
                {"segmentation", "example.n5/segmentation/s0"},
                {"mapping", "mapping.csv"},
                {"edges", "edges.csv"}};
  j["chunk-shape"] = xyz(Vec3::fill(64));
  j["compression"] = "gzip";
  j["supervoxels"] = s.supervoxels;
  j["bodies"] = s.bodies;
  j["edges"] = s.edges;
  j["background-voxels"] = s.background_voxels;
  j["labeled-voxels"] = s.labeled_voxels;
  j["min-supervoxel-id"] = s.min_id;
  j["max-supervoxel-id"] = s.max_id;
  j["near-int64-max-id"] = kNearInt64MaxId;
  uint64_t above32 = 0;
  for (const auto& [l, n] : s.label_voxels) above32 += l >= (uint64_t{1} << 32);
  j["supervoxels-above-2^32"] = above32;
  j["segmentation-hash"] = hex(s.segmentation_hash);
  j["grayscale-hash"] = hex(s.grayscale_hash);
  j["hash"] = "mix64 over little-endian 8-byte words of the z-major array, zero-padded, then the byte length";
  return j.dump(2) + "\n";
}

}  // namespace dflow::example
