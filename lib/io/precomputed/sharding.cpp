#include "io/precomputed/sharding.hpp"

#include <algorithm>
#include <bit>
#include <cerrno>
#include <cstring>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/error.hpp"
#include "core/files.hpp"
#include "io/precomputed/compression.hpp"

namespace dflow::precomputed {

// ---- hash -------------------------------------------------------------------------------------

namespace {
constexpr uint32_t rotl32(uint32_t x, int r) { return (x << r) | (x >> (32 - r)); }
constexpr uint32_t fmix32(uint32_t h) {
  h ^= h >> 16;
  h *= 0x85ebca6bu;
  h ^= h >> 13;
  h *= 0xc2b2ae35u;
  h ^= h >> 16;
  return h;
}
}  // namespace

std::array<uint32_t, 4> murmurhash3_x86_128(std::span<const std::byte> data, uint32_t seed) {
  const size_t len = data.size();
  const size_t nblocks = len / 16;
  uint32_t h1 = seed, h2 = seed, h3 = seed, h4 = seed;
  constexpr uint32_t c1 = 0x239b961b, c2 = 0xab0e9789, c3 = 0x38b34ae5, c4 = 0xa1e38b93;
  const std::byte* p = data.data();
  for (size_t i = 0; i < nblocks; ++i) {
    uint32_t k1 = load_le32(p + 16 * i), k2 = load_le32(p + 16 * i + 4);
    uint32_t k3 = load_le32(p + 16 * i + 8), k4 = load_le32(p + 16 * i + 12);
    k1 *= c1; k1 = rotl32(k1, 15); k1 *= c2; h1 ^= k1;
    h1 = rotl32(h1, 19); h1 += h2; h1 = h1 * 5 + 0x561ccd1b;
    k2 *= c2; k2 = rotl32(k2, 16); k2 *= c3; h2 ^= k2;
    h2 = rotl32(h2, 17); h2 += h3; h2 = h2 * 5 + 0x0bcaa747;
    k3 *= c3; k3 = rotl32(k3, 17); k3 *= c4; h3 ^= k3;
    h3 = rotl32(h3, 15); h3 += h4; h3 = h3 * 5 + 0x96cd1c35;
    k4 *= c4; k4 = rotl32(k4, 18); k4 *= c1; h4 ^= k4;
    h4 = rotl32(h4, 13); h4 += h1; h4 = h4 * 5 + 0x32ac3b17;
  }
  const std::byte* tail = p + nblocks * 16;
  auto t = [&](size_t i) { return static_cast<uint32_t>(tail[i]); };
  uint32_t k1 = 0, k2 = 0, k3 = 0, k4 = 0;
  switch (len & 15) {
    case 15: k4 ^= t(14) << 16; [[fallthrough]];
    case 14: k4 ^= t(13) << 8; [[fallthrough]];
    case 13: k4 ^= t(12); k4 *= c4; k4 = rotl32(k4, 18); k4 *= c1; h4 ^= k4; [[fallthrough]];
    case 12: k3 ^= t(11) << 24; [[fallthrough]];
    case 11: k3 ^= t(10) << 16; [[fallthrough]];
    case 10: k3 ^= t(9) << 8; [[fallthrough]];
    case 9: k3 ^= t(8); k3 *= c3; k3 = rotl32(k3, 17); k3 *= c4; h3 ^= k3; [[fallthrough]];
    case 8: k2 ^= t(7) << 24; [[fallthrough]];
    case 7: k2 ^= t(6) << 16; [[fallthrough]];
    case 6: k2 ^= t(5) << 8; [[fallthrough]];
    case 5: k2 ^= t(4); k2 *= c2; k2 = rotl32(k2, 16); k2 *= c3; h2 ^= k2; [[fallthrough]];
    case 4: k1 ^= t(3) << 24; [[fallthrough]];
    case 3: k1 ^= t(2) << 16; [[fallthrough]];
    case 2: k1 ^= t(1) << 8; [[fallthrough]];
    case 1: k1 ^= t(0); k1 *= c1; k1 = rotl32(k1, 15); k1 *= c2; h1 ^= k1;
  }
  const auto n = static_cast<uint32_t>(len);
  h1 ^= n; h2 ^= n; h3 ^= n; h4 ^= n;
  h1 += h2; h1 += h3; h1 += h4;
  h2 += h1; h3 += h1; h4 += h1;
  h1 = fmix32(h1); h2 = fmix32(h2); h3 = fmix32(h3); h4 = fmix32(h4);
  h1 += h2; h1 += h3; h1 += h4;
  h2 += h1; h3 += h1; h4 += h1;
  return {h1, h2, h3, h4};
}

uint64_t murmurhash3_x86_128_hash64(uint64_t id) {
  std::byte key[8];
  store_le64(key, id);
  const auto h = murmurhash3_x86_128(key, 0);
  return uint64_t(h[0]) | uint64_t(h[1]) << 32;
}

// ---- Morton code, locations -------------------------------------------------------------------

uint64_t compressed_morton_code(const Vec3& g, const Vec3& grid_shape) {
  int bits[3];
  for (int d = 0; d < 3; ++d) {
    if (grid_shape[d] <= 0 || g[d] < 0 || g[d] >= grid_shape[d])
      fail("compressed Morton code: cell {} is outside the grid {}", g, grid_shape);
    // ceil(log2(n)): number of bits needed for indices 0..n-1.
    bits[d] = std::bit_width(static_cast<uint64_t>(grid_shape[d] - 1));
  }
  if (bits[0] + bits[1] + bits[2] > 64) fail("compressed Morton code: grid {} needs more than 64 bits", grid_shape);
  uint64_t code = 0;
  int j = 0;
  const int max_bits = std::max({bits[0], bits[1], bits[2]});
  for (int i = 0; i < max_bits; ++i)
    for (int d = 0; d < 3; ++d)
      if (i < bits[d]) code |= ((static_cast<uint64_t>(g[d]) >> i) & 1u) << j++;
  return code;
}

namespace {
constexpr uint64_t low_mask(int bits) { return bits >= 64 ? ~uint64_t(0) : (uint64_t(1) << bits) - 1; }
}  // namespace

ShardLocation locate(const ShardingSpec& spec, uint64_t chunk_id) {
  const uint64_t shifted = spec.preshift_bits >= 64 ? 0 : chunk_id >> spec.preshift_bits;
  const uint64_t hashed =
      spec.hash == ShardingSpec::Hash::identity ? shifted : murmurhash3_x86_128_hash64(shifted);
  ShardLocation loc;
  loc.minishard = hashed & low_mask(spec.minishard_bits);
  loc.shard = spec.minishard_bits >= 64 ? 0 : (hashed >> spec.minishard_bits) & low_mask(spec.shard_bits);
  return loc;
}

std::string shard_file_name(const ShardingSpec& spec, uint64_t shard) {
  const int digits = (spec.shard_bits + 3) / 4;
  return fmt::format("{:0{}x}.shard", shard, std::max(digits, 1));
}

// ---- minishard index --------------------------------------------------------------------------

std::vector<MinishardEntry> decode_minishard_index(std::span<const std::byte> data, uint64_t shard_index_end,
                                                   const std::string& where) {
  if (data.size() % 24 != 0)
    fail("{}: minishard index is {} bytes, not a multiple of 24 (corrupt or truncated)", where, data.size());
  const size_t n = data.size() / 24;
  std::vector<MinishardEntry> entries(n);
  uint64_t id = 0, end = shard_index_end;
  for (size_t i = 0; i < n; ++i) {
    // Deltas are mod 2^64 as in neuroglancer's reader.
    id += load_le64(data.data() + 8 * i);
    const uint64_t start = end + load_le64(data.data() + 8 * (n + i));
    const uint64_t size = load_le64(data.data() + 8 * (2 * n + i));
    end = start + size;
    entries[i] = {id, start, size};
  }
  std::sort(entries.begin(), entries.end(), [](const auto& a, const auto& b) { return a.id < b.id; });
  return entries;
}

// ---- reader -----------------------------------------------------------------------------------

namespace {

// Bound on cached minishard indexes (each holds 24 bytes per chunk); cleared wholesale when full.
constexpr size_t kMaxCachedMinishards = 8192;

}  // namespace

struct ShardedReader::Minishard {
  bool file_exists = false;
  uint64_t file_size = 0;
  std::vector<MinishardEntry> entries;  // sorted by id
};

ShardedReader::ShardedReader(std::shared_ptr<const kv::KvStore> store, ShardingSpec spec)
    : store_(std::move(store)), spec_(spec) {}
ShardedReader::~ShardedReader() = default;

namespace {

// Bytes [offset, offset+n) of the shard; fails naming `where` if the object ends first.
std::vector<std::byte> read_exact(const kv::KvStore& store, const std::string& name, uint64_t offset, uint64_t n,
                                  const std::string& where) {
  auto bytes = store.get_range(name, offset, n);
  if (!bytes) fail("{}: shard file disappeared while reading", where);
  if (bytes->size() != n)
    fail("{}: unexpected end of the shard file (wanted {} bytes at {}, got {})", where, n, offset, bytes->size());
  return std::move(*bytes);
}

}  // namespace

std::shared_ptr<const ShardedReader::Minishard> ShardedReader::minishard(const ShardLocation& loc,
                                                                          const std::string& what) const {
  const auto key = std::make_pair(loc.shard, loc.minishard);
  {
    std::lock_guard lock(mutex_);
    if (auto it = cache_.find(key); it != cache_.end()) return it->second;
  }
  // Parse outside the lock; two threads may both parse the same minishard, which is harmless.
  auto ms = std::make_shared<Minishard>();
  const std::string name = shard_file_name(spec_, loc.shard);
  if (auto file_size = store_->size(name)) {
    ms->file_exists = true;
    ms->file_size = *file_size;
    const uint64_t index_end = uint64_t(16) << spec_.minishard_bits;
    const std::string where = fmt::format("precomputed: {} (minishard {}, for {})", store_->describe(name), loc.minishard, what);
    if (*file_size < index_end)
      fail("{}: shard file is {} bytes, shorter than its {}-byte shard index (truncated)", where, *file_size, index_end);
    const auto entry = read_exact(*store_, name, 16 * loc.minishard, 16, where);
    const uint64_t start = load_le64(entry.data()), end = load_le64(entry.data() + 8);
    if (start > end || end > *file_size - index_end)
      fail("{}: shard index entry [{}, {}) is invalid for a file of {} bytes (corrupt or truncated)", where, start, end,
           *file_size);
    if (end > start) {
      auto bytes = read_exact(*store_, name, index_end + start, end - start, where);
      if (spec_.minishard_index_gzip) bytes = gunzip(bytes, where + ": minishard index");
      ms->entries = decode_minishard_index(bytes, index_end, where);
    }
  }
  std::lock_guard lock(mutex_);
  if (cache_.size() >= kMaxCachedMinishards) cache_.clear();
  cache_.emplace(key, ms);
  return ms;
}

std::optional<std::vector<std::byte>> ShardedReader::read_chunk(uint64_t chunk_id, const std::string& what) const {
  const ShardLocation loc = locate(spec_, chunk_id);
  const auto ms = minishard(loc, what);
  if (!ms->file_exists) return std::nullopt;
  auto it = std::lower_bound(ms->entries.begin(), ms->entries.end(), chunk_id,
                             [](const MinishardEntry& e, uint64_t id) { return e.id < id; });
  if (it == ms->entries.end() || it->id != chunk_id) return std::nullopt;
  const std::string name = shard_file_name(spec_, loc.shard);
  const std::string where = fmt::format("precomputed: {}: {}", store_->describe(name), what);
  if (it->offset > ms->file_size || it->size > ms->file_size - it->offset)
    fail("{}: data range [{}, {}) runs past the end of the {}-byte shard file (corrupt or truncated)", where,
         it->offset, it->offset + it->size, ms->file_size);
  auto bytes = read_exact(*store_, name, it->offset, it->size, where);
  if (spec_.data_gzip) bytes = gunzip(bytes, where);
  return bytes;
}

}  // namespace dflow::precomputed
