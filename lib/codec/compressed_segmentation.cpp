#include "codec/compressed_segmentation.hpp"

#include <algorithm>
#include <map>
#include <string>

#include "core/error.hpp"
#include "core/files.hpp"

namespace dflow::cseg {
namespace {

constexpr bool valid_bits(uint32_t bits) {
  return bits == 0 || bits == 1 || bits == 2 || bits == 4 || bits == 8 || bits == 16 || bits == 32;
}

void check_shapes(const Vec3& size, const Vec3& block_size, size_t num_channels) {
  if (size.min() <= 0) fail("compressed segmentation: invalid volume size {}", size);
  if (block_size.min() <= 0) fail("compressed segmentation: invalid block size {}", block_size);
  if (num_channels == 0) fail("compressed segmentation: zero channels");
}

template <typename T>
T load_value(const std::byte* p) {
  if constexpr (sizeof(T) == 4) return load_le32(p);
  else return load_le64(p);
}

template <typename T>
void decode_channel(std::span<const std::byte> data, size_t base, size_t channel, const Vec3& size,
                    const Vec3& block, T* dst) {
  constexpr size_t words_per_value = sizeof(T) / 4;
  const size_t total_words = data.size() / 4;
  const size_t avail = total_words - base;  // words from the channel start to the end of the data
  const std::byte* chan = data.data() + base * 4;
  const Vec3 grid = ceil_div(size, block);
  const uint64_t block_voxels = static_cast<uint64_t>(block.prod());
  if (avail / 2 < static_cast<uint64_t>(grid.prod()))
    fail("compressed segmentation: channel {} is truncated: {} block headers need {} bytes, {} available", channel,
         grid.prod(), grid.prod() * 8, avail * 4);
  for (int64_t bz = 0; bz < grid.z; ++bz)
    for (int64_t by = 0; by < grid.y; ++by)
      for (int64_t bx = 0; bx < grid.x; ++bx) {
        const size_t header = static_cast<size_t>(bx + grid.x * (by + grid.y * bz));
        const uint32_t h0 = load_le32(chan + header * 8), h1 = load_le32(chan + header * 8 + 4);
        const uint32_t table = h0 & 0xffffffu, bits = h0 >> 24, values = h1;
        auto bad = [&](const std::string& what) {
          fail("compressed segmentation: block [{},{},{}] of channel {}: {}", bx, by, bz, channel, what);
        };
        if (!valid_bits(bits)) bad(fmt::format("invalid encoded bits {}", bits));
        if (table > avail) bad(fmt::format("lookup table offset {} is past the end ({} words)", table, avail));
        const uint64_t value_words = (bits * block_voxels + 31) / 32;
        if (values > avail || value_words > avail - values)
          bad(fmt::format("encoded values [{}, {}) run past the end ({} words)", values, values + value_words, avail));
        const size_t table_entries = (avail - table) / words_per_value;
        const std::byte* tab = chan + size_t(table) * 4;
        const Vec3 lo{bx * block.x, by * block.y, bz * block.z};
        const Vec3 ext = vmin(block, size - lo);
        if (bits == 0) {
          if (table_entries == 0) bad("empty lookup table");
          const T v = load_value<T>(tab);
          for (int64_t z = 0; z < ext.z; ++z)
            for (int64_t y = 0; y < ext.y; ++y) {
              T* row = dst + ((lo.z + z) * size.y + lo.y + y) * size.x + lo.x;
              std::fill(row, row + ext.x, v);
            }
          continue;
        }
        const std::byte* vals = chan + size_t(values) * 4;
        const uint32_t mask = bits == 32 ? 0xffffffffu : ((1u << bits) - 1u);
        for (int64_t z = 0; z < ext.z; ++z)
          for (int64_t y = 0; y < ext.y; ++y) {
            T* row = dst + ((lo.z + z) * size.y + lo.y + y) * size.x + lo.x;
            const uint64_t row_start = static_cast<uint64_t>(block.x * (y + block.y * z));
            for (int64_t x = 0; x < ext.x; ++x) {
              const uint64_t bit = (row_start + static_cast<uint64_t>(x)) * bits;
              const uint32_t index = (load_le32(vals + (bit / 32) * 4) >> (bit % 32)) & mask;
              if (index >= table_entries)
                bad(fmt::format("index {} is past the lookup table ({} entries up to the end)", index, table_entries));
              row[x] = load_value<T>(tab + size_t(index) * sizeof(T));
            }
          }
      }
}

// Appends one channel to `out` (uint32 words), like neuroglancer's encodeChannel.
template <typename T>
void encode_channel(const T* in, const Vec3& size, const Vec3& block, std::vector<uint32_t>& out) {
  constexpr size_t words_per_value = sizeof(T) / 4;
  const size_t base = out.size();
  const Vec3 grid = ceil_div(size, block);
  const uint64_t block_voxels = static_cast<uint64_t>(block.prod());
  out.resize(base + 2 * static_cast<size_t>(grid.prod()));
  std::map<std::vector<T>, uint32_t> written_tables;  // table contents -> offset (channel words)
  std::vector<T> table;
  for (int64_t bz = 0; bz < grid.z; ++bz)
    for (int64_t by = 0; by < grid.y; ++by)
      for (int64_t bx = 0; bx < grid.x; ++bx) {
        const Vec3 lo{bx * block.x, by * block.y, bz * block.z};
        const Vec3 ext = vmin(block, size - lo);
        auto row_ptr = [&](int64_t y, int64_t z) { return in + ((lo.z + z) * size.y + lo.y + y) * size.x + lo.x; };

        table.clear();
        for (int64_t z = 0; z < ext.z; ++z)
          for (int64_t y = 0; y < ext.y; ++y) {
            const T* row = row_ptr(y, z);
            for (int64_t x = 0; x < ext.x; ++x)
              if (table.empty() || table.back() != row[x]) table.push_back(row[x]);
          }
        std::sort(table.begin(), table.end());
        table.erase(std::unique(table.begin(), table.end()), table.end());

        uint32_t bits = 0;
        if (table.size() > 1) {
          bits = 1;
          while ((uint64_t(1) << bits) < table.size()) bits *= 2;
        }
        const size_t value_words = static_cast<size_t>((bits * block_voxels + 31) / 32);
        const size_t values_offset = out.size() - base;
        size_t table_offset;
        bool new_table = false;
        if (auto it = written_tables.find(table); it != written_tables.end()) {
          table_offset = it->second;
        } else {
          new_table = true;
          table_offset = values_offset + value_words;
        }
        if (table_offset >= (size_t(1) << 24) || values_offset > 0xffffffffu)
          fail("compressed segmentation: a channel of {} voxels with block size {} exceeds the format's 2^24-word "
               "table offset limit", size, block);
        out.resize(out.size() + value_words + (new_table ? table.size() * words_per_value : 0));
        uint32_t* vals = out.data() + base + values_offset;
        if (bits > 0) {
          T prev = table.front();
          uint32_t prev_index = 0;
          for (int64_t z = 0; z < ext.z; ++z)
            for (int64_t y = 0; y < ext.y; ++y) {
              const T* row = row_ptr(y, z);
              const uint64_t row_start = static_cast<uint64_t>(block.x * (y + block.y * z));
              for (int64_t x = 0; x < ext.x; ++x) {
                if (row[x] != prev) {
                  prev = row[x];
                  prev_index = static_cast<uint32_t>(std::lower_bound(table.begin(), table.end(), prev) - table.begin());
                }
                const uint64_t bit = (row_start + static_cast<uint64_t>(x)) * bits;
                vals[bit / 32] |= prev_index << (bit % 32);
              }
            }
        }
        if (new_table) {
          uint32_t* t = vals + value_words;
          for (const T v : table) {
            *t++ = static_cast<uint32_t>(v);
            if constexpr (words_per_value == 2) *t++ = static_cast<uint32_t>(static_cast<uint64_t>(v) >> 32);
          }
          written_tables.emplace(table, static_cast<uint32_t>(table_offset));
        }
        const size_t header = base + 2 * static_cast<size_t>(bx + grid.x * (by + grid.y * bz));
        out[header] = static_cast<uint32_t>(table_offset) | (bits << 24);
        out[header + 1] = static_cast<uint32_t>(values_offset);
      }
}

}  // namespace

template <typename T>
void decode(std::span<const std::byte> data, const Vec3& size, const Vec3& block_size, size_t num_channels,
            std::span<T> out) {
  check_shapes(size, block_size, num_channels);
  const size_t voxels = static_cast<size_t>(size.prod());
  if (out.size() != voxels * num_channels)
    fail("compressed segmentation: output holds {} values, need {}", out.size(), voxels * num_channels);
  if (data.size() % 4 != 0) fail("compressed segmentation: length {} bytes is not a multiple of 4", data.size());
  const size_t total_words = data.size() / 4;
  if (total_words < num_channels)
    fail("compressed segmentation: {} bytes cannot hold the offsets of {} channels", data.size(), num_channels);
  for (size_t c = 0; c < num_channels; ++c) {
    const uint32_t base = load_le32(data.data() + 4 * c);
    if (base > total_words)
      fail("compressed segmentation: channel {} offset {} words is past the end ({} words)", c, base, total_words);
    decode_channel<T>(data, base, c, size, block_size, out.data() + c * voxels);
  }
}

template <typename T>
std::vector<std::byte> encode(std::span<const T> in, const Vec3& size, const Vec3& block_size, size_t num_channels) {
  check_shapes(size, block_size, num_channels);
  const size_t voxels = static_cast<size_t>(size.prod());
  if (in.size() != voxels * num_channels)
    fail("compressed segmentation: input holds {} values, expected {}", in.size(), voxels * num_channels);
  std::vector<uint32_t> words(num_channels);
  for (size_t c = 0; c < num_channels; ++c) {
    words[c] = static_cast<uint32_t>(words.size());
    encode_channel<T>(in.data() + c * voxels, size, block_size, words);
  }
  std::vector<std::byte> bytes(words.size() * 4);
  for (size_t i = 0; i < words.size(); ++i) store_le32(bytes.data() + 4 * i, words[i]);
  return bytes;
}

template void decode<uint32_t>(std::span<const std::byte>, const Vec3&, const Vec3&, size_t, std::span<uint32_t>);
template void decode<uint64_t>(std::span<const std::byte>, const Vec3&, const Vec3&, size_t, std::span<uint64_t>);
template std::vector<std::byte> encode<uint32_t>(std::span<const uint32_t>, const Vec3&, const Vec3&, size_t);
template std::vector<std::byte> encode<uint64_t>(std::span<const uint64_t>, const Vec3&, const Vec3&, size_t);

}  // namespace dflow::cseg
