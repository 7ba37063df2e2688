#include "codec/dvid_labels.hpp"

#include <array>
#include <bit>
#include <cstring>

#include "core/error.hpp"
#include "core/files.hpp"

namespace dflow::dvidlabels {
namespace {

constexpr int kSub = 8;                    // sub-block edge
constexpr int kSubVoxels = kSub * kSub * kSub;  // 512
constexpr int64_t kMaxBlock = 1024;        // DVID's MaxBlockSize

// bits needed to index ns labels: ceil(log2(ns)), 0 for ns <= 1 (DVID's bitsFor).
inline int bits_for(uint32_t ns) { return ns <= 1 ? 0 : 32 - std::countl_zero(ns - 1); }

void check_shape(const Vec3& s) {
  for (int a = 0; a < 3; ++a)
    if (s[a] <= 0 || s[a] % kSub != 0 || s[a] > kMaxBlock)
      fail("DVID label block: shape {} is not a multiple of 8 in (0, 1024] on every axis", s);
}

// Small open-addressing map uint64 -> uint32 that is "cleared" in O(1) by bumping a generation,
// because it is reset for every one of the 512 sub-blocks of a block.
class SmallMap {
 public:
  explicit SmallMap(size_t capacity_pow2) : keys_(capacity_pow2), vals_(capacity_pow2), gen_(capacity_pow2, 0), mask_(capacity_pow2 - 1) {}
  void clear() {
    if (++cur_ == 0) {  // wrapped: really clear
      std::fill(gen_.begin(), gen_.end(), 0);
      cur_ = 1;
    }
  }
  // Returns the value for key, inserting `next` if absent (and setting inserted).
  uint32_t find_or_insert(uint64_t key, uint32_t next, bool& inserted) {
    size_t h = static_cast<size_t>((key * 0x9E3779B97F4A7C15ull) >> 32) & mask_;
    while (gen_[h] == cur_) {
      if (keys_[h] == key) { inserted = false; return vals_[h]; }
      h = (h + 1) & mask_;
    }
    gen_[h] = cur_;
    keys_[h] = key;
    vals_[h] = next;
    inserted = true;
    return next;
  }

