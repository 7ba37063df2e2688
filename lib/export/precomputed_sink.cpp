#include "export/precomputed_sink.hpp"

#include <cctype>
#include <chrono>
#include <optional>
#include <ranges>

#include <nlohmann/json.hpp>

#include "codec/gzip.hpp"
#include "core/error.hpp"
#include "export/shard_writer.hpp"
#include "io/precomputed/chunk.hpp"
#include "io/precomputed/precomputed.hpp"
#include "io/precomputed/sharding.hpp"
#include "io/precomputed/unsharded.hpp"

namespace dflow::exporter {

using namespace precomputed;

namespace {
using Clock = std::chrono::steady_clock;
double seconds(Clock::time_point a, Clock::time_point b) { return std::chrono::duration<double>(b - a).count(); }
}  // namespace

Info make_info(const std::vector<Box>& boxes, const PrecomputedOutput& o) {
  Info info;
  info.type = "image";
  info.dtype = DType::uint8;
  info.num_channels = 1;
  for (size_t s = 0; s < boxes.size(); ++s) {
    Scale sc;
    const double f = double(int64_t{1} << s);
    for (int a = 0; a < 3; ++a) sc.resolution[size_t(a)] = o.resolution[size_t(a)] * f;
    sc.key = fmt::format("{}_{}_{}", sc.resolution[0], sc.resolution[1], sc.resolution[2]);
    sc.voxel_offset = boxes[s].lo;
    sc.size = boxes[s].shape();
    sc.chunk_size = o.chunk_size;
    sc.encoding = o.encoding;
    if (o.encoding == Encoding::jpeg) sc.jpeg_quality = o.jpeg_quality;
    // igneous' parameter choice, with the shard size target divided by 8 per level: shard boxes
    // then halve per axis from level to level (in voxels of scale 0 they stay the same box), so a
    // rank that owns a scale-0 shard box owns the shards above it too and writes the whole pyramid
    // of that box in one pass. (igneous uses one target for all levels; its upper levels would have
    // as many chunks per shard as scale 0, and each level would need its own pass.)
    if (o.sharded)
      sc.sharding = igneous_image_sharding(sc.size, sc.chunk_size, o.encoding,
                                           std::max<int64_t>(o.shard_bytes >> (3 * s), 1));
    info.scales.push_back(std::move(sc));
  }
  return info;
}

std::string info_difference(const Info& ours, const Info& existing) {
  const auto a = nlohmann::json::parse(info_to_json(ours)), b = nlohmann::json::parse(info_to_json(existing));
  const auto patch = nlohmann::json::diff(b, a);  // operations that turn the existing info into ours
  if (patch.empty()) return {};
  const nlohmann::json& op = patch[0];
  const nlohmann::json::json_pointer ptr(op["path"].get<std::string>());
  // "/scales/1/size/2" -> "scales[1].size[2]"
  std::string where;
  for (const auto& part : ptr.to_string().substr(1) | std::views::split('/')) {
    const std::string p(part.begin(), part.end());
    if (!p.empty() && std::isdigit(static_cast<unsigned char>(p[0]))) where += "[" + p + "]";
    else where += (where.empty() ? "" : ".") + p;
  }
  const std::string here = a.contains(ptr) ? a[ptr].dump() : "absent";
  const std::string there = b.contains(ptr) ? b[ptr].dump() : "absent";
  return fmt::format("{}: {} in this export, {} in the existing info", where, here, there);
}

PrecomputedSink::PrecomputedSink(std::shared_ptr<kv::KvStore> store, Info info)
    : store_(std::move(store)), info_(std::move(info)) {}

std::string PrecomputedSink::describe() const {
  const Scale& s0 = info_.scales.at(0);
  return fmt::format("precomputed:{} ({}{}, chunks {}{})", store_->describe(""), encoding_name(s0.encoding),
                     s0.jpeg_quality ? fmt::format(" q{}", *s0.jpeg_quality) : "", s0.chunk_size,
                     s0.sharding ? ", sharded" : "");
}

std::string PrecomputedSink::signature() const {
  // The info decides every byte written; its compact JSON keeps the journal header on one line.
  return fmt::format("precomputed {} {}", store_->describe(""), nlohmann::json::parse(info_to_json(info_)).dump());
}

LevelGrid PrecomputedSink::grid(int scale) const {
  const Scale& s = info_.scales.at(size_t(scale));
  Vec3 unit = s.chunk_size;
  if (s.sharding) unit = unit * shard_shape_in_chunks(*s.sharding, s.grid_shape());
  return {s.voxel_offset, unit, s.bounds()};
}

void PrecomputedSink::prepare() {
  store_->check_writable();
  const std::string where = store_->describe("info");
  if (auto bytes = store_->get("info")) {
    const Info existing = parse_info(std::string(reinterpret_cast<const char*>(bytes->data()), bytes->size()), where);
    const std::string diff = info_difference(info_, existing);
    if (!diff.empty())
      fail("{}: an existing output with a different info ({}); remove it or write elsewhere", where, diff);
    return;
  }
  const std::string text = info_to_json(info_);
  store_->put("info", std::as_bytes(std::span(text.data(), text.size())), {.content_type = "application/json"});
  store_->flush();
}

bool PrecomputedSink::reads_back_exactly() const {
  return info_.scales.at(0).encoding == Encoding::raw && !store_->local_root().empty();
}

bool PrecomputedSink::holds_encoded_level() const { return info_.scales.at(0).sharding.has_value(); }

std::unique_ptr<VolumeReader> PrecomputedSink::open_level(int scale) const {
  const auto root = store_->local_root();
  if (root.empty()) fail("{}: reading back needs a local directory", store_->describe(""));
  return open_precomputed(root.string(), scale);
}

std::vector<std::byte> PrecomputedSink::encode(const Scale& s, const LevelView& level, const Box& cb) {
  if (!level.box.contains(cb)) fail("export: chunk {} is not inside the brick {} (scale {})", cb, level.box, s.key);
  buf_.resize(size_t(cb.volume()));
  copy_region(level.data, level.box, reinterpret_cast<uint8_t*>(buf_.data()), cb, cb);
  try {
    return encode_chunk(s, DType::uint8, cb, buf_);
  } catch (const Error& e) {
    fail("{}: {}", store_->describe(s.key + "/" + chunk_name(cb)), e.what());
  }
}

LevelStats PrecomputedSink::write(int scale, const LevelView& level) {
  const Scale& s = info_.scales.at(size_t(scale));
  const Box region = level.box.intersect(s.bounds());
  if (region.empty()) return {};
  LevelStats st = s.sharding ? write_sharded(s, level, region) : write_unsharded(s, level, region);
  // A brick is journaled as done when write() returns: its queued uploads must have landed.
  const auto t0 = Clock::now();
  store_->flush();
  st.store_seconds += seconds(t0, Clock::now());
  return st;
}

LevelStats PrecomputedSink::write_unsharded(const Scale& s, const LevelView& level, const Box& region) {
  LevelStats st;
  // Raw chunks compress well and a bucket serves them with Content-Encoding; a directory keeps the
  // plain bytes (a static file server would not add the header).
  const bool gzip_raw = s.encoding == Encoding::raw && store_->local_root().empty();
  const Vec3 g0 = floor_div(region.lo - s.voxel_offset, s.chunk_size);
  const Vec3 g1 = ceil_div(region.hi - s.voxel_offset, s.chunk_size);
  for (int64_t z = g0.z; z < g1.z; ++z)
    for (int64_t y = g0.y; y < g1.y; ++y)
      for (int64_t x = g0.x; x < g1.x; ++x) {
        const Box cb = s.chunk_box({x, y, z});
        const auto t0 = Clock::now();
        auto bytes = encode(s, level, cb);
        kv::PutOptions po;
        if (gzip_raw) {
          bytes = gzip::compress(bytes, gzip::Format::gzip);
          po.content_encoding = "gzip";
        }
        const auto t1 = Clock::now();
        store_->put(s.key + "/" + chunk_name(cb), bytes, po);
        st.encode_seconds += seconds(t0, t1);
        st.store_seconds += seconds(t1, Clock::now());
        ++st.objects;
        st.bytes += bytes.size();
      }
  return st;
}

LevelStats PrecomputedSink::write_sharded(const Scale& s, const LevelView& level, const Box& region) {
  LevelStats st;
  const ShardingSpec& spec = *s.sharding;
  const Vec3 grid = s.grid_shape();
  const Vec3 per_shard = shard_shape_in_chunks(spec, grid);
  const Vec3 g0 = floor_div(region.lo - s.voxel_offset, s.chunk_size);
  const Vec3 g1 = ceil_div(region.hi - s.voxel_offset, s.chunk_size);
  const Vec3 s0 = floor_div(g0, per_shard), s1 = ceil_div(g1, per_shard);
  for (int64_t sz = s0.z; sz < s1.z; ++sz)
    for (int64_t sy = s0.y; sy < s1.y; ++sy)
      for (int64_t sx = s0.x; sx < s1.x; ++sx) {
        const Vec3 c0 = Vec3{sx, sy, sz} * per_shard, c1 = vmin(c0 + per_shard, grid);
        std::vector<ShardChunk> chunks;
        std::optional<uint64_t> shard;
        for (int64_t z = c0.z; z < c1.z; ++z)
          for (int64_t y = c0.y; y < c1.y; ++y)
            for (int64_t x = c0.x; x < c1.x; ++x) {
              const Vec3 g{x, y, z};
              ShardChunk c;
              c.id = compressed_morton_code(g, grid);
              const uint64_t here = locate(spec, c.id).shard;
              if (shard && *shard != here)
                fail("export: chunk {} of scale {} is in shard {}, expected {} (sharding spec does not give box shards)",
                     g, s.key, here, *shard);
              shard = here;
              const auto t0 = Clock::now();
              c.data = encode(s, level, s.chunk_box(g));
              if (spec.data_gzip) c.data = gzip::compress(c.data, gzip::Format::gzip);
              st.encode_seconds += seconds(t0, Clock::now());
              chunks.push_back(std::move(c));
            }
        if (!shard) continue;
        const auto t0 = Clock::now();
        const auto bytes = assemble_shard(spec, std::move(chunks));
        store_->put(s.key + "/" + shard_file_name(spec, *shard), bytes);
        st.store_seconds += seconds(t0, Clock::now());
        ++st.objects;
        st.bytes += bytes.size();
      }
  return st;
}

}  // namespace dflow::exporter
