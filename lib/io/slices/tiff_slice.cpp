// Grayscale 8/16-bit TIFF slices through libtiff's own decoders (any compression libtiff was built
// with: none, LZW, deflate, PackBits, ...). Strip images are read with TIFFReadScanline, tiled images
// with TIFFReadEncodedTile: both return the stored samples in native byte order, unlike the RGBA
// interfaces, which would squeeze 16-bit data into 8 bits.
#include <algorithm>
#include <cstdarg>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include <tiffio.h>

#include "core/error.hpp"
#include "io/slices/slice_image.hpp"

namespace dflow {
namespace {

// libtiff reports errors through a callback; the per-handle variant (libtiff >= 4.5) keeps
// concurrent readers from mixing up each other's messages.
struct TiffMessages {
  std::string text;
};

int on_tiff_error(TIFF*, void* user, const char* module, const char* fmt, va_list ap) {
  char buf[512];
  std::vsnprintf(buf, sizeof buf, fmt, ap);
  auto* m = static_cast<TiffMessages*>(user);
  if (!m->text.empty()) m->text += "; ";
  if (module && *module) m->text += std::string(module) + ": ";
  m->text += buf;
  return 1;  // handled: do not call the global handler (which prints to stderr)
}

int on_tiff_warning(TIFF*, void*, const char*, const char*, va_list) {
  return 1;  // unknown private tags and the like: harmless for reading pixels
}

class TiffSlice final : public SliceImage {
 public:
  explicit TiffSlice(std::filesystem::path path) : path_(std::move(path)) {
    TIFFOpenOptions* opts = TIFFOpenOptionsAlloc();
    TIFFOpenOptionsSetErrorHandlerExtR(opts, on_tiff_error, &messages_);
    TIFFOpenOptionsSetWarningHandlerExtR(opts, on_tiff_warning, nullptr);
    tif_ = TIFFOpenExt(path_.c_str(), "r", opts);
    TIFFOpenOptionsFree(opts);
    if (!tif_) fail_with("cannot open as TIFF");
    try {
      read_header();
    } catch (...) {
      TIFFClose(tif_);
      throw;
    }
  }
  ~TiffSlice() override { TIFFClose(tif_); }
  TiffSlice(const TiffSlice&) = delete;
  TiffSlice& operator=(const TiffSlice&) = delete;

  const SliceImageInfo& info() const override { return info_; }

  void read(int64_t x0, int64_t x1, int64_t y0, int64_t y1, std::byte* out) override {
    if (TIFFIsTiled(tif_))
      read_tiles(x0, x1, y0, y1, out);
    else
      read_scanlines(x0, x1, y0, y1, out);
  }

 private:
  [[noreturn]] void fail_with(const std::string& what) const {
    if (messages_.text.empty()) fail("slices: {}: {}", path_.string(), what);
    fail("slices: {}: {} ({})", path_.string(), what, messages_.text);
  }

  void read_header() {
    uint32_t w = 0, h = 0;
    uint16_t spp = 1, bits = 1, format = SAMPLEFORMAT_UINT, photometric = PHOTOMETRIC_MINISBLACK;
    if (!TIFFGetField(tif_, TIFFTAG_IMAGEWIDTH, &w) || !TIFFGetField(tif_, TIFFTAG_IMAGELENGTH, &h))
      fail_with("TIFF has no image size");
    TIFFGetFieldDefaulted(tif_, TIFFTAG_SAMPLESPERPIXEL, &spp);
    TIFFGetFieldDefaulted(tif_, TIFFTAG_BITSPERSAMPLE, &bits);
    TIFFGetFieldDefaulted(tif_, TIFFTAG_SAMPLEFORMAT, &format);
    TIFFGetField(tif_, TIFFTAG_PHOTOMETRIC, &photometric);  // missing: assume grayscale

    if (photometric == PHOTOMETRIC_PALETTE) fail_with("palette (color-mapped) TIFF; only grayscale images are supported");
    if (photometric == PHOTOMETRIC_RGB || photometric == PHOTOMETRIC_YCBCR)
      fail_with(fmt::format("color TIFF ({} samples per pixel); only grayscale images are supported", spp));
    if (spp != 1 || (photometric != PHOTOMETRIC_MINISBLACK && photometric != PHOTOMETRIC_MINISWHITE))
      fail_with(fmt::format("TIFF has {} samples per pixel (photometric {}); only single-channel grayscale is supported",
                            spp, photometric));
    if (photometric == PHOTOMETRIC_MINISWHITE)
      fail_with("TIFF is min-is-white (inverted grayscale), which is not supported");
    if (bits != 8 && bits != 16)
      fail_with(fmt::format("TIFF has {} bits per sample; only 8- and 16-bit grayscale is supported", bits));
    if (format != SAMPLEFORMAT_UINT)
      fail_with(fmt::format("TIFF sample format is {} (signed or float); only unsigned integers are supported", format));
    uint16_t compression = COMPRESSION_NONE;
    TIFFGetFieldDefaulted(tif_, TIFFTAG_COMPRESSION, &compression);
    if (!TIFFIsCODECConfigured(compression))
      fail_with(fmt::format("TIFF compression {} is not supported by this libtiff", compression));
    // A multi-page file is a stack in one file, not a slice: reading page 0 silently would be wrong.
    if (!TIFFLastDirectory(tif_)) fail_with("TIFF has more than one page; each slice file must hold one image");

    info_.width = w;
    info_.height = h;
    info_.dtype = bits == 8 ? DType::uint8 : DType::uint16;
  }