 private:
  std::vector<uint64_t> keys_;
  std::vector<uint32_t> vals_;
  std::vector<uint32_t> gen_;
  size_t mask_;
  uint32_t cur_ = 1;
};

size_t pow2_at_least(size_t n) { return std::bit_ceil(std::max<size_t>(n, 16)); }

struct Reader {
  std::span<const std::byte> b;
  size_t pos = 0;
  void need(size_t n, const char* what) const {
    if (b.size() - pos < n) fail("DVID label block: truncated in {} (need {} bytes at offset {}, block has {})", what, n, pos, b.size());
  }
};

}  // namespace

std::vector<std::byte> solid_block(uint64_t label, const Vec3& shape) {
  check_shape(shape);
  std::vector<std::byte> out(24);
  store_le32(out.data(), uint32_t(shape.x / kSub));
  store_le32(out.data() + 4, uint32_t(shape.y / kSub));
  store_le32(out.data() + 8, uint32_t(shape.z / kSub));
  store_le32(out.data() + 12, 1);
  store_le64(out.data() + 16, label);
  return out;
}

std::vector<std::byte> encode_block(const uint64_t* labels, const Vec3& shape) {
  check_shape(shape);
  const int64_t gx = shape.x / kSub, gy = shape.y / kSub, gz = shape.z / kSub;
  const size_t nsb = static_cast<size_t>(gx * gy * gz);
  const int64_t nx = shape.x, nxy = shape.x * shape.y;

  // Fast path: a solid block (the most common case in real segmentations).
  {
    const uint64_t first = labels[0];
    const size_t n = static_cast<size_t>(shape.prod());
    size_t i = 1;
    while (i < n && labels[i] == first) ++i;
    if (i == n) return solid_block(first, shape);
  }

  std::vector<uint16_t> ns(nsb);
  std::vector<uint32_t> idx;            // block-level indices, per sub-block in first-appearance order
  idx.reserve(nsb * 2);
  std::vector<uint64_t> table;          // block-level label table in first-appearance order
  std::vector<uint16_t> local(nsb * kSubVoxels);  // per-voxel index into the sub-block's list
  SmallMap block_map(pow2_at_least(2 * 4096));
  SmallMap sub_map(1024);
  // The block map grows with the table: rebuild it larger when half full.
  size_t block_cap = 2 * 4096;

  size_t sb = 0;
  for (int64_t sz = 0; sz < gz; ++sz)
    for (int64_t sy = 0; sy < gy; ++sy)
      for (int64_t sx = 0; sx < gx; ++sx, ++sb) {
        sub_map.clear();
        uint16_t count = 0;
        uint16_t* lv = local.data() + sb * kSubVoxels;
        uint64_t last_label = 0;
        uint16_t last_local = 0;
        bool have_last = false;
        int v = 0;
        for (int z = 0; z < kSub; ++z)
          for (int y = 0; y < kSub; ++y) {
            const uint64_t* row = labels + (sz * kSub + z) * nxy + (sy * kSub + y) * nx + sx * kSub;
            for (int x = 0; x < kSub; ++x, ++v) {
              const uint64_t lab = row[x];
              if (have_last && lab == last_label) { lv[v] = last_local; continue; }
              bool inserted;
              const uint16_t li = static_cast<uint16_t>(sub_map.find_or_insert(lab, count, inserted));
              if (inserted) {
                ++count;
                if (table.size() * 2 >= block_cap) {
                  block_cap *= 4;
                  block_map = SmallMap(block_cap);
                  bool ins;
                  for (uint32_t t = 0; t < table.size(); ++t) block_map.find_or_insert(table[t], t, ins);
                }
                bool new_label;
                const uint32_t bi = block_map.find_or_insert(lab, static_cast<uint32_t>(table.size()), new_label);
                if (new_label) table.push_back(lab);
                idx.push_back(bi);
              }
              lv[v] = li;
              last_label = lab;
              last_local = li;
              have_last = true;
            }
          }
        ns[sb] = count;
      }

  const size_t n_labels = table.size();
  size_t value_bytes = 0;
  for (size_t i = 0; i < nsb; ++i) value_bytes += static_cast<size_t>(bits_for(ns[i])) * kSubVoxels / 8;
  std::vector<std::byte> out(16 + 8 * n_labels + 2 * nsb + 4 * idx.size() + value_bytes);
  std::byte* p = out.data();
  store_le32(p, uint32_t(gx));
  store_le32(p + 4, uint32_t(gy));
  store_le32(p + 8, uint32_t(gz));
  store_le32(p + 12, uint32_t(n_labels));
  p += 16;
  for (uint64_t l : table) { store_le64(p, l); p += 8; }
  for (uint16_t c : ns) { p[0] = std::byte(c & 0xff); p[1] = std::byte(c >> 8); p += 2; }
  for (uint32_t i : idx) { store_le32(p, i); p += 4; }
  // MSB-first bit packing: accumulate in a 64-bit register, flush whole bytes from the top.
  for (size_t i = 0; i < nsb; ++i) {
    const int b = bits_for(ns[i]);
    if (b == 0) continue;
    const uint16_t* lv = local.data() + i * kSubVoxels;
    uint64_t acc = 0;
    int acc_bits = 0;
    for (int v = 0; v < kSubVoxels; ++v) {
      acc = (acc << b) | lv[v];
      acc_bits += b;
      while (acc_bits >= 8) {
        acc_bits -= 8;
        *p++ = std::byte((acc >> acc_bits) & 0xff);
      }
    }
    // 512*b is a multiple of 8, so nothing is left over.
  }
  return out;
}

Vec3 block_shape(std::span<const std::byte> block) {
  if (block.size() < 16) fail("DVID label block: {} bytes is shorter than the 16-byte header", block.size());
  const uint32_t gx = load_le32(block.data()), gy = load_le32(block.data() + 4), gz = load_le32(block.data() + 8);
  if (gx == 0 || gy == 0 || gz == 0 || gx > kMaxBlock / kSub || gy > kMaxBlock / kSub || gz > kMaxBlock / kSub)
    fail("DVID label block: bad sub-block grid {}x{}x{} in header", gx, gy, gz);
  return {int64_t(gx) * kSub, int64_t(gy) * kSub, int64_t(gz) * kSub};
}

std::vector<uint64_t> block_labels(std::span<const std::byte> block) {
  block_shape(block);
  Reader r{block, 12};
  r.need(4, "label count");
  const uint32_t n = load_le32(block.data() + 12);
  if (n == 0) fail("DVID label block: header says 0 labels");
  r.pos = 16;
  r.need(size_t(n) * 8, "label table");
  std::vector<uint64_t> out(n);
  for (uint32_t i = 0; i < n; ++i) out[i] = load_le64(block.data() + 16 + 8 * size_t(i));
  return out;
}

void decode_block(std::span<const std::byte> block, uint64_t* out) {
  const Vec3 shape = block_shape(block);
  const std::vector<uint64_t> table = block_labels(block);
  const uint32_t n = static_cast<uint32_t>(table.size());
  const int64_t gx = shape.x / kSub, gy = shape.y / kSub, gz = shape.z / kSub;
  const size_t nsb = static_cast<size_t>(gx * gy * gz);
  const int64_t nx = shape.x, nxy = shape.x * shape.y;
  Reader r{block, 16 + 8 * size_t(n)};

  if (n == 1) {
    if (block.size() != 24) fail("DVID label block: solid block must be 24 bytes, got {}", block.size());
    std::fill(out, out + shape.prod(), table[0]);
    return;
  }
  r.need(2 * nsb, "sub-block label counts");
  std::vector<uint16_t> ns(nsb);
  size_t total_idx = 0, value_bytes = 0;
  for (size_t i = 0; i < nsb; ++i) {
    const std::byte* q = block.data() + r.pos + 2 * i;
    ns[i] = uint16_t(uint16_t(q[0]) | uint16_t(q[1]) << 8);
    if (ns[i] > kSubVoxels) fail("DVID label block: sub-block {} claims {} labels (at most 512)", i, ns[i]);
    total_idx += ns[i];
    value_bytes += static_cast<size_t>(bits_for(ns[i])) * kSubVoxels / 8;
  }
  r.pos += 2 * nsb;
  r.need(4 * total_idx, "sub-block index lists");
  const std::byte* idxp = block.data() + r.pos;
  r.pos += 4 * total_idx;
  r.need(value_bytes, "packed voxel values");
  if (block.size() - r.pos != value_bytes)
    fail("DVID label block: {} trailing bytes after the packed values", block.size() - r.pos - value_bytes);
  const std::byte* vp = block.data() + r.pos;

  std::array<uint64_t, kSubVoxels> sub_labels;
  size_t idx_off = 0, sb = 0;
  for (int64_t sz = 0; sz < gz; ++sz)
    for (int64_t sy = 0; sy < gy; ++sy)
      for (int64_t sx = 0; sx < gx; ++sx, ++sb) {
        const uint16_t cnt = ns[sb];
        for (uint16_t k = 0; k < cnt; ++k) {
          const uint32_t bi = load_le32(idxp + 4 * (idx_off + k));
          if (bi >= n) fail("DVID label block: sub-block {} refers to label index {} of {}", sb, bi, n);
          sub_labels[k] = table[bi];
        }
        idx_off += cnt;
        const int b = bits_for(cnt);
        // ns == 0 is DVID's "uninitialized" sub-block: label 0.
        const uint64_t fill = cnt == 0 ? 0 : sub_labels[0];
        uint64_t acc = 0;
        int acc_bits = 0;
        for (int z = 0; z < kSub; ++z)
          for (int y = 0; y < kSub; ++y) {
            uint64_t* row = out + (sz * kSub + z) * nxy + (sy * kSub + y) * nx + sx * kSub;
            if (b == 0) { std::fill(row, row + kSub, fill); continue; }
            for (int x = 0; x < kSub; ++x) {
              while (acc_bits < b) { acc = (acc << 8) | uint64_t(*vp++); acc_bits += 8; }
              acc_bits -= b;
              const uint32_t v = uint32_t(acc >> acc_bits) & ((1u << b) - 1);
              if (v >= cnt) fail("DVID label block: sub-block {} has value {} but only {} labels", sb, v, cnt);
              row[x] = sub_labels[v];
            }
          }
      }
}

std::vector<uint64_t> decode_block(std::span<const std::byte> block) {
  std::vector<uint64_t> out(static_cast<size_t>(block_shape(block).prod()));
  decode_block(block, out.data());
  return out;
}

}  // namespace dflow::dvidlabels
