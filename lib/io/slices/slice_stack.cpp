// A VolumeReader over a stack of TIFF/PNG slices named by a slice-path-format pattern.
#include <algorithm>
#include <filesystem>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "io/slices/path_format.hpp"
#include "io/slices/slice_image.hpp"
#include "io/slices/slices.hpp"

namespace dflow {
namespace {

namespace fs = std::filesystem;

std::string info_text(const SliceImageInfo& i) { return fmt::format("{}x{} {}", i.width, i.height, dtype_name(i.dtype)); }

struct FoundSlices {
  std::vector<int64_t> zs;
  size_t ignored = 0;        // names matching prefix*suffix that the pattern could not have produced
  std::string ignored_example;
};

// Every z whose file exists, found by listing the directory that holds the numbered path component
// (like flyemflows' glob of prefix*suffix, but only names the pattern itself could have produced).
FoundSlices find_slices(const SlicePathFormat& f) {
  const std::string& prefix = f.prefix();
  const std::string& suffix = f.suffix();
  const size_t slash = prefix.rfind('/');
  const std::string dir = slash == std::string::npos ? std::string() : prefix.substr(0, slash + 1);
  const std::string name_prefix = prefix.substr(dir.size());
  // The number may sit in a directory name ("/data/{:04d}/image.tif"); the rest is then checked per z.
  const size_t suffix_slash = suffix.find('/');
  const std::string name_suffix = suffix.substr(0, suffix_slash);
  const bool in_dir_name = suffix_slash != std::string::npos;

  const fs::path list_dir = dir.empty() ? fs::path(".") : fs::path(dir);
  std::error_code ec;
  if (!fs::is_directory(list_dir, ec)) fail("slices: {}: directory {} does not exist", f.pattern(), list_dir.string());

  FoundSlices found;
  fs::directory_iterator it(list_dir, ec);
  if (ec) fail("slices: {}: cannot list {}: {}", f.pattern(), list_dir.string(), ec.message());
  for (const auto& entry : it) {
    const std::string name = entry.path().filename().string();
    if (name.size() < name_prefix.size() + name_suffix.size() || !name.starts_with(name_prefix) ||
        !name.ends_with(name_suffix))
      continue;
    const auto z = f.parse_field(std::string_view(name).substr(
        name_prefix.size(), name.size() - name_prefix.size() - name_suffix.size()));
    if (!z) {
      if (found.ignored++ == 0) found.ignored_example = name;
      continue;
    }
    if (in_dir_name ? !fs::exists(f.format(*z), ec) : entry.is_directory(ec)) continue;
    found.zs.push_back(*z);
  }
  std::sort(found.zs.begin(), found.zs.end());
  return found;
}

class SliceStackReader final : public VolumeReader {
 public:
  SliceStackReader(SlicePathFormat format, Box bounds, SliceImageInfo info, std::string first)
      : format_(std::move(format)), bounds_(bounds), info_(info), first_(std::move(first)) {}

  DType dtype() const override { return info_.dtype; }
  Box bounds() const override { return bounds_; }
  Vec3 chunk_shape() const override { return {info_.width, info_.height, 1}; }
  std::string describe() const override { return "slices:" + format_.pattern(); }

  // One file per z in the box, opened, checked, decoded and closed: nothing is cached, and no state
  // is shared between calls, so concurrent reads are safe.
  void read(const Box& box, std::span<std::byte> out) const override {
    check_box(box);
    const size_t e = dtype_size(info_.dtype);
    const size_t plane = size_t(box.shape().x) * size_t(box.shape().y) * e;
    if (out.size() != plane * size_t(box.shape().z))
      fail("{}: output buffer for box {} has {} bytes, need {}", describe(), box, out.size(), plane * size_t(box.shape().z));
    const int64_t x0 = box.lo.x - bounds_.lo.x, x1 = box.hi.x - bounds_.lo.x;
    const int64_t y0 = box.lo.y - bounds_.lo.y, y1 = box.hi.y - bounds_.lo.y;
    for (int64_t z = box.lo.z; z < box.hi.z; ++z) {
      const std::string path = format_.format(z);
      std::error_code ec;
      if (!fs::exists(path, ec)) fail("slices: {}: slice z={} has disappeared since the stack was opened", path, z);
      auto img = open_slice_image(path);
      if (img->info() != info_)
        fail("slices: {}: image is {}, but the stack (from {}) is {}; every slice must have the same size and type",
             path, info_text(img->info()), first_, info_text(info_));
      img->read(x0, x1, y0, y1, out.data() + size_t(z - box.lo.z) * plane);
    }
  }

 private:
  SlicePathFormat format_;
  Box bounds_;
  SliceImageInfo info_;
  std::string first_;
};

}  // namespace

std::unique_ptr<VolumeReader> open_slices(const std::string& path_format, int64_t x_offset, int64_t y_offset) {
  SlicePathFormat f(path_format);
  const FoundSlices found = find_slices(f);
  const std::vector<int64_t>& zs = found.zs;
  if (zs.empty() && found.ignored > 0)
    fail("slices: {}: no files match; {} name(s) like '{}' fit {}*{} but not the number format", f.pattern(),
         found.ignored, found.ignored_example, f.prefix(), f.suffix());
  if (zs.empty()) fail("slices: {}: no files match {}*{}", f.pattern(), f.prefix(), f.suffix());
  for (size_t i = 0; i + 1 < zs.size(); ++i) {
    if (zs[i + 1] != zs[i] + 1) {
      const int64_t missing = (zs.back() - zs.front() + 1) - int64_t(zs.size());
      fail("slices: {}: slice z={} is missing ({}); files exist for z={}..{} but {} in between {} missing", f.pattern(),
           zs[i] + 1, f.format(zs[i] + 1), zs.front(), zs.back(), missing, missing == 1 ? "is" : "are");
    }
  }
  // Size and type come from the first slice; read() checks every other slice against them.
  const std::string first = f.format(zs.front());
  const SliceImageInfo info = open_slice_image(first)->info();
  const Box bounds{{x_offset, y_offset, zs.front()}, {x_offset + info.width, y_offset + info.height, zs.back() + 1}};
  return std::make_unique<SliceStackReader>(std::move(f), bounds, info, first);
}

}  // namespace dflow