  size_t elem() const { return dtype_size(info_.dtype); }

  void read_scanlines(int64_t x0, int64_t x1, int64_t y0, int64_t y1, std::byte* out) {
    // Compressed strips can only be decoded from their first row (libtiff refuses to seek inside
    // them), so start at the strip holding y0 and discard the rows above it. Uncompressed strips
    // are random access. Memory stays one row (the file is memory-mapped by libtiff).
    uint16_t compression = COMPRESSION_NONE;
    TIFFGetFieldDefaulted(tif_, TIFFTAG_COMPRESSION, &compression);
    uint32_t rows_per_strip = 0;
    TIFFGetFieldDefaulted(tif_, TIFFTAG_ROWSPERSTRIP, &rows_per_strip);
    int64_t start = y0;
    if (compression != COMPRESSION_NONE && rows_per_strip > 0) start = y0 / rows_per_strip * rows_per_strip;

    std::vector<std::byte> line(static_cast<size_t>(TIFFScanlineSize64(tif_)));
    const size_t row_bytes = size_t(x1 - x0) * elem();
    for (int64_t y = start; y < y1; ++y) {
      if (TIFFReadScanline(tif_, line.data(), uint32_t(y), 0) < 0)
        fail_with(fmt::format("cannot decode row {}", y));
      if (y >= y0) std::memcpy(out + size_t(y - y0) * row_bytes, line.data() + size_t(x0) * elem(), row_bytes);
    }
  }

  void read_tiles(int64_t x0, int64_t x1, int64_t y0, int64_t y1, std::byte* out) {
    uint32_t tw = 0, th = 0;
    TIFFGetField(tif_, TIFFTAG_TILEWIDTH, &tw);
    TIFFGetField(tif_, TIFFTAG_TILELENGTH, &th);
    if (tw == 0 || th == 0) fail_with("tiled TIFF without tile size");
    std::vector<std::byte> tile(static_cast<size_t>(TIFFTileSize64(tif_)));
    const size_t e = elem(), out_row = size_t(x1 - x0) * e;
    for (int64_t ty = y0 / th * th; ty < y1; ty += th) {
      for (int64_t tx = x0 / tw * tw; tx < x1; tx += tw) {
        const uint32_t t = TIFFComputeTile(tif_, uint32_t(tx), uint32_t(ty), 0, 0);
        if (TIFFReadEncodedTile(tif_, t, tile.data(), tmsize_t(tile.size())) < 0)
          fail_with(fmt::format("cannot decode tile {} at x={} y={}", t, tx, ty));
        // Tiles are full-size even at the right and bottom edges.
        const int64_t cx0 = std::max(x0, tx), cx1 = std::min<int64_t>(x1, tx + tw);
        const int64_t cy0 = std::max(y0, ty), cy1 = std::min<int64_t>(y1, ty + th);
        for (int64_t y = cy0; y < cy1; ++y)
          std::memcpy(out + size_t(y - y0) * out_row + size_t(cx0 - x0) * e,
                      tile.data() + (size_t(y - ty) * tw + size_t(cx0 - tx)) * e, size_t(cx1 - cx0) * e);
      }
    }
  }

  std::filesystem::path path_;
  TiffMessages messages_;
  TIFF* tif_ = nullptr;
  SliceImageInfo info_;
};

}  // namespace

std::unique_ptr<SliceImage> open_tiff_slice(const std::filesystem::path& path) {
  return std::make_unique<TiffSlice>(path);
}

}  // namespace dflow
