#include "labelindex/label_indexes.hpp"

#include <algorithm>

#include "core/error.hpp"

namespace dflow::labelindex {

bool TombstoneRule::needs_tombstone(uint64_t sv, uint64_t body) const {
  return active_ && sv != body && !std::binary_search(bodies_.begin(), bodies_.end(), sv);
}

namespace {

// Protobuf wire format (https://protobuf.dev/programming-guides/encoding/): a field is a varint tag
// (number << 3 | wire type), then a varint (type 0) or a varint length and bytes (type 2). A map
// entry is a nested message {1: key, 2: value}. Field numbers from labelops.proto.
constexpr uint8_t kLen = 2;
constexpr uint8_t tag(int field, uint8_t type) { return uint8_t(field << 3 | type); }

inline size_t varint_size(uint64_t v) {
  size_t n = 1;
  while (v >= 0x80) v >>= 7, ++n;
  return n;
}
inline void put_varint(std::string& out, uint64_t v) {
  char buf[10];
  size_t n = 0;
  while (v >= 0x80) buf[n++] = char(uint8_t(v) | 0x80), v >>= 7;
  buf[n++] = char(v);
  out.append(buf, n);
}
inline void put_uint_field(std::string& out, int field, uint64_t v) {
  if (v == 0) return;  // proto3 default
  out.push_back(char(tag(field, 0)));
  put_varint(out, v);
}
inline size_t uint_field_size(uint64_t v) { return v == 0 ? 0 : 1 + varint_size(v); }
inline void put_string_field(std::string& out, int field, const std::string& s) {
  if (s.empty()) return;
  out.push_back(char(tag(field, kLen)));
  put_varint(out, s.size());
  out.append(s);
}
inline size_t string_field_size(const std::string& s) { return s.empty() ? 0 : 1 + varint_size(s.size()) + s.size(); }
inline size_t len_field_size(size_t len) { return 1 + varint_size(len) + len; }

// SVCount.counts entry {1: sv, 2: count}.
inline size_t count_entry_size(const IndexRecord& r) { return 1 + varint_size(r.sv) + 1 + varint_size(r.count); }

size_t meta_size(uint64_t label, const IndexMeta& m) {
  return uint_field_size(label) + uint_field_size(m.last_mutid) + string_field_size(m.time) + string_field_size(m.user) +
         string_field_size(m.app);
}
void put_meta(std::string& out, uint64_t label, const IndexMeta& m) {
  put_uint_field(out, 2, label);
  put_uint_field(out, 3, m.last_mutid);
  put_string_field(out, 4, m.time);
  put_string_field(out, 5, m.user);
  put_string_field(out, 6, m.app);
}

// A LabelIndex with no blocks: DVID deletes the label's index.
void put_tombstone(std::string& out, uint64_t label, const IndexMeta& meta) {
  out.push_back(char(tag(1, kLen)));  // LabelIndices.indices
  put_varint(out, meta_size(label, meta));
  put_meta(out, label, meta);
}

}  // namespace

void append_body(std::string& out, std::span<const IndexRecord> rows, const IndexMeta& meta, const TombstoneRule& rule,
                 BuildCounts& counts) {
  if (rows.empty()) return;
  const uint64_t body = rows.front().body;
  // Sizes first (lengths precede contents), block by block: rows are sorted by block, then sv.
  size_t index_size = meta_size(body, meta);
  for (size_t i = 0; i < rows.size();) {
    size_t svcount = 0, j = i;
    for (; j < rows.size() && rows[j].block == rows[i].block; ++j) svcount += len_field_size(count_entry_size(rows[j]));
    index_size += len_field_size(1 + varint_size(rows[i].block) + len_field_size(svcount));
    i = j;
  }
  out.push_back(char(tag(1, kLen)));  // LabelIndices.indices
  put_varint(out, index_size);
  const size_t start = out.size();
  for (size_t i = 0; i < rows.size();) {
    size_t svcount = 0, j = i;
    for (; j < rows.size() && rows[j].block == rows[i].block; ++j) svcount += len_field_size(count_entry_size(rows[j]));
    out.push_back(char(tag(1, kLen)));  // LabelIndex.blocks entry
    put_varint(out, 1 + varint_size(rows[i].block) + len_field_size(svcount));
    out.push_back(char(tag(1, 0)));  // key
    put_varint(out, rows[i].block);
    out.push_back(char(tag(2, kLen)));  // value: SVCount
    put_varint(out, svcount);
    for (size_t k = i; k < j; ++k) {
      out.push_back(char(tag(1, kLen)));  // SVCount.counts entry
      put_varint(out, count_entry_size(rows[k]));
      out.push_back(char(tag(1, 0)));
      put_varint(out, rows[k].sv);
      out.push_back(char(tag(2, 0)));
      put_varint(out, rows[k].count);
    }
    i = j;
  }
  put_meta(out, body, meta);
  if (out.size() - start != index_size) fail("label index of body {}: wire size {} != computed {}", body, out.size() - start, index_size);
  ++counts.indexes;
  // Tombstones: distinct supervoxels of the body that need one (rows are sorted by block first).
  std::vector<uint64_t> svs;
  for (const IndexRecord& r : rows)
    if (rule.needs_tombstone(r.sv, body)) svs.push_back(r.sv);
  std::sort(svs.begin(), svs.end());
  svs.erase(std::unique(svs.begin(), svs.end()), svs.end());
  for (uint64_t sv : svs) put_tombstone(out, sv, meta);
  counts.tombstones += svs.size();
}

std::string build_batch(const Batch& batch, const IndexMeta& meta, const TombstoneRule& rule, BuildCounts& counts) {
  std::string out;
  const auto& r = batch.records;
  out.reserve(r.size() * 20 + batch.bodies * (meta_size(UINT64_MAX, meta) + 12));
  size_t i = 0;
  while (i < r.size()) {
    size_t j = i + 1;
    while (j < r.size() && r[j].body == r[i].body) ++j;
    append_body(out, std::span(r.data() + i, j - i), meta, rule, counts);
    i = j;
  }
  return out;
}

Batcher::Batcher(RecordStream& stream, uint64_t batch_rows, std::function<bool(uint64_t)> skip)
    : stream_(stream), batch_rows_(std::max<uint64_t>(batch_rows, 1)), skip_(std::move(skip)) {}

bool Batcher::pull(IndexRecord& out) {
  // Holds one record back: of equal (body, block, sv) records only the last (largest count) is kept.
  if (stream_done_ && !have_pending_) return false;
  if (!have_pending_) {
    if (!stream_.next(pending_)) return stream_done_ = true, false;
    ++rows_read_;
    have_pending_ = true;
  }
  IndexRecord r;
  while (stream_.next(r)) {
    ++rows_read_;
    if (r.body == pending_.body && r.block == pending_.block && r.sv == pending_.sv) {
      pending_ = r;
      ++duplicates_;
      continue;
    }
    out = pending_;
    pending_ = r;
    return true;
  }
  stream_done_ = true;
  have_pending_ = false;
  out = pending_;
  return true;
}

bool Batcher::next(Batch& out) {
  out.records.clear();
  out.bodies = 0;
  IndexRecord r;
  uint64_t current = 0;
  bool in_body = false;
  while (true) {
    if (have_lookahead_) {
      r = lookahead_;
      have_lookahead_ = false;
    } else if (!pull(r)) {
      break;
    }
    if (!in_body || r.body != current) {
      // A new body: close the batch first if it is full (bodies are never split).
      if (out.records.size() >= batch_rows_) {
        lookahead_ = r;
        have_lookahead_ = true;
        break;
      }
      current = r.body;
      in_body = true;
      if (skip_ && skip_(current)) {
        ++skipped_bodies_;
        ++skipped_rows_;
        // Drop the rest of this body.
        while (pull(r)) {
          if (r.body != current) {
            lookahead_ = r;
            have_lookahead_ = true;
            break;
          }
          ++skipped_rows_;
        }
        in_body = false;
        continue;
      }
      if (out.records.empty()) out.first_body = current;
      out.last_body = current;
      ++out.bodies;
    }
    out.records.push_back(r);
  }
  if (out.records.empty()) return false;
  out.seq = seq_++;
  return true;
}

}  // namespace dflow::labelindex
