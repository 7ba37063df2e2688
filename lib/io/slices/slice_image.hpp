#pragma once
// One 2-D grayscale slice image (TIFF or PNG), opened for reading a window of it. Internal to the
// slice-stack reader. Each SliceImage owns its own library handle, so different threads may use
// different SliceImages at once; one SliceImage is not shared between threads.
#include <cstdint>
#include <filesystem>
#include <memory>

#include "core/dtype.hpp"

namespace dflow {

struct SliceImageInfo {
  int64_t width = 0, height = 0;
  DType dtype = DType::uint8;  // uint8 or uint16 (native byte order after reading)
  friend bool operator==(const SliceImageInfo&, const SliceImageInfo&) = default;
};

class SliceImage {
 public:
  virtual ~SliceImage() = default;
  virtual const SliceImageInfo& info() const = 0;
  // Reads columns [x0,x1) of rows [y0,y1) into `out`, rows packed ((x1-x0) pixels each), y ascending.
  // The window must lie inside the image. Errors name the file. Call at most once per SliceImage:
  // PNG rows can only be decoded front to back.
  virtual void read(int64_t x0, int64_t x1, int64_t y0, int64_t y1, std::byte* out) = 0;
};

// Chooses the decoder from the file's magic bytes, not its extension.
std::unique_ptr<SliceImage> open_slice_image(const std::filesystem::path& path);
std::unique_ptr<SliceImage> open_tiff_slice(const std::filesystem::path& path);
std::unique_ptr<SliceImage> open_png_slice(const std::filesystem::path& path);

}  // namespace dflow
