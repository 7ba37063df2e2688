#include "export/shard_writer.hpp"

#include <algorithm>
#include <cmath>

#include "codec/gzip.hpp"
#include "core/error.hpp"
#include "core/files.hpp"
#include "io/precomputed/sharding.hpp"

namespace dflow::exporter {

using precomputed::ShardingSpec;

namespace {
int ceil_log2(uint64_t n) {
  int b = 0;
  while ((uint64_t{1} << b) < n) ++b;
  return b;
}
}  // namespace

Vec3 morton_bits(const Vec3& grid) {
  return {ceil_log2(uint64_t(grid.x)), ceil_log2(uint64_t(grid.y)), ceil_log2(uint64_t(grid.z))};
}

ShardingSpec igneous_image_sharding(const Vec3& size, const Vec3& chunk, precomputed::Encoding encoding,
                                    int64_t target_bytes) {
  const Vec3 grid = ceil_div(size, chunk);
  const Vec3 bits = morton_bits(grid);
  const int max_bits = int(std::min<int64_t>(64, bits.x + bits.y + bits.z));
  const double num_chunks = double(grid.prod());
  const double chunk_bytes = double(chunk.prod());  // uint8

  double chunks_per_shard = std::exp2(std::floor(std::log2(std::ceil(double(target_bytes) / chunk_bytes))));
  if (num_chunks < chunks_per_shard) chunks_per_shard = std::exp2(std::ceil(std::log2(num_chunks)));
  double num_shards = num_chunks / chunks_per_shard;

  int shard_bits = 0, preshift_bits = 0;
  auto update_bits = [&] {
    shard_bits = std::max(0, int(std::ceil(std::log2(num_shards))));
    preshift_bits = int(std::ceil(std::log2(chunks_per_shard)));
    preshift_bits = std::min(preshift_bits, max_bits - shard_bits);
  };
  update_bits();

  constexpr double kMaxLabelsPerMinishard = 4000, kMaxMinishardIndexBytes = 40000, kMaxShardIndexBytes = 8192;
  double per_minishard = chunks_per_shard;
  int minishard_bits = 0;
  while (per_minishard > kMaxLabelsPerMinishard) {
    per_minishard /= 2;
    ++minishard_bits;
    const double minishard_size = 3 * 8 * per_minishard;
    const double shard_index_size = 2 * 8 * std::exp2(minishard_bits);
    if ((minishard_size > kMaxMinishardIndexBytes && minishard_bits > preshift_bits) || shard_index_size > kMaxShardIndexBytes) {
      --minishard_bits;
      num_shards *= 2;
      update_bits();
    }
  }
  // Minishard bits are taken from the preshift bits, which does not change which shard a chunk is in.
  preshift_bits -= minishard_bits;
  // The shard number takes every remaining bit of the Morton code (igneous at 6f664f8d). With
  // ceil(log2(chunks / chunks_per_shard)) alone, a grid that is not a power of two per axis would
  // wrap distinct shard boxes onto one shard number (e.g. grid 6x5x4: 8 code bits, 3 + 4 used).
  shard_bits = max_bits - preshift_bits - minishard_bits;
  if (preshift_bits < 0 || preshift_bits + shard_bits + minishard_bits > max_bits)
    fail("sharding: no valid parameters for size {} and chunk {} (preshift {}, minishard {}, shard {}, {} bits)", size,
         chunk, preshift_bits, minishard_bits, shard_bits, max_bits);

  ShardingSpec spec;
  spec.hash = ShardingSpec::Hash::identity;
  spec.preshift_bits = preshift_bits;
  spec.minishard_bits = minishard_bits;
  spec.shard_bits = shard_bits;
  spec.minishard_index_gzip = true;
  spec.data_gzip = encoding != precomputed::Encoding::jpeg;
  return spec;
}

Vec3 shard_shape_in_chunks(const ShardingSpec& spec, const Vec3& grid) {
  if (spec.hash != ShardingSpec::Hash::identity) fail("sharding: only the identity hash maps shards to boxes");
  const Vec3 bits = morton_bits(grid);
  Vec3 take{};
  int left = spec.preshift_bits + spec.minishard_bits;
  for (int i = 0; left > 0 && i < 64; ++i)
    for (int a = 0; a < 3 && left > 0; ++a)
      if (i < bits[a]) ++take[a], --left;
  return {int64_t{1} << take.x, int64_t{1} << take.y, int64_t{1} << take.z};
}

std::vector<std::byte> assemble_shard(const ShardingSpec& spec, std::vector<ShardChunk> chunks) {
  const uint64_t nmini = uint64_t{1} << spec.minishard_bits;
  auto minishard_of = [&](uint64_t id) {
    // identity hash: hashed = id >> preshift
    const uint64_t hashed = spec.hash == ShardingSpec::Hash::identity ? id >> spec.preshift_bits
                                                                      : precomputed::murmurhash3_x86_128_hash64(id >> spec.preshift_bits);
    return hashed & (nmini - 1);
  };
  std::sort(chunks.begin(), chunks.end(), [&](const ShardChunk& a, const ShardChunk& b) {
    const uint64_t ma = minishard_of(a.id), mb = minishard_of(b.id);
    return ma != mb ? ma < mb : a.id < b.id;
  });
  for (size_t i = 1; i < chunks.size(); ++i)
    if (chunks[i].id == chunks[i - 1].id) fail("sharding: chunk id {} appears twice in one shard", chunks[i].id);

  const size_t index_bytes = size_t(16 * nmini);
  std::vector<std::byte> out(index_bytes);
  // Offsets in the shard index and minishard indexes are relative to the end of the shard index.
  size_t c = 0;
  for (uint64_t m = 0; m < nmini; ++m) {
    const size_t begin = c;
    while (c < chunks.size() && minishard_of(chunks[c].id) == m) ++c;
    if (begin == c) {
      const uint64_t here = out.size() - index_bytes;
      store_le64(out.data() + 16 * m, here);
      store_le64(out.data() + 16 * m + 8, here);
      continue;
    }
    const size_t n = c - begin;
    std::vector<std::byte> index(24 * n);
    uint64_t prev_id = 0, prev_end = 0;
    for (size_t i = 0; i < n; ++i) {
      const ShardChunk& ch = chunks[begin + i];
      const uint64_t start = out.size() - index_bytes;
      out.insert(out.end(), ch.data.begin(), ch.data.end());
      store_le64(index.data() + 8 * i, ch.id - prev_id);
      store_le64(index.data() + 8 * (n + i), start - prev_end);
      store_le64(index.data() + 8 * (2 * n + i), ch.data.size());
      prev_id = ch.id;
      prev_end = start + ch.data.size();
    }
    if (spec.minishard_index_gzip) index = gzip::compress(index, gzip::Format::gzip);
    const uint64_t start = out.size() - index_bytes;
    out.insert(out.end(), index.begin(), index.end());
    store_le64(out.data() + 16 * m, start);
    store_le64(out.data() + 16 * m + 8, start + index.size());
  }
  return out;
}

}  // namespace dflow::exporter
