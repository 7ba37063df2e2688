// Per-brick work of survey-volume: statistics of one brick and their wire format (little-endian).
#include <algorithm>
#include <cstring>
#include <tuple>

#include "core/error.hpp"
#include "core/files.hpp"
#include "survey/survey.hpp"

namespace dflow::stages {

SurveyKind resolve_kind(const std::string& kind, DType dtype, const std::string& where) {
  const bool gray_type = dtype == DType::uint8 || dtype == DType::uint16;
  const bool label_type = dtype == DType::uint8 || dtype == DType::uint16 || dtype == DType::uint32 || dtype == DType::uint64;
  if (kind == "auto") {
    if (dtype == DType::uint32 || dtype == DType::uint64) return SurveyKind::segmentation;
    if (gray_type) return SurveyKind::grayscale;
    fail("{}: survey.kind auto: data type {} is neither grayscale (uint8, uint16) nor segmentation (uint32, uint64)",
         where, dtype_name(dtype));
  }
  if (kind == "grayscale") {
    if (!gray_type) fail("{}: survey.kind grayscale needs uint8 or uint16 voxels, not {}", where, dtype_name(dtype));
    return SurveyKind::grayscale;
  }
  if (kind == "segmentation") {
    if (!label_type) fail("{}: survey.kind segmentation needs unsigned integer voxels, not {}", where, dtype_name(dtype));
    return SurveyKind::segmentation;
  }
  fail("{}: survey.kind {} is not one of auto, grayscale, segmentation", where, kind);
}

void GrayStats::add(const GrayStats& o) {
  voxels += o.voxels;
  sum += o.sum;
  min = std::min(min, o.min);
  max = std::max(max, o.max);
  for (size_t i = 0; i < histogram.size(); ++i) histogram[i] += o.histogram[i];
}

namespace {
template <typename T>
GrayStats gray_stats_typed(std::span<const std::byte> bytes) {
  GrayStats s;
  const size_t n = bytes.size() / sizeof(T);
  // A full-resolution histogram first (65536 bins for uint16), then folded: one pass, no branches.
  std::vector<uint64_t> full(size_t{1} << (8 * sizeof(T)), 0);
  for (size_t i = 0; i < n; ++i) {
    T v;
    std::memcpy(&v, bytes.data() + i * sizeof(T), sizeof(T));
    ++full[v];
  }
  for (size_t v = 0; v < full.size(); ++v) {
    if (!full[v]) continue;
    s.voxels += full[v];
    s.sum += full[v] * v;
    s.min = std::min<uint64_t>(s.min, v);
    s.max = std::max<uint64_t>(s.max, v);
    s.histogram[v >> (8 * (sizeof(T) - 1))] += full[v];
  }
  return s;
}

template <typename T>
void append_rows(std::span<const std::byte> bytes, const Box& box, const Vec3& block_shape,
                 std::vector<stats::BlockStat>& out) {
  // Widen to uint64 over the block-aligned box; voxels outside `box` stay 0 and are not counted.
  const Box aligned = box.round_out(block_shape);
  Array3<uint64_t> labels(aligned, 0);
  const Vec3 s = box.shape();
  const size_t n = size_t(s.x);
  for (int64_t z = 0; z < s.z; ++z)
    for (int64_t y = 0; y < s.y; ++y) {
      const std::byte* src = bytes.data() + size_t((z * s.y + y) * s.x) * sizeof(T);
      uint64_t* dst = &labels.at({box.lo.x, box.lo.y + y, box.lo.z + z});
      for (size_t x = 0; x < n; ++x) {
        T v;
        std::memcpy(&v, src + x * sizeof(T), sizeof(T));
        dst[x] = v;
      }
    }
  out = stats::block_stats(labels, box, block_shape);
}
}  // namespace

GrayStats gray_stats(std::span<const std::byte> voxels, DType dtype) {
  switch (dtype) {
    case DType::uint8: return gray_stats_typed<uint8_t>(voxels);
    case DType::uint16: return gray_stats_typed<uint16_t>(voxels);
    default: fail("survey: grayscale statistics need uint8 or uint16, not {}", dtype_name(dtype));
  }
}

std::vector<std::byte> encode(const GrayStats& s) {
  std::vector<std::byte> out(8 * (4 + s.histogram.size()));
  std::byte* p = out.data();
  for (uint64_t v : {s.voxels, s.sum, s.min, s.max}) store_le64(std::exchange(p, p + 8), v);
  for (uint64_t v : s.histogram) store_le64(std::exchange(p, p + 8), v);
  return out;
}

GrayStats decode_gray(std::span<const std::byte> blob) {
  GrayStats s;
  if (blob.size() != 8 * (4 + s.histogram.size())) fail("survey: grayscale brick result has {} bytes, expected {}", blob.size(), 8 * (4 + s.histogram.size()));
  const std::byte* p = blob.data();
  s.voxels = load_le64(p);
  s.sum = load_le64(p + 8);
  s.min = load_le64(p + 16);
  s.max = load_le64(p + 24);
  for (size_t i = 0; i < s.histogram.size(); ++i) s.histogram[i] = load_le64(p + 32 + 8 * i);
  return s;
}

std::vector<stats::BlockStat> segmentation_rows(std::span<const std::byte> voxels, DType dtype, const Box& box,
                                                const Vec3& block_shape) {
  if (voxels.size() != size_t(box.volume()) * dtype_size(dtype))
    fail("survey: {} bytes of voxels for box {} of {}", voxels.size(), box, dtype_name(dtype));
  std::vector<stats::BlockStat> rows;
  switch (dtype) {
    case DType::uint8: append_rows<uint8_t>(voxels, box, block_shape, rows); break;
    case DType::uint16: append_rows<uint16_t>(voxels, box, block_shape, rows); break;
    case DType::uint32: append_rows<uint32_t>(voxels, box, block_shape, rows); break;
    case DType::uint64: append_rows<uint64_t>(voxels, box, block_shape, rows); break;
    default: fail("survey: segmentation statistics need unsigned integers, not {}", dtype_name(dtype));
  }
  return rows;
}

SegBrickSummary summarize(std::span<const stats::BlockStat> rows) {
  SegBrickSummary s;
  s.rows = rows.size();
  std::vector<std::tuple<int32_t, int32_t, int32_t>> blocks;
  for (const stats::BlockStat& r : rows) {
    s.labeled_voxels += r.count;
    blocks.emplace_back(r.z, r.y, r.x);
  }
  std::sort(blocks.begin(), blocks.end());
  s.blocks_with_labels = uint64_t(std::unique(blocks.begin(), blocks.end()) - blocks.begin());
  return s;
}

// Blob: "SVS1" then rows, labeled voxels, blocks with labels as uint64 LE.
std::vector<std::byte> encode(const SegBrickSummary& s) {
  std::vector<std::byte> out(4 + 3 * 8);
  std::memcpy(out.data(), "SVS1", 4);
  store_le64(out.data() + 4, s.rows);
  store_le64(out.data() + 12, s.labeled_voxels);
  store_le64(out.data() + 20, s.blocks_with_labels);
  return out;
}

SegBrickSummary decode_seg(std::span<const std::byte> blob) {
  if (blob.size() != 28 || std::memcmp(blob.data(), "SVS1", 4) != 0)
    fail("survey: segmentation brick result of {} bytes is not a brick summary (from another version? run the survey "
         "in a new execution directory)",
         blob.size());
  return {load_le64(blob.data() + 4), load_le64(blob.data() + 12), load_le64(blob.data() + 20)};
}

}  // namespace dflow::stages
